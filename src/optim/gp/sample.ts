/**
 * Posterior function samples of a GP at many candidate points, for Thompson sampling.
 *
 * `samplePosterior` uses pathwise conditioning (Wilson, Borovitskiy, Terenin, Mostowsky & Deisenroth
 * 2020, "Efficiently sampling functions from Gaussian process posteriors"): a prior function sample
 * from random Fourier features, corrected by the data through Matheron's rule,
 *
 *   f(·) = f̃(·) + k(·, X) K̂⁻¹ (z − f̃(X) − ε),   ε ~ N(0, diag(noiseDiag)),
 *
 * which costs O(n²) per sample (two triangular solves) plus O(m (n + F) d) for m candidates and F
 * features — linear in m, where exact joint sampling is O(m³).
 *
 * Random Fourier features of the Matérn-ν kernel (Rahimi & Recht 2007): its spectral density is a
 * multivariate Student-t with 2ν degrees of freedom and scale 1/ℓ, so with ν = 5/2
 *
 *   ω = (z / ℓ) √(5 / u),  z ~ N(0, I_d),  u ~ χ²₅,
 *
 * and, with M = F/2 frequencies ω_1 … ω_M and weights a, b ~ N(0, I_M),
 *
 *   f̃(x) = √(σ² / M) Σ_k [a_k cos(ω_kᵀx) + b_k sin(ω_kᵀx)]
 *
 * has E[f̃(x) f̃(x')] = σ² E_ω[cos(ωᵀ(x − x'))] = k(x, x'). This is the sine–cosine pair form of the
 * features: the same kernel in expectation as the random-phase form √(2σ²/F) cos(ωᵀx + β), β ~ U[0, 2π),
 * with lower variance for the same F (Sutherland & Schneider 2015) and half the projections ωᵀx, the
 * dominant cost, since both trigonometric values come from one argument reduction.
 *
 * By default every sample draws its own frequencies, so the samples are independent and their mean and
 * covariance are exactly the posterior's (Matheron's rule is linear in f̃ and ε; only higher moments
 * see the finite F). With `sharedBasis` all samples share one set of frequencies (different weights):
 * much cheaper for many samples (the features are computed once per candidate), but each sample's
 * covariance is then that of one F-feature approximation of k, off by O(σ² / √F) entry-wise, and the
 * samples are correlated through the shared basis.
 */
