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
 */
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { checkInt, checkNumber } from '../core/validate.ts';
import { choleskyInPlace, cholSolve } from '../linalg/cholesky.ts';

/** Objective: returns f(x) and writes ∇f(x) into `grad`. NaN/±Infinity mark x as unusable. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/** Box bounds; entries may be -Infinity / Infinity. lower[i] ≤ upper[i]. */
export interface Bounds {
  readonly lower: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
}

export interface LbfgsbOptions {
  /** Box bounds (default: none). */
  readonly bounds?: Bounds;
  /** Number of correction pairs kept (default 10). */
  readonly memory?: number;
  /** Maximum number of iterations (default 1000). */
  readonly maxIterations?: number;
  /** Maximum number of objective evaluations, the first included (default 10 000). */
  readonly maxEvaluations?: number;
  /** Stop when the projected gradient's largest entry is at most this (default 1e-5). */
  readonly gtol?: number;
  /**
   * Stop when an iteration reduces f by at most ftol · max(|f_old|, |f|, 1) (default 2.2e-9, the
   * reference code's factr = 1e7).
   */
  readonly ftol?: number;
  /** Maximum evaluations within one line search (default 20). */
  readonly maxLineSearch?: number;
}

/** Why the run stopped. 'gtol' and 'ftol' count as converged. */
export type LbfgsbStatus = 'gtol' | 'ftol' | 'maxIterations' | 'maxEvaluations' | 'lineSearch' | 'nonFinite';

export interface LbfgsbResult {
  /** Best point found (inside the box). */
  readonly x: Float64Array;
  /** f(x). */
  readonly f: number;
  /** ∇f(x). */
  readonly gradient: Float64Array;
  /** Largest entry (in absolute value) of the projected gradient P(x − g) − x at x. */
  readonly projectedGradient: number;
  /** Per variable: -1 at its lower bound, 1 at its upper bound, 0 strictly inside. */
  readonly active: Int8Array;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly status: LbfgsbStatus;
  readonly message: string;
}

const EPS = 2.220446049250313e-16;
const C1 = 1e-3;
const C2 = 0.9;

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
  const solver = new Solver(f, n, lower, upper, memory, maxEvaluations, maxLineSearch);
  return solver.run(x0, maxIterations, gtol, ftol);
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

/**
 * The limited-memory BFGS matrix B = θI − W M Wᵀ in compact form. Pairs (s_j, y_j), j = 0 (oldest)
 * … k−1, are rows of S and Y (k × n). M = [[−D, Lᵀ], [L, θSᵀS]]⁻¹ with D = diag(s_jᵀy_j) and
 * L_ij = s_iᵀy_j for i > j; it is applied through the Cholesky factor J of
 * T = θSᵀS + L D⁻¹ Lᵀ (k × k), as in the reference code.
 */
class Memory {
  k = 0;
  theta = 1;
  readonly s: Float64Array;
  readonly y: Float64Array;
  /** sy[i·m + j] = s_iᵀ y_j. */
  readonly sy: Float64Array;
  /** ss[i·m + j] = s_iᵀ s_j. */
  readonly ss: Float64Array;
  /** Cholesky factor of T, packed k × k. */
  readonly j: Float64Array;
  private readonly t: Float64Array;
  private readonly q2: Float64Array;

  constructor(
    readonly n: number,
    readonly m: number,
  ) {
    this.s = new Float64Array(m * n);
    this.y = new Float64Array(m * n);
    this.sy = new Float64Array(m * m);
    this.ss = new Float64Array(m * m);
    this.j = new Float64Array(m * m);
    this.t = new Float64Array(m);
    this.q2 = new Float64Array(m);
  }

  reset(): void {
    this.k = 0;
    this.theta = 1;
  }

