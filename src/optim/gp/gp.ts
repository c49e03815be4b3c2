/**
 * Exact Gaussian-process regression with a Matérn-5/2 ARD kernel, for the surrogate models of
 * (constrained) Bayesian optimization: one GP per objective and per constraint.
 *
 * Model, in standardized output units z = (y − m) / s (m, s: mean and standard deviation of the
 * observations; s = 1 when they are constant):
 *
 *   z = f(x) + ε,   f ~ GP(0, k),   k = Matérn-5/2(ℓ_1 … ℓ_d, σ²),   ε ~ N(0, σ_n²),
 *
 * so σ² and σ_n² are relative to the variance of the data. Inputs are meant to lie in [0, 1]^d
 * (the bounds of the lengthscales assume it) but are not required to.
 *
 * Hyperparameters θ = (log ℓ_1 … log ℓ_d, log σ², log σ_n²) maximize the log marginal likelihood plus a
 * log prior on the lengthscales, with analytic gradient, by L-BFGS-B from a few deterministic starts
 * under box bounds (defaults as TuRBO / SCBO: ℓ ∈ [0.005, 4], σ_n² ∈ [1e-8, 1e-3]; σ² ∈ [0.05, 20]).
 * One evaluation costs a Cholesky factorization (n³/3 multiply-adds), the inverse K̂⁻¹ (n³/3) and one
 * O(n² d) pass over the pairs of points for the gradient traces.
 *
 * Matrices are row-major Float64Array; shapes are given as "rows × columns".
 *
 * This module is the entry point (`fitGp`); the rest lives beside it: the hyperparameters, their prior
 * and bounds (hyperparameters.ts), the marginal likelihood (likelihood.ts), the hyperparameter fit
 * (fit.ts) and the fitted model `Gp` (model.ts).
 */
import { ValidationError } from '../../core/errors.ts';
import { checkInt, checkNumber } from '../../core/validate.ts';
import { choleskyWithJitter } from '../../linalg/cholesky.ts';
import { checkIndices } from './checks.ts';
import { choleskyBlocked } from './dense.ts';
import { fitHyperparameters, type GpFitReport } from './fit.ts';
import {
  checkHyper,
  checkPrior,
  defaultLengthscalePrior,
  type GpBounds,
  type GpHyperparameters,
  type GpHyperparametersResolved,
  type LengthscalePrior,
  lengthscaleLogPrior,
  readBounds,
  thetaOf,
} from './hyperparameters.ts';
import { kernelLowerScaled, scaleInputs, scaleInputsTransposed } from './kernel.ts';
import { Gp } from './model.ts';

export type { GpFitReport, GpFitRun } from './fit.ts';
export {
  DEFAULT_GP_BOUNDS,
  defaultLengthscalePrior,
  type GpBounds,
  type GpHyperparameters,
  type GpHyperparametersResolved,
  hyperOf,
  type LengthscalePrior,
  lengthscaleLogPrior,
  thetaOf,
} from './hyperparameters.ts';
export { logMarginalLikelihood, MarginalLikelihood } from './likelihood.ts';
export { Gp, type GpJointPrediction, type GpPrediction } from './model.ts';

export interface FitGpOptions {
  /** Number of L-BFGS-B runs (default 3): `init` if given, the default start, then random starts. */
  readonly restarts?: number;
  /** Iterations per L-BFGS-B run (default 100). */
  readonly maxIterations?: number;
  /** Warm start (e.g. the previous fit), tried first. Clamped into the bounds. */
  readonly init?: GpHyperparameters;
  /** Use these hyperparameters as they are; no fitting. */
  readonly fixed?: GpHyperparameters;
  /** Seed of the random starts (default 0). */
  readonly seed?: number;
  /** Bounds of the hyperparameters (default DEFAULT_GP_BOUNDS; partial overrides allowed). */
  readonly bounds?: Partial<GpBounds>;
  /** Lengthscale prior (default `defaultLengthscalePrior(d)`). */
  readonly lengthscalePrior?: LengthscalePrior;
  /**
   * Fit the hyperparameters on these observations only (indices into y, e.g. the few hundred nearest
   * the trust-region centre); the model is then built on all of them. Fitting costs O(k³) per
   * likelihood evaluation for k indices instead of O(n³). Default: all.
   */
  readonly fitOn?: ArrayLike<number>;
  /**
   * Output standardization to use instead of the data's mean and standard deviation (e.g. that of
   * another model, so that two models with the same hyperparameters are the same model).
   */
  readonly standardize?: { readonly mean: number; readonly std: number };
}

