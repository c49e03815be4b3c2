/**
 * The state of one L-BFGS-B run: the objective and its bounds, the current iterate, the line-search
 * points and the scratch buffers of every phase (Cauchy point, subspace minimization, line search),
 * allocated once per run. The phases (cauchy.ts, subspace.ts, linesearch.ts, driver.ts) read and
 * write its fields directly.
 */
import { Memory } from './memory.ts';
import type { LbfgsbResult, LbfgsbStatus, Objective } from './types.ts';

export class SolverState {
  evaluations = 0;
  readonly mem: Memory;
  // Current iterate.
  x: Float64Array;
  g: Float64Array;
  fx = Number.NaN;
  // Line-search buffers: best acceptable point so far ("lo") and the trial point.
  xLo: Float64Array;
  gLo: Float64Array;
  xT: Float64Array;
  gT: Float64Array;
  fLo = Number.NaN;
  fT = Number.NaN;
  // Per-iteration scratch.
  readonly xcp: Float64Array;
  readonly xbar: Float64Array;
  readonly d: Float64Array;
  readonly dir: Float64Array;
  readonly tBreak: Float64Array;
  readonly order: Int32Array;
  readonly free: Int32Array;
  readonly sv: Float64Array;
  readonly yv: Float64Array;
  // 2m-sized scratch for the compact-form products.
  readonly c: Float64Array;
  readonly p: Float64Array;
  readonly w: Float64Array;
  readonly mw: Float64Array;
  readonly v: Float64Array;
  readonly z: Float64Array;
  readonly nmat: Float64Array;
  readonly col: Float64Array;
  readonly boxed: boolean;
  readonly constrained: boolean;

  constructor(
    readonly f: Objective,
    readonly n: number,
    readonly lower: Float64Array,
    readonly upper: Float64Array,
    memory: number,
    readonly maxEvaluations: number,
    readonly maxLineSearch: number,
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

  evaluate(x: Float64Array, g: Float64Array): number {
    this.evaluations++;
    const v = this.f(x, g);
    if (typeof v !== 'number' || !Number.isFinite(v)) return Number.NaN;
    for (let i = 0; i < this.n; i++) if (!Number.isFinite(g[i])) return Number.NaN;
    return v;
  }

  projectedGradientNorm(): number {
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

  /** Makes the trial point the best acceptable one ("lo"). */
  takeTrial(): void {
    [this.xLo, this.xT] = [this.xT, this.xLo];
    [this.gLo, this.gT] = [this.gT, this.gLo];
    this.fLo = this.fT;
  }

  result(iterations: number, status: LbfgsbStatus, message: string): LbfgsbResult {
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
