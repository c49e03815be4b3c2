/** The public types of the L-BFGS-B solver (see ../lbfgsb.ts). */

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