  /** Adds a pair (sᵀy > 0 assumed); returns false (and resets) if T is not numerically PD. */
  add(sv: Float64Array, yv: Float64Array, sTy: number, yTy: number): boolean {
    const { n, m } = this;
    if (this.k === m) {
      this.s.copyWithin(0, n);
      this.y.copyWithin(0, n);
      for (let i = 0; i + 1 < m; i++) {
        for (let q = 0; q + 1 < m; q++) {
          this.sy[i * m + q] = this.sy[(i + 1) * m + q + 1];
          this.ss[i * m + q] = this.ss[(i + 1) * m + q + 1];
        }
      }
      this.k = m - 1;
    }
    const k = this.k;
    this.s.set(sv, k * n);
    this.y.set(yv, k * n);
    for (let q = 0; q <= k; q++) {
      let sky = 0;
      let syk = 0;
      let sks = 0;
      const oq = q * n;
      const ok = k * n;
      for (let i = 0; i < n; i++) {
        sky += this.s[ok + i] * this.y[oq + i];
        syk += this.s[oq + i] * this.y[ok + i];
        sks += this.s[ok + i] * this.s[oq + i];
      }
      this.sy[k * m + q] = sky;
      this.sy[q * m + k] = syk;
      this.ss[k * m + q] = sks;
      this.ss[q * m + k] = sks;
    }
    this.sy[k * m + k] = sTy;
    this.k = k + 1;
    this.theta = yTy / sTy;
    if (!this.formT()) {
      this.reset();
      return false;
    }
    return true;
  }

  private formT(): boolean {
    const { k, m, theta } = this;
    const jm = this.j;
    for (let i = 0; i < k; i++) {
      for (let q = 0; q <= i; q++) {
        let v = theta * this.ss[i * m + q];
        for (let l = 0; l < q; l++) v += (this.sy[i * m + l] * this.sy[q * m + l]) / this.sy[l * m + l];
        jm[i * k + q] = v;
      }
    }
    return choleskyInPlace(jm, k);
  }

  /** out (2k) = M v (2k). `out` must not be `v`. */
  applyM(v: Float64Array, out: Float64Array): void {
    const { k, m } = this;
    const t = this.t;
    // q2 = T⁻¹ (v2 + L D⁻¹ v1); q1 = D⁻¹ (Lᵀ q2 − v1).
    for (let i = 0; i < k; i++) {
      let s = v[k + i];
      for (let q = 0; q < i; q++) s += (this.sy[i * m + q] * v[q]) / this.sy[q * m + q];
      t[i] = s;
    }
    const q2 = cholSolve(this.j, k, t, this.q2);
    for (let i = 0; i < k; i++) {
      let s = -v[i];
      for (let q = i + 1; q < k; q++) s += this.sy[q * m + i] * q2[q];
      out[i] = s / this.sy[i * m + i];
      out[k + i] = q2[i];
    }
  }

  /** out (2k) = row i of W: [y_0[i] … y_{k−1}[i], θ s_0[i] … θ s_{k−1}[i]]. */
  row(i: number, out: Float64Array): void {
    const { k, n, theta } = this;
    for (let q = 0; q < k; q++) {
      out[q] = this.y[q * n + i];
      out[k + q] = theta * this.s[q * n + i];
    }
  }
}

type LineSearchOutcome = 'ok' | 'failed' | 'budget';

class Solver {
  evaluations = 0;
  private readonly mem: Memory;
  // Current iterate.
  private x: Float64Array;
  private g: Float64Array;
  private fx = Number.NaN;
  // Line-search buffers: best acceptable point so far ("lo") and the trial point.
  private xLo: Float64Array;
  private gLo: Float64Array;
  private xT: Float64Array;
  private gT: Float64Array;
  private fLo = Number.NaN;
  private fT = Number.NaN;
  // Per-iteration scratch.
  private readonly xcp: Float64Array;
  private readonly xbar: Float64Array;
  private readonly d: Float64Array;
  private readonly dir: Float64Array;
  private readonly tBreak: Float64Array;
  private readonly order: Int32Array;
  private readonly free: Int32Array;
  private readonly sv: Float64Array;
  private readonly yv: Float64Array;
  // 2m-sized scratch for the compact-form products.
  private readonly c: Float64Array;
  private readonly p: Float64Array;
  private readonly w: Float64Array;
  private readonly mw: Float64Array;
  private readonly v: Float64Array;
  private readonly z: Float64Array;
  private readonly nmat: Float64Array;
  private readonly col: Float64Array;
  private readonly boxed: boolean;
  private readonly constrained: boolean;