/**
 * Fits a GP to `x` (n × d, row-major; n = y.length ≥ 1) and `y` (length n, finite): standardizes y,
 * fits the hyperparameters (unless `options.fixed`), and factors the kernel matrix. Deterministic for
 * a given seed.
 */
export function fitGp(x: Float64Array, y: ArrayLike<number>, options: FitGpOptions = {}): Gp {
  const n = y.length;
  checkInt('y.length', n, 1);
  if (!(x instanceof Float64Array)) throw new ValidationError('x', typeof x, 'expected a Float64Array');
  const d = x.length / n;
  if (!Number.isInteger(d) || d < 1) {
    throw new ValidationError('x.length', x.length, `expected a positive multiple of y.length = ${n}`);
  }
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(x[i])) throw new ValidationError(`x[${i}]`, x[i], 'expected a finite number');
  }
  const yc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) throw new ValidationError(`y[${i}]`, y[i], 'expected a finite number');
    yc[i] = y[i];
  }
  const restarts = checkInt('restarts', options.restarts ?? 3, 1, 1000);
  const maxIterations = checkInt('maxIterations', options.maxIterations ?? 100, 0);
  const seed = checkInt('seed', options.seed ?? 0, 0, 2 ** 32 - 1);
  const bounds = readBounds(options.bounds);
  const prior = options.lengthscalePrior ?? defaultLengthscalePrior(d);
  checkPrior(prior);
  const { mean: yMean, std: yStd } = options.standardize ?? standardization(yc);
  checkNumber('standardize.mean', yMean);
  checkNumber('standardize.std', yStd, 0);
  if (!(yStd > 0)) throw new ValidationError('standardize.std', yStd, 'expected a number > 0');
  const xc = x.slice(0, n * d);

  let hyper: GpHyperparametersResolved;
  let fit: GpFitReport | null = null;
  if (options.fixed !== undefined) {
    hyper = checkHyper(options.fixed, d, 'fixed');
  } else {
    // Standardized with the statistics of all observations, so that σ² and σ_n² mean the same thing
    // for the subset and the full model.
    const sub = options.fitOn === undefined ? null : checkIndices(options.fitOn, n);
    const k = sub === null ? n : sub.length;
    const xf = sub === null ? xc : new Float64Array(k * d);
    const ys = new Float64Array(k);
    for (let t = 0; t < k; t++) {
      const i = sub === null ? t : sub[t];
      if (sub !== null) xf.set(xc.subarray(i * d, (i + 1) * d), t * d);
      ys[t] = (yc[i] - yMean) / yStd;
    }
    const result = fitHyperparameters(xf, ys, k, d, {
      restarts,
      maxIterations,
      seed,
      bounds,
      prior,
      init: options.init === undefined ? null : checkHyper(options.init, d, 'init'),
    });
    hyper = result.hyper;
    fit = result.report;
  }
  // Lower triangle of K + σ_n² I (all that the factorizations read).
  const k = new Float64Array(n * n);
  const sx = scaleInputs(xc, n, d, hyper.lengthscales);
  kernelLowerScaled(sx, scaleInputsTransposed(xc, n, d, hyper.lengthscales), n, d, hyper.outputScale, k);
  for (let i = 0; i < n; i++) k[i * n + i] += hyper.noise;
  const chol = factorWithJitter(k, n);
  const noiseDiag = new Float64Array(n).fill(hyper.noise + chol.jitter);
  return new Gp({
    n,
    d,
    x: xc,
    y: yc,
    yMean,
    yStd,
    hyper,
    L: chol.L,
    noiseDiag,
    jitter: chol.jitter,
    fit,
    logPrior: lengthscaleLogPrior(prior, thetaOf(hyper, d), d, null),
  });
}

/**
 * Cholesky factor of `k` (n × n, lower triangle read, not modified): the blocked factorization
 * first, then `choleskyWithJitter` (increasing diagonal jitter) when it fails.
 */
function factorWithJitter(k: Float64Array, n: number): { L: Float64Array; jitter: number } {
  const l = k.slice(0, n * n);
  if (choleskyBlocked(l, n)) return { L: l, jitter: 0 };
  const chol = choleskyWithJitter(k, n, { out: l });
  return { L: chol.L, jitter: chol.jitter };
}

/** Mean and sample standard deviation (n − 1); std 1 for a single or (near-)constant observation. */
function standardization(y: Float64Array): { mean: number; std: number } {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  if (n < 2) return { mean, std: 1 };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (y[i] - mean) * (y[i] - mean);
  const std = Math.sqrt(ss / (n - 1));
  // As BoTorch's Standardize: a standard deviation below 1e-8 is replaced by 1.
  return { mean, std: std >= 1e-8 && Number.isFinite(std) ? std : 1 };
}
