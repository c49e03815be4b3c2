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
 */
import { ValidationError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import { checkInt, checkNumber } from '../../core/validate.ts';
import {
  choleskyAppend,
  choleskyWithJitter,
  cholSolve,
  logDetFromCholesky,
  solveLowerMany,
} from '../../linalg/cholesky.ts';
import { minimizeWithRestarts } from '../lbfgsb.ts';
import { choleskyBlocked, gramUpperLower, inverseLowerTransposed } from './dense.ts';
import {
  crossKernelRowT,
  crossKernelScaled,
  gradientTracesScaled,
  kernelLowerScaled,
  maternKernelMatrix,
  scaleInputs,
  scaleInputsTransposed,
} from './kernel.ts';

const LOG_2PI = Math.log(2 * Math.PI);

/** Hyperparameters in natural units; σ² and σ_n² are in standardized output units. */
export interface GpHyperparameters {
  /** ℓ_1 … ℓ_d (length d), in input units. */
  readonly lengthscales: ArrayLike<number>;
  /** σ², the prior variance of f (standardized units). */
  readonly outputScale: number;
  /** σ_n², the observation noise variance (standardized units). */
  readonly noise: number;
}

/** Hyperparameters as a model holds them: a copy, lengthscales as a Float64Array. */
export interface GpHyperparametersResolved extends GpHyperparameters {
  readonly lengthscales: Float64Array;
}

/** Closed intervals [lo, hi] (natural units) for the hyperparameters during fitting. */
export interface GpBounds {
  readonly lengthscale: readonly [number, number];
  readonly outputScale: readonly [number, number];
  readonly noise: readonly [number, number];
}

/** TuRBO / SCBO lengthscale and noise intervals; a wide output-scale interval. */
export const DEFAULT_GP_BOUNDS: GpBounds = {
  lengthscale: [0.005, 4],
  outputScale: [0.05, 20],
  noise: [1e-8, 1e-3],
};

/**
 * Prior on each lengthscale ℓ_j (independent, identical), as a density on ℓ (the GPyTorch / BoTorch
 * convention: no Jacobian term for the log parameterization). Its log is added to the log marginal
 * likelihood (normalizing constants dropped).
 * - 'lognormal': log ℓ ~ N(loc, scale²);
 * - 'gamma': ℓ ~ Gamma(concentration, rate), e.g. BoTorch's former default Gamma(3, 6);
 * - 'none': plain maximum likelihood (as the SCBO paper).
 */
export type LengthscalePrior =
  | { readonly kind: 'none' }
  | { readonly kind: 'gamma'; readonly concentration: number; readonly rate: number }
  | { readonly kind: 'lognormal'; readonly loc: number; readonly scale: number };

/**
 * The default lengthscale prior: the dimension-scaled LogNormal(√2 + ½ log d, √3) of Hvarfner, Hellsten &
 * Nardi (2024), BoTorch's default since 0.12. As a density on ℓ its mode is e^{√2 − 3} √d ≈ 0.2 √d (0.87
 * at d = 18), and it is weak: its log-gradient is −(log ℓ − loc)/3 − 1 per dimension, about one nat per
 * e-fold of ℓ. It keeps lengthscales that the data do not determine (few points in many dimensions)
 * from drifting to the bounds, and scales with the √d growth of typical distances in [0, 1]^d.
 */
export function defaultLengthscalePrior(d: number): LengthscalePrior {
  checkInt('d', d, 1);
  return { kind: 'lognormal', loc: Math.SQRT2 + 0.5 * Math.log(d), scale: Math.sqrt(3) };
}

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

/** One L-BFGS-B run of a fit. */
export interface GpFitRun {
  /** Starting θ = (log ℓ, log σ², log σ_n²). */
  readonly start: Float64Array;
  /** Final θ. */
  readonly theta: Float64Array;
  /** −(log marginal likelihood + log prior) / n at θ (NaN when the run failed). */
  readonly objective: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly status: string;
}

/** How the hyperparameters of a model were obtained (null when they were fixed). */
export interface GpFitReport {
  /** Index of the run that was kept. */
  readonly best: number;
  readonly runs: readonly GpFitRun[];
  /** Likelihood evaluations over all runs. */
  readonly evaluations: number;
  /** True when every run failed and the default hyperparameters were used instead. */
  readonly fellBack: boolean;
}

export interface GpPrediction {
  /** Posterior mean of f, original output units (length m). */
  readonly mean: Float64Array;
  /** Posterior variance of f (or of y with `includeNoise`), original units squared (length m). */
  readonly variance: Float64Array;
}

export interface GpJointPrediction {
  /** Posterior mean of f, original units (length m). */
  readonly mean: Float64Array;
  /** Posterior covariance of f, original units squared (m × m, symmetric). */
  readonly covariance: Float64Array;
}

/** Everything that defines a fitted model; see the fields of `Gp`. */
interface GpState {
  readonly n: number;
  readonly d: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly yMean: number;
  readonly yStd: number;
  readonly hyper: GpHyperparametersResolved;
  readonly L: Float64Array;
  readonly noiseDiag: Float64Array;
  readonly jitter: number;
  readonly fit: GpFitReport | null;
  readonly logPrior: number;
}

/** Candidates per block in `predict` (bounds the n × block scratch). */
const PREDICT_BLOCK = 64;

/**
 * A GP conditioned on data, with fixed hyperparameters. Immutable: `condition` returns a new model.
 * Build it with `fitGp`.
 */
export class Gp {
  /** Number of observations. */
  readonly n: number;
  /** Input dimension. */
  readonly d: number;
  /** Inputs (n × d). */
  readonly x: Float64Array;
  /** Inputs divided by the lengthscales (n × d): distances between rows are the kernel's r. */
  readonly xScaled: Float64Array;
  /** The same, transposed (d × n), for `crossKernelRowT`. */
  readonly xScaledT: Float64Array;
  /** Observations, original units (length n). */
  readonly y: Float64Array;
  /** Observations, standardized: (y − yMean) / yStd (length n). */
  readonly yStandardized: Float64Array;
  readonly yMean: number;
  readonly yStd: number;
  /** Hyperparameters (lengthscales a copy, length d). */
  readonly hyper: GpHyperparametersResolved;
  /** Lower Cholesky factor of K̂ = K(X, X) + diag(noiseDiag) (n × n, row-major, upper triangle 0). */
  readonly L: Float64Array;
  /** α = K̂⁻¹ yStandardized (length n). */
  readonly alpha: Float64Array;
  /** Diagonal added to K per observation: σ_n² plus any jitter the factorization needed (length n). */
  readonly noiseDiag: Float64Array;
  /** Jitter added to the diagonal when the factorization was formed (0 when none was needed). */
  readonly jitter: number;
  /** log p(yStandardized | X, θ) — standardized units; subtract n log yStd for original units. */
  readonly logMarginalLikelihood: number;
  /** Unnormalized log prior of the lengthscales at θ (0 without a prior). */
  readonly logPrior: number;
  /** How the hyperparameters were fitted (null when fixed). */
  readonly fit: GpFitReport | null;

  /** Use `fitGp`; this factors nothing, it takes a finished factor. */
  constructor(state: GpState) {
    const { n, d } = state;
    this.n = n;
    this.d = d;
    this.x = state.x;
    this.y = state.y;
    this.yMean = state.yMean;
    this.yStd = state.yStd;
    this.hyper = state.hyper;
    this.L = state.L;
    this.noiseDiag = state.noiseDiag;
    this.jitter = state.jitter;
    this.fit = state.fit;
    this.logPrior = state.logPrior;
    this.xScaled = scaleInputs(state.x, n, d, state.hyper.lengthscales);
    this.xScaledT = scaleInputsTransposed(state.x, n, d, state.hyper.lengthscales);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) ys[i] = (state.y[i] - state.yMean) / state.yStd;
    this.yStandardized = ys;
    this.alpha = cholSolve(state.L, n, ys);
    let quad = 0;
    for (let i = 0; i < n; i++) quad += ys[i] * this.alpha[i];
    this.logMarginalLikelihood = -0.5 * quad - 0.5 * logDetFromCholesky(state.L, n) - 0.5 * n * LOG_2PI;
  }

  /**
   * Posterior mean and variance at `xs` (m × d), original units. Variance of the latent f, or of a new
   * observation y with `includeNoise` (adds σ_n²). Cost O(m n (n + d)); for the mean alone use
   * `predictMean`, which is O(m n d).
   */
  predict(xs: Float64Array, options: { readonly includeNoise?: boolean } = {}): GpPrediction {
    const { n, d, L, alpha } = this;
    const m = this.rows(xs, 'xs');
    const sxs = scaleInputs(xs, m, d, this.hyper.lengthscales);
    const s2 = this.hyper.outputScale;
    const prior = s2 + (options.includeNoise ? this.hyper.noise : 0);
    const mean = new Float64Array(m);
    const variance = new Float64Array(m);
    const block = Math.min(PREDICT_BLOCK, Math.max(m, 1));
    const kt = new Float64Array(n * block);
    const v2 = this.yStd * this.yStd;
    for (let start = 0; start < m; start += block) {
      const c = Math.min(block, m - start);
      // kt = K(X, xs[start … start + c)) (n × c).
      crossKernelScaled(this.xScaled, n, sxs.subarray(start * d, (start + c) * d), c, d, s2, kt);
      for (let j = 0; j < c; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += kt[i * c + j] * alpha[i];
        mean[start + j] = this.yMean + this.yStd * s;
      }
      if (n > 0) solveLowerMany(L, n, kt, c, kt);
      for (let j = 0; j < c; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const v = kt[i * c + j];
          s += v * v;
        }
        variance[start + j] = v2 * Math.max(prior - s, 0);
      }
    }
    return { mean, variance };
  }

  /** Posterior mean at `xs` (m × d), original units (length m). O(m n d), O(n) scratch. */
  predictMean(xs: Float64Array): Float64Array {
    const { n, d, alpha } = this;
    const m = this.rows(xs, 'xs');
    const sxs = scaleInputs(xs, m, d, this.hyper.lengthscales);
    const mean = new Float64Array(m);
    const row = new Float64Array(n);
    for (let j = 0; j < m; j++) {
      crossKernelRowT(sxs, j * d, this.xScaledT, n, d, this.hyper.outputScale, row);
      let s = 0;
      for (let i = 0; i < n; i++) s += row[i] * alpha[i];
      mean[j] = this.yMean + this.yStd * s;
    }
    return mean;
  }

  /**
   * Joint posterior of f at `xs` (m × d): mean (m) and covariance (m × m), original units.
   * Cost O(n² m + n m² + m² d).
   */
  predictJoint(xs: Float64Array): GpJointPrediction {
    const { n, d, L, alpha } = this;
    const m = this.rows(xs, 'xs');
    const sxs = scaleInputs(xs, m, d, this.hyper.lengthscales);
    const s2 = this.hyper.outputScale;
    const kt = new Float64Array(n * m);
    crossKernelScaled(this.xScaled, n, sxs, m, d, s2, kt);
    const mean = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += kt[i * m + j] * alpha[i];
      mean[j] = this.yMean + this.yStd * s;
    }
    if (n > 0) solveLowerMany(L, n, kt, m, kt);
    const cov = new Float64Array(m * m);
    crossKernelScaled(sxs, m, sxs, m, d, s2, cov);
    // cov −= Vᵀ V, V = L⁻¹ K(X, xs) (n × m), accumulated row by row of V.
    for (let i = 0; i < n; i++) {
      const ri = i * m;
      for (let a = 0; a < m; a++) {
        const va = kt[ri + a];
        if (va === 0) continue;
        const ra = a * m;
        for (let b = 0; b <= a; b++) cov[ra + b] -= va * kt[ri + b];
      }
    }
    const v2 = this.yStd * this.yStd;
    for (let a = 0; a < m; a++) {
      for (let b = 0; b <= a; b++) {
        const v = cov[a * m + b] * v2;
        cov[a * m + b] = v;
        cov[b * m + a] = v;
      }
    }
    return { mean, covariance: cov };
  }

  /**
   * The model with the same hyperparameters and standardization, conditioned on q more observations
   * (`xNew` q × d, `yNew` length q, original units). O(n²) per added point: the Cholesky factor is
   * extended row by row (choleskyAppend). When a new point makes the matrix numerically indefinite
   * (a duplicate of an existing point with tiny noise) that point gets extra diagonal jitter, recorded
   * in `noiseDiag`; failing that, the whole factor is recomputed with jitter.
   */
  condition(xNew: Float64Array, yNew: ArrayLike<number>): Gp {
    const { n, d } = this;
    const q = yNew.length;
    checkShape('xNew', xNew, q, d);
    for (let t = 0; t < q; t++) {
      if (!Number.isFinite(yNew[t]))
        throw new ValidationError(`yNew[${t}]`, yNew[t], 'expected a finite number');
    }
    const total = n + q;
    const x = new Float64Array(total * d);
    x.set(this.x.subarray(0, n * d));
    x.set(xNew.subarray(0, q * d), n * d);
    const y = new Float64Array(total);
    y.set(this.y.subarray(0, n));
    for (let t = 0; t < q; t++) y[n + t] = yNew[t];
    const noiseDiag = new Float64Array(total);
    noiseDiag.set(this.noiseDiag.subarray(0, n));
    const { lengthscales, outputScale: s2, noise } = this.hyper;
    const sx = scaleInputs(x, total, d, lengthscales);
    let L: Float64Array | null = new Float64Array(total * total);
    L.set(this.L.subarray(0, n * n));
    const row = new Float64Array(total);
    for (let t = 0; t < q && L !== null; t++) {
      const cur = n + t;
      crossKernelScaled(sx.subarray(cur * d, (cur + 1) * d), 1, sx, cur, d, s2, row);
      row[cur] = s2 + noise;
      let extra = this.jitter;
      let next: Float64Array | null = null;
      for (let attempt = 0; attempt < 4 && next === null; attempt++) {
        next = choleskyAppend(L, cur, row, { jitter: extra, out: L });
        if (next === null) extra = Math.max(extra * 100, 1e-10 * s2);
        else noiseDiag[cur] = noise + extra;
      }
      L = next;
    }
    let jitter = this.jitter;
    if (L === null) {
      // Refactor everything: K + σ_n² I, with whatever jitter it takes.
      const k = maternKernelMatrix(x, total, d, { lengthscales, outputScale: s2 });
      for (let i = 0; i < total; i++) k[i * total + i] += noise;
      const chol = choleskyWithJitter(k, total);
      L = chol.L;
      jitter = chol.jitter;
      noiseDiag.fill(noise + jitter);
    }
    return new Gp({
      n: total,
      d,
      x,
      y,
      yMean: this.yMean,
      yStd: this.yStd,
      hyper: this.hyper,
      L,
      noiseDiag,
      jitter,
      fit: this.fit,
      logPrior: this.logPrior,
    });
  }

  /**
   * "Kriging believer": conditions on the posterior mean at `xNew` (q × d) as if it had been observed
   * (for pending evaluations in asynchronous / batch optimization). The mean is unchanged; the variance
   * shrinks near the pending points.
   */
  conditionOnMean(xNew: Float64Array): Gp {
    return this.condition(xNew, this.predictMean(xNew));
  }

  private rows(xs: Float64Array, name: string): number {
    if (!(xs instanceof Float64Array)) throw new ValidationError(name, typeof xs, 'expected a Float64Array');
    if (xs.length % this.d !== 0) {
      throw new ValidationError(`${name}.length`, xs.length, `expected a multiple of d = ${this.d}`);
    }
    return xs.length / this.d;
  }
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

