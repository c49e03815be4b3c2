/**
 * L-BFGS-B: limited-memory quasi-Newton minimization of a smooth f: Rⁿ → R under box bounds
 * l ≤ x ≤ u (either side may be infinite), after Byrd, Lu, Nocedal & Zhu (1995), "A limited memory
 * algorithm for bound constrained optimization", with the subspace step of Morales & Nocedal (2011).
 *
 * Each iteration
 * 1. builds the quadratic model m(x + p) = f + gᵀp + ½ pᵀBp, with B the compact limited-memory BFGS
 *    matrix B = θI − W M Wᵀ (W = [Y, θS], n × 2k, from the last k ≤ m steps and gradient changes);
 * 2. finds the generalized Cauchy point: the first local minimizer of m along the projected
 *    steepest-descent path x(t) = P(x − t g), walking through its breakpoints (this fixes the active set);
 * 3. minimizes m over the variables still free at that point (direct primal method, via the
 *    Sherman–Morrison–Woodbury formula), projects the result into the box — or, when the projected
 *    step is not a descent direction, backtracks it into the box;
 * 4. searches along the direction to that point for a step that satisfies the strong Wolfe
 *    conditions (c₁ = 1e-3, c₂ = 0.9, as the reference code's line search), never leaving the box.
 *
 * Robustness: a NaN or infinite value or gradient (a Cholesky failure inside a GP marginal likelihood,
 * an overflow) is treated as a failed trial step, and the line search backtracks from it. When a line
 * search fails, the curvature memory is dropped and the iteration is retried from a scaled steepest
 * descent step before giving up.
 *
 * Vectors are Float64Array of length n; f is called as f(x, grad): it returns f(x) and writes ∇f(x)
 * into `grad` (all n entries). It must not keep or modify `x`.
 *
 * The code is split by phase under lbfgsb/: the public types (types.ts), the compact limited-memory
 * matrix (memory.ts), the per-run state and buffers (state.ts), the Cauchy point (cauchy.ts), the
 * subspace minimization (subspace.ts), the line search (linesearch.ts) and the iteration itself
 * (driver.ts); this module is the entry point.
 */
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { checkInt, checkNumber } from '../core/validate.ts';
import { runSolver } from './lbfgsb/driver.ts';
import { SolverState } from './lbfgsb/state.ts';
import type { Bounds, LbfgsbOptions, LbfgsbResult, Objective } from './lbfgsb/types.ts';

export type { Bounds, LbfgsbOptions, LbfgsbResult, LbfgsbStatus, Objective } from './lbfgsb/types.ts';

/**
 * Minimizes `f` from `x0` (projected into the bounds first) with L-BFGS-B. Deterministic. Throws
 * ValidationError for malformed input; a non-finite f or gradient at the start ends the run at once
 * with status 'nonFinite'.
 */
export function lbfgsb(f: Objective, x0: ArrayLike<number>, options: LbfgsbOptions = {}): LbfgsbResult {
  const n = x0.length;
  checkInt('x0.length', n, 1);
  const memory = checkInt('memory', options.memory ?? 10, 1, 1000);
  const maxIterations = checkInt('maxIterations', options.maxIterations ?? 1000, 0);
  const maxEvaluations = checkInt('maxEvaluations', options.maxEvaluations ?? 10_000, 1);
  const gtol = checkNumber('gtol', options.gtol ?? 1e-5, 0);
  const ftol = checkNumber('ftol', options.ftol ?? 2.220446049250313e-9, 0);
  const maxLineSearch = checkInt('maxLineSearch', options.maxLineSearch ?? 20, 1);
  const { lower, upper } = readBounds(options.bounds, n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x0[i])) throw new ValidationError(`x0[${i}]`, x0[i], 'expected a finite number');
  }
  const solver = new SolverState(f, n, lower, upper, memory, maxEvaluations, maxLineSearch);
  return runSolver(solver, x0, maxIterations, gtol, ftol);
}