import { ValidationError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import { checkInt } from '../../core/validate.ts';
import { choleskyWithJitter, cholSolve } from '../../linalg/cholesky.ts';
import type { Gp } from './gp.ts';
import { crossKernelRowT, scaleInputs } from './kernel.ts';

const TWO_OVER_PI = 2 / Math.PI;
/** π/2 = PIO2_HI + PIO2_LO: the first 33 bits (so that j · PIO2_HI is exact for |j| < 2^20) and the rest. */
const PIO2_HI = 1.5707963267341256;
const PIO2_LO = 6.077100506506192e-11;
const QUADRANT_COS = new Float64Array([1, 0, -1, 0]);
const QUADRANT_SIN = new Float64Array([0, 1, 0, -1]);

/**
 * a[k] ← cos a[k] and sin[k] ← sin a[k] for k < count, about three times as fast in V8 as Math.cos and
 * Math.sin together and within 2 ulp of them: a = jπ/2 + r with |r| ≤ π/4 (two-part Cody–Waite
 * reduction, shared by both), fdlibm's minimax polynomials for cos r and sin r, combined by quadrant.
 * Math.cos / Math.sin for |a| ≥ 1e6, where the reduction would lose accuracy.
 */
export function cosSinInPlace(a: Float64Array, sin: Float64Array, count: number): void {
  for (let k = 0; k < count; k++) {
    const x = a[k];
    if (!(Math.abs(x) < 1e6)) {
      a[k] = Math.cos(x);
      sin[k] = Math.sin(x);
      continue;
    }
    const j = Math.round(x * TWO_OVER_PI);
    const r = x - j * PIO2_HI - j * PIO2_LO;
    const z = r * r;
    const c =
      1 +
      z *
        (-0.5 +
          z *
            (0.0416666666666666 +
              z *
                (-0.001388888888887411 +
                  z *
                    (0.00002480158728947673 +
                      z *
                        (-2.7557314351390663e-7 +
                          z * (2.087572321298175e-9 + z * -1.1359647557788195e-11))))));
    const sr =
      r +
      r *
        z *
        (-0.16666666666666632 +
          z *
            (0.00833333333332249 +
              z *
                (-0.0001984126982985795 +
                  z * (0.0000027557313707070068 + z * (-2.5050760253406863e-8 + z * 1.58969099521155e-10)))));
    const q = j & 3;
    const qc = QUADRANT_COS[q];
    const qs = QUADRANT_SIN[q];
    a[k] = c * qc - sr * qs;
    sin[k] = sr * qc + c * qs;
  }
}

export interface SamplePosteriorOptions {
  /** Random Fourier features per prior sample (default 1024): F/2 frequencies, a cosine and a sine each. */
  readonly features?: number;
  /** One set of frequencies for all samples (default false: independent samples). */
  readonly sharedBasis?: boolean;
}

/**
 * A random Fourier feature basis of the Matérn-5/2 kernel in scaled inputs (x / ℓ): M frequencies
 * stored transposed in `omegaT` (d × M, ω_kj = z_kj √(5 / u_k) at [j, k]).
 */
interface FeatureBasis {
  readonly omegaT: Float64Array;
}

function drawBasis(freqs: number, d: number, rng: Rng): FeatureBasis {
  const omegaT = new Float64Array(freqs * d);
  for (let k = 0; k < freqs; k++) {
    let u = 0;
    for (let t = 0; t < 5; t++) {
      const g = rng.normal();
      u += g * g;
    }
    const scale = Math.sqrt(5 / u);
    for (let j = 0; j < d; j++) omegaT[j * freqs + k] = rng.normal() * scale;
  }
  return { omegaT };
}

/**
 * out[k] = ω_kᵀ x for the point sx[o … o + d), k < M: four dimensions per pass along rows of ωᵀ (long
 * contiguous loops rather than a d-long loop per frequency).
 */
function project(
  sx: Float64Array,
  o: number,
  omegaT: Float64Array,
  freqs: number,
  d: number,
  out: Float64Array,
): void {
  let j = 0;
  if (d >= 4) {
    const x0 = sx[o];
    const x1 = sx[o + 1];
    const x2 = sx[o + 2];
    const x3 = sx[o + 3];
    for (let k = 0; k < freqs; k++) {
      out[k] =
        x0 * omegaT[k] + x1 * omegaT[freqs + k] + (x2 * omegaT[2 * freqs + k] + x3 * omegaT[3 * freqs + k]);
    }
    j = 4;
  } else {
    out.fill(0, 0, freqs);
  }
  for (; j + 3 < d; j += 4) {
    const x0 = sx[o + j];
    const x1 = sx[o + j + 1];
    const x2 = sx[o + j + 2];
    const x3 = sx[o + j + 3];
    const o0 = j * freqs;
    const o1 = o0 + freqs;
    const o2 = o1 + freqs;
    const o3 = o2 + freqs;
    for (let k = 0; k < freqs; k++) {
      out[k] += x0 * omegaT[o0 + k] + x1 * omegaT[o1 + k] + (x2 * omegaT[o2 + k] + x3 * omegaT[o3 + k]);
    }
  }
  for (; j < d; j++) {
    const x0 = sx[o + j];
    const o0 = j * freqs;
    for (let k = 0; k < freqs; k++) out[k] += x0 * omegaT[o0 + k];
  }
}

/** Scratch and shared state of a batch of prior samples. */
interface PriorBatch {
  /** One basis per sample, or a single shared one. */
  readonly bases: readonly FeatureBasis[];
  /** nSamples × 2M: sample s has cosine weights at [s·2M, s·2M + M) and sine weights after them. */
  readonly weights: Float64Array;
  readonly nSamples: number;
  readonly freqs: number;
  readonly amplitude: number;
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

function drawPrior(
  nSamples: number,
  features: number,
  shared: boolean,
  d: number,
  outputScale: number,
  rng: Rng,
): PriorBatch {
  const freqs = Math.ceil(features / 2);
  const bases: FeatureBasis[] = [];
  for (let g = 0; g < (shared ? 1 : nSamples); g++) bases.push(drawBasis(freqs, d, rng));
  const weights = new Float64Array(nSamples * 2 * freqs);
  for (let i = 0; i < weights.length; i++) weights[i] = rng.normal();
  return {
    bases,
    weights,
    nSamples,
    freqs,
    amplitude: Math.sqrt(outputScale / freqs),
    cos: new Float64Array(freqs),
    sin: new Float64Array(freqs),
  };
}

/**
 * Prior samples f̃_s at `count` points of `sx` (scaled inputs, count × d) into out[s · stride + i].
 * Sample s uses basis `bases[shared ? 0 : s]`.
 */
function priorValues(
  p: PriorBatch,
  d: number,
  sx: Float64Array,
  count: number,
  out: Float64Array,
  stride: number,
): void {
  const { bases, weights, nSamples, freqs, amplitude, cos, sin } = p;
  const shared = bases.length === 1;
  const w2 = 2 * freqs;
  for (let i = 0; i < count; i++) {
    for (let g = 0; g < bases.length; g++) {
      project(sx, i * d, bases[g].omegaT, freqs, d, cos);
      cosSinInPlace(cos, sin, freqs);
      const s0 = shared ? 0 : g;
      const s1 = shared ? nSamples : g + 1;
      for (let s = s0; s < s1; s++) {
        const wc = s * w2;
        const ws = wc + freqs;
        let v = 0;
        for (let k = 0; k < freqs; k++) v += weights[wc + k] * cos[k] + weights[ws + k] * sin[k];
        out[s * stride + i] = amplitude * v;
      }
    }
  }
}

/**
 * `nSamples` posterior samples of f at `xs` (m × d), by pathwise conditioning of random-Fourier-feature
 * prior samples; original output units. Returns nSamples × m (row s = sample s). Deterministic for the
 * state of `rng`, which it advances.
 */
export function samplePosterior(
  gp: Gp,
  xs: Float64Array,
  nSamples: number,
  rng: Rng,
  options: SamplePosteriorOptions = {},
): Float64Array {
  const { n, d, L, noiseDiag, yStandardized, xScaled } = gp;
  const m = candidateRows(xs, d);
  checkInt('nSamples', nSamples, 0);
  const features = checkInt('features', options.features ?? 1024, 1);
  const shared = options.sharedBasis ?? false;
  const out = new Float64Array(nSamples * m);
  if (nSamples === 0 || m === 0) return out;
  const s2 = gp.hyper.outputScale;
  const prior = drawPrior(nSamples, features, shared, d, s2, rng);

  // v_s = K̂⁻¹ (z − f̃_s(X) − ε_s) (nSamples × n).
  const v = new Float64Array(nSamples * n);
  priorValues(prior, d, xScaled, n, v, n);
  for (let s = 0; s < nSamples; s++) {
    const vs = v.subarray(s * n, (s + 1) * n);
    for (let i = 0; i < n; i++) vs[i] = yStandardized[i] - vs[i] - Math.sqrt(noiseDiag[i]) * rng.normal();
    cholSolve(L, n, vs, vs);
  }

  // f_s(x) = f̃_s(x) + k(x, X) v_s, candidate by candidate.
  const sxs = scaleInputs(xs, m, d, gp.hyper.lengthscales);
  priorValues(prior, d, sxs, m, out, m);
  const row = new Float64Array(n);
  const { yMean, yStd } = gp;
  for (let c = 0; c < m; c++) {
    crossKernelRowT(sxs, c * d, gp.xScaledT, n, d, s2, row);
    for (let s = 0; s < nSamples; s++) {
      const vs = s * n;
      let a = 0;
      for (let i = 0; i < n; i++) a += row[i] * v[vs + i];
      const idx = s * m + c;
      out[idx] = yMean + yStd * (out[idx] + a);
    }
  }
  return out;
}

/**
 * `nSamples` exact joint posterior samples of f at `xs` (m × d): mean + C z with C the Cholesky factor
 * of the posterior covariance (with the diagonal jitter it needs). O(n² m + m³): for small candidate
 * sets and tests. Original units; returns nSamples × m. Advances `rng`.
 */
export function samplePosteriorExact(gp: Gp, xs: Float64Array, nSamples: number, rng: Rng): Float64Array {
  const m = candidateRows(xs, gp.d);
  checkInt('nSamples', nSamples, 0);
  const out = new Float64Array(nSamples * m);
  if (nSamples === 0 || m === 0) return out;
  const { mean, covariance } = gp.predictJoint(xs);
  const { L: c } = choleskyWithJitter(covariance, m, { initialJitter: 1e-12, maxTries: 12 });
  const z = new Float64Array(m);
  for (let s = 0; s < nSamples; s++) {
    for (let i = 0; i < m; i++) z[i] = rng.normal();
    const os = s * m;
    for (let i = 0; i < m; i++) {
      const ri = i * m;
      let a = mean[i];
      for (let j = 0; j <= i; j++) a += c[ri + j] * z[j];
      out[os + i] = a;
    }
  }
  return out;
}

/**
 * Prior samples of f̃ from random Fourier features (standardized units, no data): nSamples × m, with
 * an independent basis per sample unless `sharedBasis`. For checking the feature scaling: their
 * empirical covariance converges to k(x, x′).
 */
export function samplePriorFeatures(
  xs: Float64Array,
  d: number,
  lengthscales: ArrayLike<number>,
  outputScale: number,
  nSamples: number,
  rng: Rng,
  options: SamplePosteriorOptions = {},
): Float64Array {
  const m = candidateRows(xs, d);
  checkInt('nSamples', nSamples, 0);
  const features = checkInt('features', options.features ?? 1024, 1);
  const shared = options.sharedBasis ?? false;
  const out = new Float64Array(nSamples * m);
  if (nSamples === 0 || m === 0) return out;
  const prior = drawPrior(nSamples, features, shared, d, outputScale, rng);
  priorValues(prior, d, scaleInputs(xs, m, d, lengthscales), m, out, m);
  return out;
}

function candidateRows(xs: Float64Array, d: number): number {
  if (!(xs instanceof Float64Array)) throw new ValidationError('xs', typeof xs, 'expected a Float64Array');
  if (xs.length % d !== 0)
    throw new ValidationError('xs.length', xs.length, `expected a multiple of d = ${d}`);
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) throw new ValidationError(`xs[${i}]`, xs[i], 'expected a finite number');
  }
  return xs.length / d;
}