/** θ = (log ℓ_1 … log ℓ_d, log σ², log σ_n²) (length d + 2) of a set of hyperparameters. */
export function thetaOf(hyper: GpHyperparameters, d: number): Float64Array {
  const theta = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) theta[j] = Math.log(hyper.lengthscales[j]);
  theta[d] = Math.log(hyper.outputScale);
  theta[d + 1] = Math.log(hyper.noise);
  return theta;
}

/** Hyperparameters (natural units) of θ = (log ℓ, log σ², log σ_n²) (length d + 2). */
export function hyperOf(theta: ArrayLike<number>, d: number): GpHyperparametersResolved {
  const lengthscales = new Float64Array(d);
  for (let j = 0; j < d; j++) lengthscales[j] = Math.exp(theta[j]);
  return { lengthscales, outputScale: Math.exp(theta[d]), noise: Math.exp(theta[d + 1]) };
}

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

/**
 * Unnormalized log prior of the lengthscales at θ and, when `grad` is given, its gradient with respect
 * to log ℓ added into grad[0 … d).
 */
export function lengthscaleLogPrior(
  prior: LengthscalePrior,
  theta: ArrayLike<number>,
  d: number,
  grad: Float64Array | null,
): number {
  if (prior.kind === 'none') return 0;
  let lp = 0;
  if (prior.kind === 'gamma') {
    const a1 = prior.concentration - 1;
    const b = prior.rate;
    for (let j = 0; j < d; j++) {
      const l = Math.exp(theta[j]);
      lp += a1 * theta[j] - b * l;
      if (grad !== null) grad[j] += a1 - b * l;
    }
    return lp;
  }
  const inv = 1 / (prior.scale * prior.scale);
  for (let j = 0; j < d; j++) {
    const z = theta[j] - prior.loc;
    lp += -0.5 * z * z * inv - theta[j];
    if (grad !== null) grad[j] += -z * inv - 1;
  }
  return lp;
}

