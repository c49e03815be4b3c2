/**
 * Constrained test problems with known optima, for benchmarking samplers (bench/bo.ts). Each problem is
 * a box of named float parameters, one objective (`direction` says which way is better), constraints
 * `c_i(p) ≤ 0` (feasible iff every one is ≤ 0) and the best feasible objective value known.
 *
 * bench/optuna_bo.py carries the very same formulas and bounds in Python (a test checks that both
 * agree to 1e-12 on random points): change both together.
 *
 * - `ackley10c`: the SCBO paper's / BoTorch SCBO tutorial's 10-D Ackley problem (maximize −ackley).
 * - `pressureVessel`: Sandgren's pressure-vessel design (4-D, 4 constraints), continuous relaxation.
 * - `tensionSpring`: tension/compression spring design (3-D, 4 constraints).
 * - `silentLandscape`: a synthetic stand-in for SNN hyperparameter search (6-D): about 81 % of the box
 *   is "silent" (infeasible) and the best configuration lies on the edge of silence.
 */
import { ValidationError } from '../core/errors.ts';
import { type ParamValues, SearchSpace } from '../space/index.ts';
import type { Direction, Problem } from './types.ts';

/** A configuration of a test problem: parameter name → value. */
export type Point = Readonly<Record<string, number>>;

export interface Bound {
  readonly name: string;
  readonly low: number;
  readonly high: number;
}

export interface TestProblem {
  readonly name: string;
  /** One line: what the problem is. */
  readonly title: string;
  /** The box, in parameter order (every parameter is a linear-scale float). */
  readonly bounds: readonly Bound[];
  readonly space: SearchSpace;
  readonly objective: (p: Point) => number;
  readonly direction: Direction;
  /** Feasible iff every constraint is ≤ 0. */
  readonly constraints: readonly ((p: Point) => number)[];
  readonly constraintNames: readonly string[];
  /** Best feasible objective value known (in the problem's own direction and units). */
  readonly optimum: number;
  /** A point attaining `optimum` (feasible up to rounding in its last digits). */
  readonly optimumAt: Point;
  /** Number of parameters. */
  readonly dims: number;
  /** Where the formulation and the optimum come from. */
  readonly reference: string;
}

function boxSpace(bounds: readonly Bound[]): SearchSpace {
  return new SearchSpace(
    bounds.map((b) => ({ name: b.name, type: 'float' as const, low: b.low, high: b.high })),
  );
}

function make(p: Omit<TestProblem, 'space' | 'dims'>): TestProblem {
  return Object.freeze({ ...p, space: boxSpace(p.bounds), dims: p.bounds.length });
}

// ---------------------------------------------------------------------------------------------------
// Ackley with SCBO's two constraints.

/** Ackley's function (a = 20, b = 0.2, c = 2π): 0 at the origin, positive elsewhere. */
export function ackley(x: readonly number[]): number {
  const d = x.length;
  let sq = 0;
  let cs = 0;
  for (const v of x) {
    sq += v * v;
    cs += Math.cos(2 * Math.PI * v);
  }
  return -20 * Math.exp(-0.2 * Math.sqrt(sq / d)) - Math.exp(cs / d) + 20 + Math.E;
}

/**
 * d-dimensional constrained Ackley on [-5, 10]^d (Eriksson & Poloczek 2021, §4; BoTorch's SCBO
 * tutorial): maximize f(x) = −ackley(x) subject to c1(x) = Σ x_i ≤ 0 and c2(x) = ‖x‖₂ − 5 ≤ 0.
 * The optimum is f = 0 at x = 0 (c1 active, c2 = −5). Parameters are x0 … x{d−1}.
 */