  constructor(
    private readonly f: Objective,
    private readonly n: number,
    private readonly lower: Float64Array,
    private readonly upper: Float64Array,
    memory: number,
    private readonly maxEvaluations: number,
    private readonly maxLineSearch: number,
  ) {
    this.mem = new Memory(n, memory);
    const vec = () => new Float64Array(n);
    this.x = vec();
    this.g = vec();
    this.xLo = vec();
    this.gLo = vec();
    this.xT = vec();
    this.gT = vec();
    this.xcp = vec();
    this.xbar = vec();
    this.d = vec();
    this.dir = vec();
    this.tBreak = vec();
    this.sv = vec();
    this.yv = vec();
    this.order = new Int32Array(n);
    this.free = new Int32Array(n);
    const m2 = 2 * memory;
    this.c = new Float64Array(m2);
    this.p = new Float64Array(m2);
    this.w = new Float64Array(m2);
    this.mw = new Float64Array(m2);
    this.v = new Float64Array(m2);
    this.z = new Float64Array(m2);
    this.nmat = new Float64Array(m2 * m2);
    this.col = new Float64Array(m2);
    let boxed = true;
    let constrained = false;
    for (let i = 0; i < n; i++) {
      const fin = (lower[i] > -Infinity ? 1 : 0) + (upper[i] < Infinity ? 1 : 0);
      if (fin < 2) boxed = false;
      if (fin > 0) constrained = true;
    }
    this.boxed = boxed;
    this.constrained = constrained;
  }

  run(x0: ArrayLike<number>, maxIterations: number, gtol: number, ftol: number): LbfgsbResult {
    const { n, lower, upper, mem } = this;
    for (let i = 0; i < n; i++) this.x[i] = Math.min(upper[i], Math.max(lower[i], x0[i]));
    this.fx = this.evaluate(this.x, this.g);
    if (!Number.isFinite(this.fx)) {
      return this.result(0, 'nonFinite', 'the objective or its gradient is not finite at the starting point');
    }
    let iterations = 0;
    let smallDecrease = false;
    let lastDecrease = 0;
    for (;;) {
      const pg = this.projectedGradientNorm();
      if (pg <= gtol) {
        return this.result(iterations, 'gtol', `converged: projected gradient ${pg.toExponential(3)} ≤ gtol`);
      }
      if (smallDecrease) {
        return this.result(
          iterations,
          'ftol',
          `converged: relative reduction of f ${lastDecrease.toExponential(3)} ≤ ftol`,
        );
      }
      if (iterations >= maxIterations) {
        return this.result(iterations, 'maxIterations', `stopped after ${iterations} iterations`);
      }
      if (this.evaluations >= this.maxEvaluations) {
        return this.result(iterations, 'maxEvaluations', `stopped after ${this.evaluations} evaluations`);
      }

      if (!this.searchDirection()) {
        // Numerical trouble in the model (a singular reduced system): retry without curvature pairs.
        if (mem.k > 0) {
          mem.reset();
          continue;
        }
        return this.result(iterations, 'lineSearch', 'no descent direction could be computed');
      }
      const outcome = this.lineSearch();
      if (outcome !== 'ok') {
        if (outcome === 'budget') {
          return this.result(iterations, 'maxEvaluations', `stopped after ${this.evaluations} evaluations`);
        }
        if (mem.k > 0) {
          mem.reset();
          continue;
        }
        return this.result(
          iterations,
          'lineSearch',
          'the line search found no acceptable step (f may be non-smooth, or already at its minimum up to rounding)',
        );
      }
      iterations++;
      // Accept the point found by the line search (in the "lo" buffers).
      const fOld = this.fx;
      let sTy = 0;
      let yTy = 0;
      for (let i = 0; i < n; i++) {
        const s = this.xLo[i] - this.x[i];
        const y = this.gLo[i] - this.g[i];
        this.sv[i] = s;
        this.yv[i] = y;
        sTy += s * y;
        yTy += y * y;
      }
      [this.x, this.xLo] = [this.xLo, this.x];
      [this.g, this.gLo] = [this.gLo, this.g];
      this.fx = this.fLo;
      lastDecrease = (fOld - this.fx) / Math.max(Math.abs(fOld), Math.abs(this.fx), 1);
      smallDecrease = lastDecrease <= ftol;
      if (sTy > EPS * yTy) mem.add(this.sv, this.yv, sTy, yTy);
    }
  }