interface FitSettings {
  readonly restarts: number;
  readonly maxIterations: number;
  readonly seed: number;
  readonly bounds: GpBounds;
  readonly prior: LengthscalePrior;
  readonly init: GpHyperparameters | null;
}

/** Default starting lengthscale: 0.5 √d, within [0.5, upper bound]. */
function defaultLengthscale(d: number, bounds: GpBounds): number {
  const [lo, hi] = bounds.lengthscale;
  return Math.min(hi, Math.max(lo, Math.max(0.5, 0.5 * Math.sqrt(d))));
}

function fitHyperparameters(
  x: Float64Array,
  ys: Float64Array,
  n: number,
  d: number,
  s: FitSettings,
): { hyper: GpHyperparametersResolved; report: GpFitReport } {
  const { bounds, prior } = s;
  const np = d + 2;
  const lower = new Float64Array(np);
  const upper = new Float64Array(np);
  for (let j = 0; j < d; j++) {
    lower[j] = Math.log(bounds.lengthscale[0]);
    upper[j] = Math.log(bounds.lengthscale[1]);
  }
  lower[d] = Math.log(bounds.outputScale[0]);
  upper[d] = Math.log(bounds.outputScale[1]);
  lower[d + 1] = Math.log(bounds.noise[0]);
  upper[d + 1] = Math.log(bounds.noise[1]);
  const clampTheta = (t: Float64Array): Float64Array => {
    for (let p = 0; p < np; p++) t[p] = Math.min(upper[p], Math.max(lower[p], t[p]));
    return t;
  };

  // Starts: the warm start, the default, then random perturbations of the default.
  const starts: Float64Array[] = [];
  if (s.init !== null) starts.push(clampTheta(thetaOf(s.init, d)));
  const l0 = defaultLengthscale(d, bounds);
  const def = clampTheta(
    thetaOf({ lengthscales: new Float64Array(d).fill(l0), outputScale: 1, noise: 1e-4 }, d),
  );
  if (starts.length < s.restarts) starts.push(def);
  const rng = new Rng(s.seed);
  while (starts.length < s.restarts) {
    // log ℓ_j ~ N(log ℓ₀, 0.75²); σ² log-uniform in [0.25, 4]; σ_n² log-uniform in [1e-6, 1e-3] (all clamped).
    const t = new Float64Array(np);
    for (let j = 0; j < d; j++) t[j] = Math.log(l0) + 0.75 * rng.normal();
    t[d] = Math.log(0.25) + rng.next() * Math.log(16);
    t[d + 1] = Math.log(1e-6) + rng.next() * Math.log(1e3);
    starts.push(clampTheta(t));
  }

  const ml = new MarginalLikelihood(x, ys, n, d);
  const invN = 1 / n;
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    const lml = ml.evaluate(theta, grad);
    if (!Number.isFinite(lml)) return Number.NaN;
    const lp = lengthscaleLogPrior(prior, theta, d, grad);
    for (let p = 0; p < np; p++) grad[p] = -grad[p] * invN;
    return -(lml + lp) * invN;
  };
  const result = minimizeWithRestarts(objective, { lower, upper }, starts, new Rng(s.seed ^ 0x5bd1e995), {
    maxIterations: s.maxIterations,
  });
  const runs: GpFitRun[] = result.runs.map((r, i) => ({
    start: starts[i],
    theta: r.x,
    objective: r.f,
    iterations: r.iterations,
    evaluations: r.evaluations,
    status: r.status,
  }));
  let evaluations = 0;
  for (const r of runs) evaluations += r.evaluations;
  const fellBack = !Number.isFinite(result.f);
  const theta = fellBack ? def : result.x;
  return { hyper: hyperOf(theta, d), report: { best: result.best, runs, evaluations, fellBack } };
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