export function constrainedAckley(d: number): TestProblem {
  const names = Array.from({ length: d }, (_, i) => `x${i}`);
  const vec = (p: Point): number[] => names.map((n) => p[n]);
  return make({
    name: `ackley${d}c`,
    title: `${d}-D Ackley on [-5, 10]^${d}, maximize −ackley; Σx ≤ 0, ‖x‖ ≤ 5`,
    bounds: names.map((name) => ({ name, low: -5, high: 10 })),
    objective: (p) => -ackley(vec(p)),
    direction: 'maximize',
    constraints: [(p) => vec(p).reduce((s, v) => s + v, 0), (p) => Math.hypot(...vec(p)) - 5],
    constraintNames: ['sum', 'norm'],
    optimum: 0,
    optimumAt: Object.fromEntries(names.map((n) => [n, 0])),
    reference:
      'Eriksson & Poloczek, "Scalable Constrained Bayesian Optimization", AISTATS 2021 (10-D Ackley with ' +
      "Σx ≤ 0 and ‖x‖₂ ≤ 5); BoTorch tutorial 'scalable_constrained_bo'. Optimum 0 at x = 0.",
  });
}

export const ackley10c: TestProblem = constrainedAckley(10);

// ---------------------------------------------------------------------------------------------------
// Pressure vessel (Sandgren 1990), continuous relaxation.

/**
 * Cost of a cylindrical vessel with hemispherical heads: shell thickness Ts, head thickness Th, inner
 * radius R, length of the cylindrical part L. Minimize
 *   f = 0.6224·Ts·R·L + 1.7781·Th·R² + 3.1661·Ts²·L + 19.84·Ts²·R
 * subject to g1 = −Ts + 0.0193·R ≤ 0, g2 = −Th + 0.00954·R ≤ 0,
 * g3 = −π·R²·L − (4/3)·π·R³ + 1296000 ≤ 0, g4 = L − 240 ≤ 0,
 * Ts, Th ∈ [0.0625, 6.1875], R, L ∈ [10, 200].
 *
 * In the original problem Ts and Th are integer multiples of 0.0625 in (1 … 99)·0.0625 (best known
 * 6059.714); here they are CONTINUOUS, whose best known value is 5885.3327736. It can be derived in
 * closed form: at the optimum g1, g2 and g3 are active and L sits on its upper bound 200, so
 * R solves πR²·200 + (4/3)πR³ = 1296000 (R = 40.3196187241), Ts = 0.0193·R, Th = 0.00954·R, and the
 * cost along the active set is increasing in R beyond that point (checked by a 1-D scan, 1e-4 steps).
 */
export const pressureVessel: TestProblem = (() => {
  const R = 40.319618724098724;
  return make({
    name: 'pressureVessel',
    title: 'Pressure vessel design (Sandgren 1990), 4-D, 4 constraints, Ts/Th continuous, minimize cost',
    bounds: [
      { name: 'Ts', low: 0.0625, high: 6.1875 },
      { name: 'Th', low: 0.0625, high: 6.1875 },
      { name: 'R', low: 10, high: 200 },
      { name: 'L', low: 10, high: 200 },
    ],
    objective: (p) =>
      0.6224 * p.Ts * p.R * p.L +
      1.7781 * p.Th * p.R * p.R +
      3.1661 * p.Ts * p.Ts * p.L +
      19.84 * p.Ts * p.Ts * p.R,
    direction: 'minimize',
    constraints: [
      (p) => -p.Ts + 0.0193 * p.R,
      (p) => -p.Th + 0.00954 * p.R,
      (p) => -Math.PI * p.R * p.R * p.L - (4 / 3) * Math.PI * p.R ** 3 + 1296000,
      (p) => p.L - 240,
    ],
    constraintNames: ['shell', 'head', 'volume', 'length'],
    optimum: 5885.3327736164583,
    optimumAt: { Ts: 0.0193 * R, Th: 0.00954 * R, R, L: 200 },
    reference:
      'Sandgren, "Nonlinear integer and discrete programming in mechanical design optimization", ' +
      'J. Mech. Design 112 (1990) 223–229; continuous relaxation with best known 5885.3327736 ' +
      '(the value benchmark collections list for it), re-derived in closed form (see the source).',
  });
})();

// ---------------------------------------------------------------------------------------------------
// Tension/compression spring.

