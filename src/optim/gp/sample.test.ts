import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import { fitGp, type Gp } from './gp.ts';
import { maternKernelMatrix } from './kernel.ts';
import { cosSinInPlace, samplePosterior, samplePosteriorExact, samplePriorFeatures } from './sample.ts';

function randomPoints(n: number, d: number, rng: Rng): Float64Array {
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  return x;
}

/** Empirical mean (m) and covariance (m × m, divisor N) of N samples stored N × m. */
function moments(
  samples: Float64Array,
  nSamples: number,
  m: number,
): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(m);
  for (let s = 0; s < nSamples; s++) for (let i = 0; i < m; i++) mean[i] += samples[s * m + i];
  for (let i = 0; i < m; i++) mean[i] /= nSamples;
  const cov = new Float64Array(m * m);
  for (let s = 0; s < nSamples; s++) {
    for (let i = 0; i < m; i++) {
      const a = samples[s * m + i] - mean[i];
      for (let j = 0; j < m; j++) cov[i * m + j] += a * (samples[s * m + j] - mean[j]);
    }
  }
  for (let i = 0; i < m * m; i++) cov[i] /= nSamples;
  return { mean, cov };
}

/**
 * Largest |Ĉ_ij − C_ij| in units of the Monte-Carlo standard error √((C_ii C_jj + C_ij²) / N) of a
 * Gaussian covariance estimate.
 */
function covarianceZ(est: Float64Array, ref: Float64Array, m: number, nSamples: number): number {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const se = Math.sqrt((ref[i * m + i] * ref[j * m + j] + ref[i * m + j] ** 2) / nSamples);
      worst = Math.max(worst, Math.abs(est[i * m + j] - ref[i * m + j]) / se);
    }
  }
  return worst;
}

function meanZ(
  est: Float64Array,
  mean: Float64Array,
  cov: Float64Array,
  m: number,
  nSamples: number,
): number {
  let worst = 0;
  for (let i = 0; i < m; i++)
    worst = Math.max(worst, Math.abs(est[i] - mean[i]) / Math.sqrt(cov[i * m + i] / nSamples));
  return worst;
}

/** A small noisy problem: n = 15 observations, d = 2, fixed hyperparameters; m = 20 candidates. */
function problem(): { gp: Gp; xs: Float64Array } {
  const rng = new Rng(41);
  const d = 2;
  const x = randomPoints(15, d, rng);
  const y = new Float64Array(15);
  for (let i = 0; i < 15; i++)
    y[i] = 4 + Math.sin(5 * x[2 * i]) * Math.cos(3 * x[2 * i + 1]) + 0.05 * rng.normal();
  const gp = fitGp(x, y, { fixed: { lengthscales: [0.25, 0.4], outputScale: 1.5, noise: 1e-3 } });
  // Candidates: some near the data, some far from it.
  const xs = randomPoints(20, d, rng);
  for (let j = 0; j < d; j++) xs[j] = x[j] + 0.01;
  return { gp, xs };
}

describe('random Fourier features of the Matérn-5/2 kernel', () => {
  it('cosSinInPlace agrees with Math.cos and Math.sin', () => {
    const rng = new Rng(0);
    const n = 200_000;
    const a = new Float64Array(n + 9);
    for (let i = 0; i < n; i++) a[i] = (rng.next() - 0.5) * 2 * 10 ** (rng.next() * 7);
    a.set([0, Math.PI / 4, Math.PI / 2, Math.PI, -Math.PI, 1e6, -3e7, 1e300, Number.NaN], n);
    const x = a.slice();
    const sin = new Float64Array(a.length);
    cosSinInPlace(a, sin, a.length);
    let err = 0;
    for (let i = 0; i < n + 8; i++) {
      err = Math.max(err, Math.abs(a[i] - Math.cos(x[i])), Math.abs(sin[i] - Math.sin(x[i])));
    }
    expect(err).toBeLessThan(5e-16);
    expect(a[n + 8]).toBeNaN();
    expect(sin[n + 8]).toBeNaN();
  });

  it.each([2, 5, 18])('prior samples have covariance k (independent bases), d = %i', (d) => {
    const rng = new Rng(d);
    const m = 8;
    const xs = randomPoints(m, d, rng);
    // Lengthscales ~ √d keep the points correlated in every dimension.
    const ls = Array.from({ length: d }, (_, j) => (0.3 + 0.3 * (j % 3)) * Math.sqrt(d));
    const n = 20_000;
    const samples = samplePriorFeatures(xs, d, ls, 2, n, rng, { features: 64 });
    const k = maternKernelMatrix(xs, m, d, { lengthscales: ls, outputScale: 2 });
    const { mean, cov } = moments(samples, n, m);
    const zc = covarianceZ(cov, k, m, n);
    const zm = meanZ(mean, new Float64Array(m), k, m, n);
    console.log(
      `RFF prior (independent bases, d = ${d}, N = ${n}): max |mean| ${zm.toFixed(2)} se, max |cov − k| ${zc.toFixed(2)} se`,
    );
    expect(zm).toBeLessThan(4);
    // Heavier tails than Gaussian with 64 features: allow a little more than 4 se.
    expect(zc).toBeLessThan(5);
  });

  it('one shared basis of 2048 features approximates k to a few percent', () => {
    const rng = new Rng(2);
    const d = 3;
    const m = 10;
    const xs = randomPoints(m, d, rng);
    const ls = [0.3, 0.6, 1];
    const n = 4000;
    const samples = samplePriorFeatures(xs, d, ls, 1, n, rng, { features: 2048, sharedBasis: true });
    const k = maternKernelMatrix(xs, m, d, { lengthscales: ls, outputScale: 1 });
    const { cov } = moments(samples, n, m);
    let worst = 0;
    for (let i = 0; i < m * m; i++) worst = Math.max(worst, Math.abs(cov[i] - k[i]));
    console.log(`RFF prior (shared basis, F = 2048, N = ${n}): max |cov − k| = ${worst.toFixed(4)} σ²`);
    expect(worst).toBeLessThan(0.1);
  });
});