function readBounds(b: Partial<GpBounds> | undefined): GpBounds {
  const res: GpBounds = { ...DEFAULT_GP_BOUNDS, ...b };
  for (const key of ['lengthscale', 'outputScale', 'noise'] as const) {
    const [lo, hi] = res[key];
    if (!(lo > 0) || !Number.isFinite(hi) || !(hi >= lo)) {
      throw new ValidationError(`bounds.${key}`, [lo, hi], 'expected 0 < lo ≤ hi < ∞');
    }
  }
  return res;
}

function checkPrior(prior: LengthscalePrior): void {
  if (prior.kind === 'gamma') {
    checkNumber('lengthscalePrior.concentration', prior.concentration, 0);
    checkNumber('lengthscalePrior.rate', prior.rate, 0);
  } else if (prior.kind === 'lognormal') {
    checkNumber('lengthscalePrior.loc', prior.loc);
    checkNumber('lengthscalePrior.scale', prior.scale, 0);
    if (!(prior.scale > 0)) throw new ValidationError('lengthscalePrior.scale', prior.scale, 'expected > 0');
  } else if (prior.kind !== 'none') {
    throw new ValidationError(
      'lengthscalePrior.kind',
      (prior as { kind: unknown }).kind,
      "expected 'none', 'gamma' or 'lognormal'",
    );
  }
}

