/** The fitted GP model (see gp.ts): posterior prediction and conditioning on more observations. */
import { ValidationError } from '../../core/errors.ts';
import {
  choleskyAppend,
  choleskyWithJitter,
  cholSolve,
  logDetFromCholesky,
  solveLowerMany,
} from '../../linalg/cholesky.ts';
import { checkShape } from './checks.ts';
import type { GpFitReport } from './fit.ts';
import type { GpHyperparametersResolved } from './hyperparameters.ts';
import {
  crossKernelRowT,
  crossKernelScaled,
  maternKernelMatrix,
  scaleInputs,
  scaleInputsTransposed,
} from './kernel.ts';
import { LOG_2PI } from './likelihood.ts';

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