/**
 * Weight of a tension/compression spring: wire diameter d, mean coil diameter D, active coils N.
 * Minimize f = (N + 2)·D·d² subject to
 *   g1 = 1 − D³·N / (71785·d⁴) ≤ 0                              (minimum deflection)
 *   g2 = (4D² − d·D) / (12566·(D·d³ − d⁴)) + 1 / (5108·d²) − 1 ≤ 0  (shear stress)
 *   g3 = 1 − 140.45·d / (D²·N) ≤ 0                              (surge frequency)
 *   g4 = (D + d) / 1.5 − 1 ≤ 0                                  (outside diameter)
 * with d ∈ [0.05, 2], D ∈ [0.25, 1.3], N ∈ [2, 15]. Best known f = 0.012665233 (e.g. Liu, Cai & Wang
 * 2010, PSO-DE). Re-derived here: g1 and g2 are active at the optimum, so for each d, D solves g2 = 0
 * (bisection) and N = 71785·d⁴ / D³; a 1-D scan of d (1e-6 steps) refined by golden section gives
 * d = 0.0516890611, D = 0.3567177403, N = 11.2889657216, f = 0.01266523278832.
 */
export const tensionSpring: TestProblem = make({
  name: 'tensionSpring',
  title: 'Tension/compression spring design, 3-D, 4 constraints, minimize weight',
  bounds: [
    { name: 'd', low: 0.05, high: 2 },
    { name: 'D', low: 0.25, high: 1.3 },
    { name: 'N', low: 2, high: 15 },
  ],
  objective: (p) => (p.N + 2) * p.D * p.d * p.d,
  direction: 'minimize',
  constraints: [
    (p) => 1 - (p.D ** 3 * p.N) / (71785 * p.d ** 4),
    (p) => (4 * p.D * p.D - p.d * p.D) / (12566 * (p.D * p.d ** 3 - p.d ** 4)) + 1 / (5108 * p.d * p.d) - 1,
    (p) => 1 - (140.45 * p.d) / (p.D * p.D * p.N),
    (p) => (p.D + p.d) / 1.5 - 1,
  ],
  constraintNames: ['deflection', 'shear', 'surge', 'diameter'],
  optimum: 0.012665232788319413,
  optimumAt: { d: 0.051689061104010545, D: 0.35671774031058995, N: 11.288965721646258 },
  reference:
    'Arora, Introduction to Optimum Design (1989); Belegundu (1982); best known 0.012665233 ' +
    '(e.g. Liu, Cai & Wang, Applied Soft Computing 10 (2010) 629–640), re-derived (see the source).',
});

// ---------------------------------------------------------------------------------------------------
// A silent-network landscape.

/** Silence threshold of `silentLandscape`: feasible iff excitability ≥ this. */
export const SILENCE_THRESHOLD = 0.7;

/** Excitability of a `silentLandscape` configuration: grows with weight scale, input gain and 1 − threshold. */
export function excitability(p: Point): number {
  return 0.5 * p.w + 0.3 * p.g + 0.2 * p.v + 0.2 * (p.w * p.g - 0.25);
}

/**
 * A synthetic stand-in for tuning an SNN, all six parameters normalized to [0, 1]: w (weight scale),
 * g (input gain), v (1 − firing threshold), lr (log learning rate), beta (membrane decay), drop
 * (dropout). With the excitability s = 0.5w + 0.3g + 0.2v + 0.2(w·g − 0.25):
 *
 *   silence  c = 0.7 − s ≤ 0   (too little drive: the network is silent; violated on ≈ 80.6 % of the
 *                               box — feasible fraction 0.19395 by a 4000² midpoint grid over (w, g)
 *                               integrating v exactly)
 *   accuracy f = 0.1 + 0.88 · exp(−(s − 0.64)² / (2·0.12²))            excitability: best at 0.64, silent
 *                  · exp(−(lr − (0.75 − 0.4·s))² / (2·0.15²))          best lr falls as s grows
 *                  · (1 − 0.25·(beta − 0.8)²) · (1 − 0.3·(drop − 0.15)²)
 *                  · (1 − 0.2·(w − g)²) · (1 − 0.3·(v − 0.4)²)         balance of the drives
 *   maximized: chance level 0.1, unconstrained peak 0.98 inside the silent region.
 *
 * The objective is smooth across the boundary (as a model of it would be; bench/bo.ts treats every
 * point as a complete trial). Optimum, in closed form: every factor but the first can equal 1 and the
 * first decreases for s > 0.64, so the best feasible point has s = 0.7 exactly (on the edge of
 * silence), w = g = t with 0.2t² + 0.8t + 0.03 = 0.7 (t = (√1.176 − 0.8)/0.4 = 0.711088),
 * v = 0.4, lr = 0.75 − 0.4·0.7 = 0.47, beta = 0.8, drop = 0.15, and
 * f* = 0.1 + 0.88·exp(−0.125) = 0.876597274274444 (unique; a multi-start local search in the test
 * finds nothing better).
 */