function checkHyper(h: GpHyperparameters, d: number, name: string): GpHyperparametersResolved {
  if (h.lengthscales.length !== d) {
    throw new ValidationError(`${name}.lengthscales.length`, h.lengthscales.length, `expected d = ${d}`);
  }
  const lengthscales = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const l = h.lengthscales[j];
    if (!(l > 0) || !Number.isFinite(l)) {
      throw new ValidationError(`${name}.lengthscales[${j}]`, l, 'expected a finite number > 0');
    }
    lengthscales[j] = l;
  }
  for (const key of ['outputScale', 'noise'] as const) {
    const v = h[key];
    if (!(v > 0) || !Number.isFinite(v))
      throw new ValidationError(`${name}.${key}`, v, 'expected a finite number > 0');
  }
  return { lengthscales, outputScale: h.outputScale, noise: h.noise };
}

function checkIndices(indices: ArrayLike<number>, n: number): Int32Array {
  checkInt('fitOn.length', indices.length, 1, n);
  const out = new Int32Array(indices.length);
  for (let t = 0; t < indices.length; t++) out[t] = checkInt(`fitOn[${t}]`, indices[t], 0, n - 1);
  return out;
}

function checkShape(name: string, x: Float64Array, n: number, d: number): void {
  if (!(x instanceof Float64Array)) throw new ValidationError(name, typeof x, 'expected a Float64Array');
  if (x.length < n * d) throw new ValidationError(`${name}.length`, x.length, `expected at least ${n * d}`);
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(x[i])) throw new ValidationError(`${name}[${i}]`, x[i], 'expected a finite number');
  }
}