export interface RestartsResult extends LbfgsbResult {
  /** Index (into `runs`) of the run that gave the result. */
  readonly best: number;
  /** Every run, in the order of the starting points. */
  readonly runs: readonly LbfgsbResult[];
}

/**
 * Runs L-BFGS-B from several starting points and keeps the lowest finite f. `starts` is either the
 * points themselves or how many to draw with `rng`: uniform in the box where both bounds are finite;
 * bound ± |N(0, 1)| where one is; N(0, 1) where neither is. Runs whose start is not finite count as
 * failures and are kept in `runs`.
 */
export function minimizeWithRestarts(
  f: Objective,
  bounds: Bounds,
  starts: readonly ArrayLike<number>[] | number,
  rng: Rng,
  options: Omit<LbfgsbOptions, 'bounds'> = {},
): RestartsResult {
  const n = bounds.lower.length;
  checkInt('bounds.lower.length', n, 1);
  const { lower, upper } = readBounds(bounds, n);
  let points: readonly ArrayLike<number>[];
  if (typeof starts === 'number') {
    checkInt('starts', starts, 1);
    const drawn: Float64Array[] = [];
    for (let s = 0; s < starts; s++) drawn.push(randomStart(lower, upper, rng));
    points = drawn;
  } else {
    if (starts.length === 0) throw new ValidationError('starts', starts, 'expected at least one point');
    starts.forEach((p, s) => {
      if (p.length !== n) throw new ValidationError(`starts[${s}].length`, p.length, `expected ${n}`);
    });
    points = starts;
  }
  const runs: LbfgsbResult[] = [];
  let best = -1;
  for (let s = 0; s < points.length; s++) {
    const r = lbfgsb(f, points[s], { ...options, bounds: { lower, upper } });
    runs.push(r);
    if (Number.isFinite(r.f) && (best < 0 || r.f < runs[best].f)) best = s;
  }
  if (best < 0) best = 0;
  return { ...runs[best], best, runs };
}

/** Bounds with every side infinite, for unconstrained problems of dimension `n`. */
export function unbounded(n: number): Bounds {
  checkInt('n', n, 1);
  return { lower: new Float64Array(n).fill(-Infinity), upper: new Float64Array(n).fill(Infinity) };
}

function randomStart(lower: Float64Array, upper: Float64Array, rng: Rng): Float64Array {
  const n = lower.length;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = lower[i];
    const hi = upper[i];
    if (lo > -Infinity && hi < Infinity) x[i] = lo + (hi - lo) * rng.next();
    else if (lo > -Infinity) x[i] = lo + Math.abs(rng.normal());
    else if (hi < Infinity) x[i] = hi - Math.abs(rng.normal());
    else x[i] = rng.normal();
  }
  return x;
}

function readBounds(bounds: Bounds | undefined, n: number): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(n).fill(-Infinity);
  const upper = new Float64Array(n).fill(Infinity);
  if (bounds === undefined) return { lower, upper };
  if (bounds.lower.length !== n)
    throw new ValidationError('bounds.lower.length', bounds.lower.length, `expected ${n}`);
  if (bounds.upper.length !== n)
    throw new ValidationError('bounds.upper.length', bounds.upper.length, `expected ${n}`);
  for (let i = 0; i < n; i++) {
    const lo = bounds.lower[i];
    const hi = bounds.upper[i];
    if (typeof lo !== 'number' || Number.isNaN(lo) || lo === Infinity) {
      throw new ValidationError(`bounds.lower[${i}]`, lo, 'expected a number or -Infinity');
    }
    if (typeof hi !== 'number' || Number.isNaN(hi) || hi === -Infinity) {
      throw new ValidationError(`bounds.upper[${i}]`, hi, 'expected a number or Infinity');
    }
    if (lo > hi) throw new ValidationError(`bounds.upper[${i}]`, hi, `expected ≥ bounds.lower[${i}] = ${lo}`);
    lower[i] = lo;
    upper[i] = hi;
  }
  return { lower, upper };
}