export const silentLandscape: TestProblem = (() => {
  const t = (Math.sqrt(1.176) - 0.8) / 0.4;
  const names = ['w', 'g', 'v', 'lr', 'beta', 'drop'];
  return make({
    name: 'silentLandscape',
    title: 'Synthetic SNN landscape, 6-D, ~81% silent (infeasible), optimum on the edge of silence',
    bounds: names.map((name) => ({ name, low: 0, high: 1 })),
    objective: (p) => {
      const s = excitability(p);
      const a = Math.exp(-((s - 0.64) ** 2) / (2 * 0.12 ** 2));
      const b = Math.exp(-((p.lr - (0.75 - 0.4 * s)) ** 2) / (2 * 0.15 ** 2));
      const c = (1 - 0.25 * (p.beta - 0.8) ** 2) * (1 - 0.3 * (p.drop - 0.15) ** 2);
      const e = (1 - 0.2 * (p.w - p.g) ** 2) * (1 - 0.3 * (p.v - 0.4) ** 2);
      return 0.1 + 0.88 * a * b * c * e;
    },
    direction: 'maximize',
    constraints: [(p) => SILENCE_THRESHOLD - excitability(p)],
    constraintNames: ['silence'],
    optimum: 0.876597274274444,
    optimumAt: { w: t, g: t, v: 0.4, lr: 0.75 - 0.4 * SILENCE_THRESHOLD, beta: 0.8, drop: 0.15 },
    reference: 'spiketune (this file): closed form, checked by multi-start local search in testfns.test.ts.',
  });
})();

/** Every test problem, by name. */
export const testProblems: Readonly<Record<string, TestProblem>> = Object.freeze({
  ackley10c,
  pressureVessel,
  tensionSpring,
  silentLandscape,
});

/** The test problem called `name`; throws a `ValidationError` listing the names otherwise. */
export function testProblem(name: string): TestProblem {
  const p = Object.hasOwn(testProblems, name) ? testProblems[name] : undefined;
  if (p === undefined) {
    throw new ValidationError('problem', name, `expected one of ${Object.keys(testProblems).join(', ')}`);
  }
  return p;
}

/** The sampler's view of a test problem: one objective called `objective`, the named constraints. */
export function asProblem(tp: TestProblem): Problem {
  return {
    space: tp.space,
    objectives: [{ name: 'objective', direction: tp.direction }],
    constraints: tp.constraintNames,
  };
}

/** A sampler's proposal as a `Point` (every parameter of a test problem is a number). */
export function toPoint(tp: TestProblem, params: ParamValues): Point {
  const out: Record<string, number> = {};
  for (const b of tp.bounds) {
    const v = params[b.name];
    if (typeof v !== 'number') throw new ValidationError(`params.${b.name}`, v, 'expected a number');
    out[b.name] = v;
  }
  return out;
}

export interface Evaluation {
  readonly value: number;
  readonly constraints: number[];
  readonly feasible: boolean;
}

/** Objective and constraints at `params`; feasible iff every constraint is ≤ 0. */
export function evaluate(tp: TestProblem, params: ParamValues | Point): Evaluation {
  const p = toPoint(tp, params);
  const constraints = tp.constraints.map((c) => c(p));
  return { value: tp.objective(p), constraints, feasible: constraints.every((c) => c <= 0) };
}