  private evaluate(x: Float64Array, g: Float64Array): number {
    this.evaluations++;
    const v = this.f(x, g);
    if (typeof v !== 'number' || !Number.isFinite(v)) return Number.NaN;
    for (let i = 0; i < this.n; i++) if (!Number.isFinite(g[i])) return Number.NaN;
    return v;
  }

  private projectedGradientNorm(): number {
    const { n, x, g, lower, upper } = this;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      let gi = g[i];
      if (gi < 0) gi = Math.max(x[i] - upper[i], gi);
      else gi = Math.min(x[i] - lower[i], gi);
      norm = Math.max(norm, Math.abs(gi));
    }
    return norm;
  }

  /**
   * Generalized Cauchy point, then subspace minimization; leaves x̄ in `xbar` and the direction
   * x̄ − x in `dir`. Returns false when no descent direction results.
   */
  private searchDirection(): boolean {
    this.cauchyPoint();
    if (!this.subspaceMinimization()) return false;
    const { n, x, g, xbar, dir } = this;
    let gd = 0;
    for (let i = 0; i < n; i++) {
      dir[i] = xbar[i] - x[i];
      gd += g[i] * dir[i];
    }
    return gd < 0;
  }

  /** Algorithm CP of Byrd et al. (1995): sets xcp and c = Wᵀ(xcp − x). */
  private cauchyPoint(): void {
    const { n, x, g, lower, upper, mem, d, tBreak, order, xcp, c, p, w, mw } = this;
    const k = mem.k;
    const k2 = 2 * k;
    const theta = mem.theta;
    let nb = 0;
    let nleft = 0;
    let f1 = 0;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      let t = Infinity;
      if (gi < 0 && upper[i] < Infinity) t = (x[i] - upper[i]) / gi;
      else if (gi > 0 && lower[i] > -Infinity) t = (x[i] - lower[i]) / gi;
      tBreak[i] = t;
      xcp[i] = x[i];
      if (t === 0) {
        d[i] = 0;
      } else {
        d[i] = -gi;
        f1 -= gi * gi;
        if (gi !== 0) nleft++;
        if (t < Infinity) order[nb++] = i;
      }
    }
    c.fill(0, 0, k2);
    if (f1 === 0) {
      p.fill(0, 0, k2);
      return;
    }
    // p = Wᵀ d.
    p.fill(0, 0, k2);
    for (let i = 0; i < n; i++) {
      const di = d[i];
      if (di === 0) continue;
      for (let q = 0; q < k; q++) {
        p[q] += mem.y[q * n + i] * di;
        p[k + q] += theta * mem.s[q * n + i] * di;
      }
    }
    let f2 = -theta * f1;
    if (k > 0) {
      mem.applyM(p, mw);
      f2 -= dot(p, mw, k2);
    }
    const f2Org = f2;
    let dtMin = -f1 / f2;
    let tOld = 0;
    sortByKey(order, nb, tBreak);
    let next = 0;
    while (next < nb) {
      const b = order[next];
      const tb = tBreak[b];
      const dt = tb - tOld;
      if (dtMin < dt) break;
      next++;
      // Variable b reaches its bound: fix it there.
      const gb = g[b];
      const bound = d[b] > 0 ? upper[b] : lower[b];
      const zb = bound - x[b];
      xcp[b] = bound;
      for (let q = 0; q < k2; q++) c[q] += dt * p[q];
      f1 += dt * f2 + gb * gb + theta * gb * zb;
      f2 -= theta * gb * gb;
      if (k > 0) {
        mem.row(b, w);
        mem.applyM(w, mw);
        f1 -= gb * dot(mw, c, k2);
        f2 -= 2 * gb * dot(mw, p, k2) + gb * gb * dot(mw, w, k2);
        for (let q = 0; q < k2; q++) p[q] += gb * w[q];
      }
      f2 = Math.max(EPS * f2Org, f2);
      d[b] = 0;
      nleft--;
      dtMin = -f1 / f2;
      tOld = tb;
      if (f1 >= 0 || nleft === 0) {
        // Past the model's minimizer along the path, or every moving variable has reached a bound.
        dtMin = 0;
        break;
      }
    }
    dtMin = Math.max(dtMin, 0);
    tOld += dtMin;
    for (let i = 0; i < n; i++) {
      if (d[i] !== 0) xcp[i] = Math.min(upper[i], Math.max(lower[i], x[i] + tOld * d[i]));
    }
    for (let q = 0; q < k2; q++) c[q] += dtMin * p[q];
  }

  /**
   * Minimizes the model over the variables free at the Cauchy point (strictly inside their bounds);
   * writes x̄ into `xbar`. Returns false when the reduced system is numerically singular.
   */
  private subspaceMinimization(): boolean {
    const { n, x, g, lower, upper, mem, xcp, xbar, free, c, w, mw, v, z, nmat, col, d } = this;
    const k = mem.k;
    const k2 = 2 * k;
    const theta = mem.theta;
    xbar.set(xcp);
    let nf = 0;
    for (let i = 0; i < n; i++) if (xcp[i] > lower[i] && xcp[i] < upper[i]) free[nf++] = i;
    if (nf === 0) return true;
    // Reduced gradient r = Zᵀ(g + θ(xcp − x) − W M c), kept in d[i] for free i.
    if (k > 0) mem.applyM(c, mw);
    for (let a = 0; a < nf; a++) {
      const i = free[a];
      let r = g[i] + theta * (xcp[i] - x[i]);
      if (k > 0) {
        mem.row(i, w);
        r -= dot(w, mw, k2);
      }
      d[i] = r;
    }
    if (k === 0) {
      for (let a = 0; a < nf; a++) d[free[a]] = -d[free[a]] / theta;
    } else {
      // d̂ = −r/θ − Ŵ N⁻¹ M Ŵᵀ r / θ², N = I − M ŴᵀŴ / θ, Ŵ = the free rows of W.
      v.fill(0, 0, k2);
      nmat.fill(0, 0, k2 * k2);
      for (let a = 0; a < nf; a++) {
        const i = free[a];
        mem.row(i, w);
        const r = d[i];
        for (let q = 0; q < k2; q++) {
          const wq = w[q];
          v[q] += wq * r;
          for (let s = 0; s < k2; s++) nmat[q * k2 + s] += wq * w[s];
        }
      }
      // z = M v; nmat ← I − M (ŴᵀŴ) / θ, one column at a time.
      mem.applyM(v, z);
      for (let s = 0; s < k2; s++) {
        for (let q = 0; q < k2; q++) col[q] = nmat[q * k2 + s];
        mem.applyM(col, mw);
        for (let q = 0; q < k2; q++) nmat[q * k2 + s] = (q === s ? 1 : 0) - mw[q] / theta;
      }
      if (!solveDense(nmat, k2, z)) return false;
      for (let a = 0; a < nf; a++) {
        const i = free[a];
        mem.row(i, w);
        d[i] = -d[i] / theta - dot(w, z, k2) / (theta * theta);
      }
    }
    // Morales & Nocedal (2011): project x_cp + d̂ into the box; keep it if x̄ − x is a descent direction.
    for (let a = 0; a < nf; a++) {
      const i = free[a];
      xbar[i] = Math.min(upper[i], Math.max(lower[i], xcp[i] + d[i]));
    }
    let descent = 0;
    for (let i = 0; i < n; i++) descent += (xbar[i] - x[i]) * g[i];
    if (descent < 0) return true;
    // Otherwise: the original rule, the longest step along d̂ (≤ 1) that stays in the box.
    let alpha = 1;
    let limiting = -1;
    for (let a = 0; a < nf; a++) {
      const i = free[a];
      const di = d[i];
      let step = Infinity;
      if (di < 0 && lower[i] > -Infinity) step = (lower[i] - xcp[i]) / di;
      else if (di > 0 && upper[i] < Infinity) step = (upper[i] - xcp[i]) / di;
      if (step < alpha) {
        alpha = step;
        limiting = i;
      }
    }
    alpha = Math.max(alpha, 0);
    for (let a = 0; a < nf; a++) {
      const i = free[a];
      xbar[i] = Math.min(upper[i], Math.max(lower[i], xcp[i] + alpha * d[i]));
    }
    if (limiting >= 0) xbar[limiting] = d[limiting] > 0 ? upper[limiting] : lower[limiting];
    return true;
  }

  /**
   * Strong-Wolfe line search on φ(α) = f(x + α·dir), 0 < α ≤ α_max (α_max keeps the point in the box),
   * bracketing then zooming (Nocedal & Wright, Algorithms 3.5 and 3.6) with safeguarded cubic
   * interpolation. A non-finite trial value shrinks the bracket towards the last good point. On 'ok'
   * the accepted point is in xLo / gLo / fLo.
   */
  private lineSearch(): LineSearchOutcome {
    const { n, x, g, dir, lower, upper, mem } = this;
    let g0 = 0;
    let dnorm2 = 0;
    for (let i = 0; i < n; i++) {
      g0 += g[i] * dir[i];
      dnorm2 += dir[i] * dir[i];
    }
    const f0 = this.fx;
    // Largest feasible step, and the variable that limits it.
    let alphaMax = Infinity;
    let limiting = -1;
    if (this.constrained) {
      if (mem.k === 0) {
        alphaMax = 1;
      } else {
        for (let i = 0; i < n; i++) {
          const di = dir[i];
          let step = Infinity;
          if (di < 0 && lower[i] > -Infinity) step = (lower[i] - x[i]) / di;
          else if (di > 0 && upper[i] < Infinity) step = (upper[i] - x[i]) / di;
          if (step < alphaMax) {
            alphaMax = step;
            limiting = i;
          }
        }
        if (alphaMax < 1) {
          alphaMax = 1;
          limiting = -1;
        }
      }
    }
    let alpha =
      mem.k === 0 && !this.boxed ? Math.min(1 / Math.sqrt(dnorm2), alphaMax) : Math.min(1, alphaMax);

    this.xLo.set(x);
    this.gLo.set(g);
    this.fLo = f0;
    let aLo = 0;
    let gLoD = g0;
    let aHi = 0;
    let fHi = Number.NaN;
    let gHiD = Number.NaN;
    let zooming = false;
    let used = 0;
    let aPrev = 0;
    let fPrev = f0;

    for (;;) {
      if (used >= this.maxLineSearch || this.evaluations >= this.maxEvaluations) break;
      if (zooming) {
        // Like the reference line search (xtol = 0.1): once a point with sufficient decrease is known,
        // stop refining a bracket narrower than a tenth of the step.
        const width = Math.abs(aHi - aLo);
        if (aLo > 0 && width <= 0.1 * Math.max(aLo, aHi)) break;
        if (width <= EPS * Math.max(aLo, aHi)) break;
        alpha = Number.isFinite(fHi)
          ? interpolate(aLo, this.fLo, gLoD, aHi, fHi, gHiD)
          : aLo + 0.5 * (aHi - aLo);
      }
      // Trial point (x̄ itself for the full step, so that bounds reached by the Cauchy point are exact).
      const xt = this.xT;
      if (alpha === 1) {
        xt.set(this.xbar);
      } else {
        for (let i = 0; i < n; i++) xt[i] = Math.min(upper[i], Math.max(lower[i], x[i] + alpha * dir[i]));
        if (alpha === alphaMax && limiting >= 0)
          xt[limiting] = dir[limiting] > 0 ? upper[limiting] : lower[limiting];
      }
      used++;
      const ft = this.evaluate(xt, this.gT);
      this.fT = ft;
      let gtD = Number.NaN;
      if (Number.isFinite(ft)) {
        gtD = 0;
        for (let i = 0; i < n; i++) gtD += this.gT[i] * dir[i];
      }
      if (!zooming) {
        if (!Number.isFinite(ft) || ft > f0 + C1 * alpha * g0 || (aPrev > 0 && ft >= fPrev)) {
          // Bracket [lo = previous point, hi = alpha].
          aHi = alpha;
          fHi = ft;
          gHiD = gtD;
          zooming = true;
          continue;
        }
        if (Math.abs(gtD) <= -C2 * g0) {
          this.takeTrial();
          return 'ok';
        }
        if (gtD >= 0) {
          // Bracket [lo = alpha, hi = previous point, which is the current "lo"].
          aHi = aPrev;
          fHi = fPrev;
          gHiD = gLoD;
          this.takeTrial();
          aLo = alpha;
          gLoD = gtD;
          zooming = true;
          continue;
        }
        // Sufficient decrease, still descending: move on.
        this.takeTrial();
        aLo = alpha;
        gLoD = gtD;
        if (alpha >= alphaMax) return 'ok';
        const step = alpha - aPrev;
        aPrev = alpha;
        fPrev = ft;
        alpha = Math.min(alphaMax, alpha + 4 * step);
        continue;
      }
      // Zoom phase.
      if (!Number.isFinite(ft) || ft > f0 + C1 * alpha * g0 || ft >= this.fLo) {
        aHi = alpha;
        fHi = ft;
        gHiD = gtD;
        continue;
      }
      if (Math.abs(gtD) <= -C2 * g0) {
        this.takeTrial();
        return 'ok';
      }
      if (gtD * (aHi - aLo) >= 0) {
        aHi = aLo;
        fHi = this.fLo;
        gHiD = gLoD;
      }
      this.takeTrial();
      aLo = alpha;
      gLoD = gtD;
    }
    // Out of evaluations or the bracket collapsed: accept the best point if it made progress.
    if (aLo > 0 && this.fLo < f0) return 'ok';
    return this.evaluations >= this.maxEvaluations ? 'budget' : 'failed';
  }

  /** Makes the trial point the best acceptable one ("lo"). */
  private takeTrial(): void {
    [this.xLo, this.xT] = [this.xT, this.xLo];
    [this.gLo, this.gT] = [this.gT, this.gLo];
    this.fLo = this.fT;
  }

  private result(iterations: number, status: LbfgsbStatus, message: string): LbfgsbResult {
    const { n, x, lower, upper } = this;
    const active = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      if (x[i] <= lower[i]) active[i] = -1;
      else if (x[i] >= upper[i]) active[i] = 1;
    }
    const finite = Number.isFinite(this.fx);
    return {
      x: x.slice(),
      f: finite ? this.fx : Number.NaN,
      gradient: this.g.slice(),
      projectedGradient: finite ? this.projectedGradientNorm() : Number.NaN,
      active,
      iterations,
      evaluations: this.evaluations,
      converged: status === 'gtol' || status === 'ftol',
      status,
      message,
    };
  }
}

