/**
 * The log marginal likelihood of the GP (see gp.ts) and its gradient with respect to θ, the objective
 * of the hyperparameter fit.
 */
import { ValidationError } from '../../core/errors.ts';
import { checkInt } from '../../core/validate.ts';
import { cholSolve, logDetFromCholesky } from '../../linalg/cholesky.ts';
import { checkShape } from './checks.ts';
import { choleskyBlocked, gramUpperLower, inverseLowerTransposed } from './dense.ts';
import { gradientTracesScaled, kernelLowerScaled } from './kernel.ts';

export const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Log marginal likelihood log N(y | 0, K + σ_n² I) of `y` (length n, already standardized if meant
 * to be) at `x` (n × d) and θ = (log ℓ, log σ², log σ_n²), and, when `grad` (length d + 2) is given,
 * its gradient with respect to θ: ½ tr((ααᵀ − K̂⁻¹) ∂K̂/∂θ_p). NaN when K̂ is not numerically
 * positive definite (no jitter is added). Allocates its workspace; for repeated evaluations use
 * `MarginalLikelihood`.
 */
export function logMarginalLikelihood(
  x: Float64Array,
  y: Float64Array,
  d: number,
  theta: ArrayLike<number>,
  grad?: Float64Array,
): number {
  const n = y.length;
  return new MarginalLikelihood(x, y, n, d).evaluate(theta, grad ?? null);
}

/**
 * Reusable workspace for the log marginal likelihood and its gradient on fixed data: two n × n
 * buffers, no allocation per evaluation.
 */
export class MarginalLikelihood {
  private readonly k: Float64Array;
  private readonly w: Float64Array;
  private readonly alpha: Float64Array;
  private readonly sx: Float64Array;
  private readonly sxT: Float64Array;
  private readonly r2: Float64Array;
  private readonly g: Float64Array;
  private readonly traces: Float64Array;

  /** `x` n × d, `y` length n (standardized). Neither is copied: do not modify them while in use. */
  constructor(
    private readonly x: Float64Array,
    private readonly y: Float64Array,
    readonly n: number,
    readonly d: number,
  ) {
    checkInt('n', n, 1);
    checkShape('x', x, n, d);
    if (y.length < n) throw new ValidationError('y.length', y.length, `expected at least ${n}`);
    this.k = new Float64Array(n * n);
    this.w = new Float64Array(n * n);
    this.alpha = new Float64Array(n);
    this.sx = new Float64Array(n * d);
    this.sxT = new Float64Array(n * d);
    this.r2 = new Float64Array(n);
    this.g = new Float64Array(n);
    this.traces = new Float64Array(d + 1);
  }

  /** Log marginal likelihood at θ (length d + 2); gradient into `grad` when not null. NaN on failure. */
  evaluate(theta: ArrayLike<number>, grad: Float64Array | null): number {
    const { n, d, k, w, alpha, x, y, sx, sxT } = this;
    const s2 = Math.exp(theta[d]);
    const noise = Math.exp(theta[d + 1]);
    if (!(s2 > 0) || !Number.isFinite(s2) || !(noise > 0) || !Number.isFinite(noise)) return Number.NaN;
    for (let j = 0; j < d; j++) {
      const inv = Math.exp(-theta[j]);
      if (!(inv > 0) || !Number.isFinite(inv)) return Number.NaN;
      for (let i = 0; i < n; i++) {
        const v = x[i * d + j] * inv;
        sx[i * d + j] = v;
        sxT[j * n + i] = v;
      }
    }
    kernelLowerScaled(sx, sxT, n, d, s2, k);
    for (let i = 0; i < n; i++) k[i * n + i] += noise;
    if (!choleskyBlocked(k, n)) return Number.NaN;
    cholSolve(k, n, y, alpha);
    let quad = 0;
    for (let i = 0; i < n; i++) quad += y[i] * alpha[i];
    const lml = -0.5 * quad - 0.5 * logDetFromCholesky(k, n) - 0.5 * n * LOG_2PI;
    if (grad === null) return lml;
    // W = ααᵀ − K̂⁻¹ (lower triangle, into k), K̂⁻¹ = U Uᵀ with U = L⁻ᵀ (into w).
    inverseLowerTransposed(k, n, w);
    gramUpperLower(w, n, k);
    let wDiag = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const ai = alpha[i];
      for (let c = 0; c <= i; c++) k[ri + c] = ai * alpha[c] - k[ri + c];
      wDiag += k[ri + i];
    }
    gradientTracesScaled(sx, sxT, n, d, s2, k, this.traces, this.r2, this.g);
    for (let p = 0; p <= d; p++) grad[p] = 0.5 * this.traces[p];
    grad[d + 1] = 0.5 * noise * wDiag;
    return lml;
  }
}