describe('samplePosterior (pathwise conditioning)', () => {
  const { gp, xs } = problem();
  const m = 20;
  const exact = gp.predictJoint(xs);

  it('matches the exact posterior mean and covariance (independent bases, exact moments at any F)', () => {
    // With a basis per sample the first two moments are exact whatever the number of features: a
    // small F keeps the test fast and makes it stricter.
    const n = 4000;
    const samples = samplePosterior(gp, xs, n, new Rng(7), { features: 256 });
    const { mean, cov } = moments(samples, n, m);
    const zm = meanZ(mean, exact.mean, exact.covariance, m, n);
    const zc = covarianceZ(cov, exact.covariance, m, n);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < m; i++) scale = Math.max(scale, exact.covariance[i * m + i]);
    for (let i = 0; i < m * m; i++) worst = Math.max(worst, Math.abs(cov[i] - exact.covariance[i]));
    console.log(
      `pathwise (N = ${n}, F = 256): max mean error ${zm.toFixed(2)} sd/√N, cov ${zc.toFixed(2)} se, max |cov error| ${(worst / scale).toFixed(4)} of the largest variance`,
    );
    expect(zm).toBeLessThan(4);
    expect(zc).toBeLessThan(5);
    expect(worst / scale).toBeLessThan(0.06);
  });

  it('with a shared basis: mean exact in expectation, covariance within a few percent of the variance scale', () => {
    const n = 4000;
    const samples = samplePosterior(gp, xs, n, new Rng(8), { features: 2048, sharedBasis: true });
    const { mean, cov } = moments(samples, n, m);
    const prior = gp.hyper.outputScale * gp.yStd * gp.yStd;
    let covErr = 0;
    for (let i = 0; i < m * m; i++) covErr = Math.max(covErr, Math.abs(cov[i] - exact.covariance[i]));
    let meanErr = 0;
    for (let i = 0; i < m; i++) meanErr = Math.max(meanErr, Math.abs(mean[i] - exact.mean[i]));
    console.log(
      `pathwise, shared basis: max |cov error| ${(covErr / prior).toFixed(4)} of σ², max |mean error| ${(meanErr / Math.sqrt(prior)).toFixed(4)} of σ`,
    );
    expect(covErr / prior).toBeLessThan(0.1);
    expect(meanErr / Math.sqrt(prior)).toBeLessThan(0.1);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = samplePosterior(gp, xs, 3, new Rng(5), { features: 128 });
    const b = samplePosterior(gp, xs, 3, new Rng(5), { features: 128 });
    const c = samplePosterior(gp, xs, 3, new Rng(6), { features: 128 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(a.length).toBe(3 * m);
  });

  it('samples pass (almost) through noise-free observations', () => {
    const rng = new Rng(9);
    const x = randomPoints(10, 2, rng);
    const y = new Float64Array(10);
    for (let i = 0; i < 10; i++) y[i] = x[2 * i] - 2 * x[2 * i + 1];
    const g = fitGp(x, y, { fixed: { lengthscales: [0.5, 0.5], outputScale: 1, noise: 1e-8 } });
    const s = samplePosterior(g, x, 2, rng, { features: 256 });
    for (let t = 0; t < 2; t++) for (let i = 0; i < 10; i++) expect(s[t * 10 + i]).toBeCloseTo(y[i], 2);
  });

  it('works on a fantasized (conditioned) model and rejects bad input', () => {
    const fant = gp.conditionOnMean(xs.subarray(0, 4));
    const s = samplePosterior(fant, xs, 2, new Rng(1), { features: 64 });
    for (const v of s) expect(Number.isFinite(v)).toBe(true);
    expect(samplePosterior(gp, xs, 0, new Rng(1)).length).toBe(0);
    expect(() => samplePosterior(gp, new Float64Array(3), 1, new Rng(1))).toThrow(ValidationError);
    expect(() => samplePosterior(gp, xs, 1, new Rng(1), { features: 0 })).toThrow(ValidationError);
  });
});

describe('samplePosteriorExact', () => {
  it('matches the exact posterior mean and covariance', () => {
    const { gp, xs } = problem();
    const m = 20;
    const exact = gp.predictJoint(xs);
    const n = 4000;
    const samples = samplePosteriorExact(gp, xs, n, new Rng(3));
    const { mean, cov } = moments(samples, n, m);
    const zm = meanZ(mean, exact.mean, exact.covariance, m, n);
    const zc = covarianceZ(cov, exact.covariance, m, n);
    console.log(`exact sampler (N = ${n}): mean ${zm.toFixed(2)} sd/√N, cov ${zc.toFixed(2)} se`);
    expect(zm).toBeLessThan(4);
    expect(zc).toBeLessThan(5);
    const a = samplePosteriorExact(gp, xs, 2, new Rng(4));
    const b = samplePosteriorExact(gp, xs, 2, new Rng(4));
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