function dot(a: Float64Array, b: Float64Array, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += a[i] * b[i];
  return s;
}

/** Insertion sort of idx[0 … len) by key[idx] (breakpoint counts are small; n ≈ tens). */
function sortByKey(idx: Int32Array, len: number, key: Float64Array): void {
  if (len > 64) {
    const sorted = Array.from(idx.subarray(0, len)).sort((a, b) => key[a] - key[b]);
    for (let i = 0; i < len; i++) idx[i] = sorted[i];
    return;
  }
  for (let i = 1; i < len; i++) {
    const v = idx[i];
    const kv = key[v];
    let j = i - 1;
    while (j >= 0 && key[idx[j]] > kv) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = v;
  }
}

/**
 * Solves A x = b in place (A: n × n row-major, overwritten; b: overwritten by x) by Gaussian
 * elimination with partial pivoting. Returns false when A is numerically singular.
 */
function solveDense(a: Float64Array, n: number, b: Float64Array): boolean {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]));
  if (!(scale > 0) || !Number.isFinite(scale)) return false;
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(a[col * n + col]);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(a[r * n + col]);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (!(best > EPS * scale)) return false;
    if (piv !== col) {
      for (let q = 0; q < n; q++) {
        const tmp = a[col * n + q];
        a[col * n + q] = a[piv * n + q];
        a[piv * n + q] = tmp;
      }
      const tb = b[col];
      b[col] = b[piv];
      b[piv] = tb;
    }
    const inv = 1 / a[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col] * inv;
      if (factor === 0) continue;
      for (let q = col; q < n; q++) a[r * n + q] -= factor * a[col * n + q];
      b[r] -= factor * b[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let q = r + 1; q < n; q++) s -= a[r * n + q] * b[q];
    b[r] = s / a[r * n + r];
  }
  return true;
}

/**
 * Minimizer of the cubic through (a, fa, ga) and (b, fb, gb), kept inside the middle 80 % of [a, b];
 * bisection when the cubic has no usable minimizer there.
 */
function interpolate(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const margin = 0.1 * (hi - lo);
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  if (!(disc >= 0)) return 0.5 * (a + b);
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  const t = b - ((b - a) * (gb + d2 - d1)) / (gb - ga + 2 * d2);
  if (!Number.isFinite(t) || t < lo + margin || t > hi - margin) return 0.5 * (a + b);
  return t;
}
