import { LuDecomposition, Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import {
  DEFAULT_GP_BOUNDS,
  fitGp,
  type GpHyperparameters,
  hyperOf,
  type LengthscalePrior,
  lengthscaleLogPrior,
  logMarginalLikelihood,
  MarginalLikelihood,
  thetaOf,
} from './gp.ts';

function randomPoints(n: number, d: number, rng: Rng): Float64Array {
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  return x;
}

/** Matérn-5/2 straight from its definition. */
function kernel(
  a: Float64Array,
  ia: number,
  b: Float64Array,
  ib: number,
  d: number,
  h: GpHyperparameters,
): number {
  let r2 = 0;
  for (let j = 0; j < d; j++) {
    const t = (a[ia * d + j] - b[ib * d + j]) / h.lengthscales[j];
    r2 += t * t;
  }
  const r = Math.sqrt(r2);
  return h.outputScale * (1 + Math.sqrt(5) * r + (5 / 3) * r * r) * Math.exp(-Math.sqrt(5) * r);
}

/** Dense reference with ml-matrix: K̂ = K + σ_n² I, K̂⁻¹ applied by solve(). */
function reference(x: Float64Array, ys: Float64Array, d: number, h: GpHyperparameters) {
  const n = ys.length;
  const k = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < n; c++) k.set(i, c, kernel(x, i, x, c, d, h) + (i === c ? h.noise : 0));
  }
  const yv = Matrix.columnVector(Array.from(ys));
  const alpha = solve(k, yv);
  return {
    k,
    alpha,
    lml: (() => {
      const lu = new LuDecomposition(k);
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += Math.log(Math.abs(lu.upperTriangularMatrix.get(i, i)));
      let quad = 0;
      for (let i = 0; i < n; i++) quad += ys[i] * alpha.get(i, 0);
      return -0.5 * quad - 0.5 * logDet - 0.5 * n * Math.log(2 * Math.PI);
    })(),
    predict(xs: Float64Array, m: number, yMean: number, yStd: number) {
      const ks = new Matrix(n, m);
      for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) ks.set(i, c, kernel(x, i, xs, c, d, h));
      const v = solve(k, ks);
      const mean = new Float64Array(m);
      const variance = new Float64Array(m);
      for (let c = 0; c < m; c++) {
        let mu = 0;
        let q = 0;
        for (let i = 0; i < n; i++) {
          mu += ks.get(i, c) * alpha.get(i, 0);
          q += ks.get(i, c) * v.get(i, c);
        }
        mean[c] = yMean + yStd * mu;
        variance[c] = yStd * yStd * (h.outputScale - q);
      }
      return { mean, variance };
    },
  };
}

function testFunction(x: Float64Array, n: number, d: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    y[i] = 3 + 2 * Math.sin(3 * x[o]) + x[o + 1] * x[o + 1] - 0.5 * x[o + 2 < d ? o + 2 : o];
  }
  return y;
}

const HYPER: GpHyperparameters = {
  lengthscales: new Float64Array([0.4, 0.7, 1.2]),
  outputScale: 1.3,
  noise: 1e-3,
};

describe('fitGp with fixed hyperparameters: posterior against ml-matrix', () => {
  const rng = new Rng(11);
  const n = 30;
  const d = 3;
  const x = randomPoints(n, d, rng);
  const y = testFunction(x, n, d);
  for (let i = 0; i < n; i++) y[i] += 0.01 * rng.normal();
  const xs = randomPoints(40, d, rng);
  // Include two training points among the test points.
  xs.set(x.subarray(0, 2 * d), 0);

  it('standardizes y and matches the dense posterior mean and variance to 1e-8', () => {
    const gp = fitGp(x, y, { fixed: HYPER });
    expect(gp.fit).toBeNull();
    expect(gp.jitter).toBe(0);
    let mean = 0;
    for (const v of y) mean += v;
    mean /= n;
    let ss = 0;
    for (const v of y) ss += (v - mean) ** 2;
    expect(gp.yMean).toBeCloseTo(mean, 12);
    expect(gp.yStd).toBeCloseTo(Math.sqrt(ss / (n - 1)), 12);
    const ref = reference(x, gp.yStandardized, d, HYPER).predict(xs, 40, gp.yMean, gp.yStd);
    const pred = gp.predict(xs);
    const scale = gp.yStd * gp.yStd * HYPER.outputScale;
    let meanErr = 0;
    let varErr = 0;
    for (let c = 0; c < 40; c++) {
      meanErr = Math.max(meanErr, Math.abs(pred.mean[c] - ref.mean[c]) / Math.max(1, Math.abs(ref.mean[c])));
      varErr = Math.max(varErr, Math.abs(pred.variance[c] - ref.variance[c]) / scale);
    }
    console.log(
      `posterior vs ml-matrix: max rel mean error ${meanErr.toExponential(2)}, variance ${varErr.toExponential(2)}`,
    );
    expect(meanErr).toBeLessThan(1e-8);
    expect(varErr).toBeLessThan(1e-8);
    // predictMean is the same mean; predictJoint's diagonal is the same variance.
    const pm = gp.predictMean(xs);
    const joint = gp.predictJoint(xs);
    for (let c = 0; c < 40; c++) {
      expect(pm[c]).toBeCloseTo(pred.mean[c], 12);
      expect(joint.mean[c]).toBeCloseTo(pred.mean[c], 12);
      expect(Math.abs(joint.covariance[c * 40 + c] - pred.variance[c])).toBeLessThan(1e-12 * scale);
    }
    // With noise: the variance of a new observation.
    const noisy = gp.predict(xs, { includeNoise: true });
    for (let c = 0; c < 40; c++) {
      expect(noisy.variance[c] - pred.variance[c]).toBeCloseTo(gp.yStd * gp.yStd * HYPER.noise, 12);
    }
  });

  it('computes the log marginal likelihood as ml-matrix (log det via LU)', () => {
    const gp = fitGp(x, y, { fixed: HYPER });
    const ref = reference(x, gp.yStandardized, d, HYPER);
    const err = Math.abs(gp.logMarginalLikelihood - ref.lml) / Math.abs(ref.lml);
    console.log(`log marginal likelihood vs ml-matrix: rel error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-10);
    const direct = logMarginalLikelihood(x, gp.yStandardized, d, thetaOf(HYPER, d));
    expect(Math.abs(direct - ref.lml) / Math.abs(ref.lml)).toBeLessThan(1e-10);
    let aErr = 0;
    for (let i = 0; i < n; i++) aErr = Math.max(aErr, Math.abs(gp.alpha[i] - ref.alpha.get(i, 0)));
    expect(aErr).toBeLessThan(1e-8 * Math.max(1, ...Array.from(gp.alpha, Math.abs)));
  });

  const lo = DEFAULT_GP_BOUNDS;
  const cases: [string, GpHyperparameters][] = [
    ['moderate', HYPER],
    [
      'near the lower bounds',
      { lengthscales: new Float64Array([0.006, 0.01, 0.008]), outputScale: 0.06, noise: 1.2e-8 },
    ],
    [
      'near the upper bounds',
      { lengthscales: new Float64Array([3.9, 3.5, 3.8]), outputScale: 19, noise: 9e-4 },
    ],
    ['mixed', { lengthscales: new Float64Array([0.05, 3.9, 0.3]), outputScale: 7, noise: 2e-6 }],
  ];
  it.each(cases)('gradient of the log marginal likelihood matches central differences (%s)', (_, h) => {
    expect(h.noise).toBeGreaterThan(lo.noise[0]);
    const gp = fitGp(x, y, { fixed: HYPER });
    const ys = gp.yStandardized;
    const theta = thetaOf(h, d);
    const grad = new Float64Array(d + 2);
    const ml = new MarginalLikelihood(x, ys, n, d);
    const f0 = ml.evaluate(theta, grad);
    expect(Number.isFinite(f0)).toBe(true);
    // Value with and without the gradient request agree.
    expect(ml.evaluate(theta, null)).toBe(f0);
    // Fourth-order central differences: (−f(+2h) + 8 f(+h) − 8 f(−h) + f(−2h)) / 12h.
    const step = 1e-4;
    const at = (p: number, k: number): number => {
      const t = theta.slice();
      t[p] += k * step;
      return ml.evaluate(t, null);
    };
    let worst = 0;
    for (let p = 0; p < d + 2; p++) {
      const fd = (-at(p, 2) + 8 * at(p, 1) - 8 * at(p, -1) + at(p, -2)) / (12 * step);
      const err = Math.abs(fd - grad[p]) / Math.max(1, Math.abs(grad[p]));
      worst = Math.max(worst, err);
    }
    console.log(`LML gradient vs central differences (${_}): max rel error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('log marginal likelihood in higher dimensions (four-dimension passes)', () => {
  it.each([4, 7, 18])('matches the model and central differences, d = %i', (d) => {
    const rng = new Rng(50 + d);
    const n = 25;
    const x = randomPoints(n, d, rng);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = Math.sin(4 * x[i * d]) + x[i * d + d - 1] + 0.01 * rng.normal();
    const h: GpHyperparameters = {
      lengthscales: Array.from({ length: d }, () => 0.3 + 2 * rng.next()),
      outputScale: 1.1,
      noise: 1e-4,
    };
    const gp = fitGp(x, y, { fixed: h });
    const theta = thetaOf(h, d);
    const grad = new Float64Array(d + 2);
    const ml = new MarginalLikelihood(x, gp.yStandardized, n, d);
    const f0 = ml.evaluate(theta, grad);
    expect(Math.abs(f0 - gp.logMarginalLikelihood)).toBeLessThan(1e-10 * Math.abs(f0));
    const step = 1e-4;
    const at = (p: number, k: number): number => {
      const t = theta.slice();
      t[p] += k * step;
      return ml.evaluate(t, null);
    };
    for (let p = 0; p < d + 2; p++) {
      const fd = (-at(p, 2) + 8 * at(p, 1) - 8 * at(p, -1) + at(p, -2)) / (12 * step);
      expect(Math.abs(fd - grad[p])).toBeLessThan(1e-6 * Math.max(1, Math.abs(grad[p])));
    }
  });
});

describe('fitGp: hyperparameter fitting', () => {
  it('finds the one relevant dimension among four', () => {
    const rng = new Rng(21);
    const n = 60;
    const d = 4;
    const x = randomPoints(n, d, rng);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = Math.sin(6 * x[i * d]) + 0.5 * x[i * d] + 0.001 * rng.normal();
    const gp = fitGp(x, y, { seed: 1 });
    const ls = gp.hyper.lengthscales;
    console.log(
      `lengthscales (x1 relevant): ${Array.from(ls, (v) => v.toFixed(3)).join(', ')}, σ² ${gp.hyper.outputScale.toFixed(3)}, noise ${gp.hyper.noise.toExponential(2)}`,
    );
    for (let j = 1; j < d; j++) expect(ls[j]).toBeGreaterThan(5 * ls[0]);
    expect(ls[0]).toBeLessThan(1);
    expect(gp.fit).not.toBeNull();
    const fit = gp.fit!;
    expect(fit.runs.length).toBe(3);
    expect(fit.fellBack).toBe(false);
    for (const r of fit.runs)
      if (Number.isFinite(r.objective)) expect(fit.runs[fit.best].objective).toBeLessThanOrEqual(r.objective);
    // Within the bounds.
    for (let j = 0; j < d; j++) {
      expect(ls[j]).toBeGreaterThanOrEqual(DEFAULT_GP_BOUNDS.lengthscale[0] * (1 - 1e-12));
      expect(ls[j]).toBeLessThanOrEqual(DEFAULT_GP_BOUNDS.lengthscale[1] * (1 + 1e-12));
    }
    // Generalizes along x1.
    const xs = randomPoints(50, d, rng);
    const pred = gp.predict(xs);
    let err = 0;
    for (let c = 0; c < 50; c++)
      err = Math.max(err, Math.abs(pred.mean[c] - (Math.sin(6 * xs[c * d]) + 0.5 * xs[c * d])));
    expect(err).toBeLessThan(0.1);
  });

  it('interpolates noise-free data', () => {
    const rng = new Rng(22);
    const n = 25;
    const d = 2;
    const x = randomPoints(n, d, rng);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++)
      y[i] = 10 * Math.exp(-((x[2 * i] - 0.3) ** 2) * 4) * Math.cos(3 * x[2 * i + 1]);
    const gp = fitGp(x, y, { seed: 3 });
    const pred = gp.predict(x);
    const v = gp.yStd * gp.yStd;
    let meanErr = 0;
    let maxVar = 0;
    for (let i = 0; i < n; i++) {
      meanErr = Math.max(meanErr, Math.abs(pred.mean[i] - y[i]));
      maxVar = Math.max(maxVar, pred.variance[i]);
    }
    console.log(
      `interpolation: max |mean − y| ${meanErr.toExponential(2)} (std ${gp.yStd.toFixed(2)}), max variance ${maxVar.toExponential(2)}, noise ${gp.hyper.noise.toExponential(2)}`,
    );
    expect(meanErr).toBeLessThan(1e-2 * gp.yStd);
    expect(maxVar).toBeLessThan(2e-3 * v);
    expect(gp.hyper.noise).toBeLessThan(1e-4);
  });

  it('is deterministic per seed; warm start and fixed reproduce the fit', () => {
    const rng = new Rng(23);
    const n = 30;
    const d = 3;
    const x = randomPoints(n, d, rng);
    const y = testFunction(x, n, d);
    const a = fitGp(x, y, { seed: 5 });
    const b = fitGp(x, y, { seed: 5 });
    expect(Array.from(a.hyper.lengthscales)).toEqual(Array.from(b.hyper.lengthscales));
    expect(a.hyper.outputScale).toBe(b.hyper.outputScale);
    expect(a.hyper.noise).toBe(b.hyper.noise);
    expect(a.logMarginalLikelihood).toBe(b.logMarginalLikelihood);
    // A warm start from the optimum stays there (one run).
    const w = fitGp(x, y, { init: a.hyper, restarts: 1 });
    expect(w.fit!.runs.length).toBe(1);
    expect(w.fit!.runs[0].objective).toBeLessThanOrEqual(a.fit!.runs[a.fit!.best].objective + 1e-9);
    expect(w.fit!.runs[0].iterations).toBeLessThan(10);
    const f = fitGp(x, y, { fixed: a.hyper });
    expect(f.logMarginalLikelihood).toBe(a.logMarginalLikelihood);
  });

  it('handles constant observations (std 1) and a single observation', () => {
    const rng = new Rng(24);
    const x = randomPoints(10, 2, rng);
    const y = new Float64Array(10).fill(5);
    const gp = fitGp(x, y, { restarts: 2 });
    expect(gp.yStd).toBe(1);
    expect(gp.yMean).toBe(5);
    const pred = gp.predict(randomPoints(5, 2, rng));
    for (const m of pred.mean) expect(m).toBeCloseTo(5, 6);
    for (const v of pred.variance) expect(Number.isFinite(v) && v >= 0).toBe(true);
    const one = fitGp(new Float64Array([0.5, 0.5]), [2], { restarts: 1 });
    expect(one.yStd).toBe(1);
    expect(one.predictMean(new Float64Array([0.5, 0.5]))[0]).toBeCloseTo(2, 3);
  });

  it('supports the Gamma prior, no prior and custom bounds', () => {
    const rng = new Rng(25);
    const x = randomPoints(20, 2, rng);
    const y = testFunction(x, 20, 2);
    const g = fitGp(x, y, { lengthscalePrior: { kind: 'gamma', concentration: 3, rate: 6 } });
    const nop = fitGp(x, y, { lengthscalePrior: { kind: 'none' } });
    expect(nop.logPrior).toBe(0);
    expect(g.logPrior).not.toBe(0);
    // Without a prior the fit maximizes the likelihood itself: at least as high as with one.
    expect(nop.logMarginalLikelihood).toBeGreaterThanOrEqual(g.logMarginalLikelihood - 1e-6);
    const b = fitGp(x, y, { bounds: { noise: [1e-3, 1e-2], lengthscale: [0.5, 0.6] } });
    expect(b.hyper.noise).toBeGreaterThanOrEqual(1e-3 * (1 - 1e-12));
    for (const l of b.hyper.lengthscales) expect(l).toBeGreaterThanOrEqual(0.5 * (1 - 1e-12));
    for (const l of b.hyper.lengthscales) expect(l).toBeLessThanOrEqual(0.6 * (1 + 1e-12));
  });

  it.each<[string, LengthscalePrior]>([
    ['lognormal', { kind: 'lognormal', loc: 2, scale: Math.sqrt(3) }],
    ['gamma', { kind: 'gamma', concentration: 3, rate: 6 }],
  ])('the %s lengthscale prior has the gradient of its value', (_, prior) => {
    const theta = new Float64Array([Math.log(0.2), Math.log(1.5), Math.log(3.9), 0.3, -9]);
    const grad = new Float64Array(5);
    const v = lengthscaleLogPrior(prior, theta, 3, grad);
    expect(grad[3]).toBe(0);
    expect(grad[4]).toBe(0);
    for (let p = 0; p < 3; p++) {
      const tp = theta.slice();
      const tm = theta.slice();
      tp[p] += 1e-6;
      tm[p] -= 1e-6;
      const fd = (lengthscaleLogPrior(prior, tp, 3, null) - lengthscaleLogPrior(prior, tm, 3, null)) / 2e-6;
      expect(Math.abs(fd - grad[p])).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
    }
    expect(Number.isFinite(v)).toBe(true);
    expect(lengthscaleLogPrior({ kind: 'none' }, theta, 3, grad)).toBe(0);
  });

  it('fits on a subset (fitOn) and builds the model on all points', () => {
    const rng = new Rng(26);
    const n = 60;
    const d = 4;
    const x = randomPoints(n, d, rng);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = Math.sin(6 * x[i * d]) + 0.001 * rng.normal();
    const idx = Array.from({ length: 30 }, (_, t) => 2 * t);
    const gp = fitGp(x, y, { fitOn: idx, seed: 1 });
    expect(gp.n).toBe(n);
    const ls = gp.hyper.lengthscales;
    for (let j = 1; j < d; j++) expect(ls[j]).toBeGreaterThan(3 * ls[0]);
    // The same as fitting the subset alone with the standardization of all the data.
    const xs = new Float64Array(30 * d);
    const ys = new Float64Array(30);
    idx.forEach((i, t) => {
      xs.set(x.subarray(i * d, (i + 1) * d), t * d);
      ys[t] = y[i];
    });
    const alone = fitGp(xs, ys, { seed: 1, standardize: { mean: gp.yMean, std: gp.yStd } });
    expect(Array.from(alone.hyper.lengthscales)).toEqual(Array.from(ls));
    expect(() => fitGp(x, y, { fitOn: [0, 60] })).toThrow(ValidationError);
    expect(() => fitGp(x, y, { fitOn: [] })).toThrow(ValidationError);
  });

  it('copes with duplicated inputs: jitter in the final factor, NaN (never a throw) inside the fit', () => {
    const rng = new Rng(27);
    const d = 2;
    const base = randomPoints(10, d, rng);
    const x = new Float64Array(40 * d);
    for (let r = 0; r < 4; r++) x.set(base, r * 10 * d);
    const y = new Float64Array(40);
    for (let i = 0; i < 40; i++) y[i] = x[i * d] + 0.3 * x[i * d + 1];
    // Long lengthscales and no noise to speak of: K̂ is numerically singular.
    const gp = fitGp(x, y, { fixed: { lengthscales: [4, 4], outputScale: 1, noise: 1e-300 } });
    expect(gp.jitter).toBeGreaterThan(0);
    for (const v of gp.noiseDiag) expect(v).toBe(1e-300 + gp.jitter);
    const p = gp.predict(base);
    for (let i = 0; i < 10; i++) expect(p.mean[i]).toBeCloseTo(y[i], 3);
    const ml = new MarginalLikelihood(x, gp.yStandardized, 40, d);
    expect(ml.evaluate([Math.log(4), Math.log(4), 0, Number.NaN], null)).toBeNaN();
    expect(ml.evaluate([Math.log(4), Math.log(4), 0, Math.log(1e-300)], new Float64Array(4))).toBeNaN();
    // Fitting on such data works (the optimizer backs off from failed factorizations).
    const fitted = fitGp(x, y, { seed: 4, bounds: { noise: [1e-12, 1e-3] } });
    expect(fitted.fit!.fellBack).toBe(false);
    expect(Number.isFinite(fitted.logMarginalLikelihood)).toBe(true);
  });

  it('θ ↔ hyperparameters round trip', () => {
    const t = thetaOf(HYPER, 3);
    const h = hyperOf(t, 3);
    for (let j = 0; j < 3; j++) expect(h.lengthscales[j]).toBeCloseTo(HYPER.lengthscales[j], 14);
    expect(h.outputScale).toBeCloseTo(HYPER.outputScale, 14);
    expect(h.noise).toBeCloseTo(HYPER.noise, 16);
  });

  it('rejects malformed input', () => {
    const x = new Float64Array(6);
    expect(() => fitGp(x, [1, 2, 3, 4])).toThrow(ValidationError);
    expect(() => fitGp(x, [1, Number.NaN, 3])).toThrow(ValidationError);
    expect(() => fitGp(x, [])).toThrow(ValidationError);
    expect(() => fitGp(x, [1, 2, 3], { fixed: { lengthscales: [1], outputScale: 1, noise: 1e-4 } })).toThrow(
      ValidationError,
    );
    expect(() => fitGp(x, [1, 2, 3], { restarts: 0 })).toThrow(ValidationError);
    expect(() => fitGp(x, [1, 2, 3], { bounds: { noise: [0, 1] } })).toThrow(ValidationError);
  });
});

describe('Gp.condition', () => {
  const rng = new Rng(31);
  const d = 3;
  const x = randomPoints(25, d, rng);
  const y = testFunction(x, 25, d);
  const xNew = randomPoints(6, d, rng);
  const yNew = testFunction(xNew, 6, d);
  const xs = randomPoints(30, d, rng);

  it('equals a model built on all the data with the same hyperparameters and standardization', () => {
    const gp = fitGp(x, y, { seed: 2 });
    // One at a time and all at once.
    let inc = gp;
    for (let t = 0; t < 6; t++) inc = inc.condition(xNew.subarray(t * d, (t + 1) * d), [yNew[t]]);
    const batch = gp.condition(xNew, yNew);
    const xAll = new Float64Array(31 * d);
    xAll.set(x);
    xAll.set(xNew, 25 * d);
    const yAll = new Float64Array(31);
    yAll.set(y);
    yAll.set(yNew, 25);
    const full = fitGp(xAll, yAll, { fixed: gp.hyper, standardize: { mean: gp.yMean, std: gp.yStd } });
    expect(inc.n).toBe(31);
    const scale = gp.yStd * gp.yStd * gp.hyper.outputScale;
    const ref = full.predict(xs);
    let meanErr = 0;
    let varErr = 0;
    for (const model of [inc, batch]) {
      const p = model.predict(xs);
      for (let c = 0; c < 30; c++) {
        meanErr = Math.max(meanErr, Math.abs(p.mean[c] - ref.mean[c]) / Math.max(1, Math.abs(ref.mean[c])));
        varErr = Math.max(varErr, Math.abs(p.variance[c] - ref.variance[c]) / scale);
      }
      expect(Math.abs(model.logMarginalLikelihood - full.logMarginalLikelihood)).toBeLessThan(
        1e-8 * Math.abs(full.logMarginalLikelihood),
      );
    }
    console.log(
      `condition vs refit: max rel mean error ${meanErr.toExponential(2)}, variance ${varErr.toExponential(2)}`,
    );
    expect(meanErr).toBeLessThan(1e-8);
    expect(varErr).toBeLessThan(1e-8);
    // The parent is unchanged.
    expect(gp.n).toBe(25);
    expect(gp.L.length).toBe(25 * 25);
  });

  it('kriging believer: conditioning on the posterior mean keeps the mean and shrinks the variance', () => {
    const gp = fitGp(x, y, { seed: 2 });
    const fant = gp.conditionOnMean(xNew);
    const before = gp.predict(xs);
    const after = fant.predict(xs);
    for (let c = 0; c < 30; c++) {
      expect(Math.abs(after.mean[c] - before.mean[c])).toBeLessThan(
        1e-8 * Math.max(1, Math.abs(before.mean[c])),
      );
      expect(after.variance[c]).toBeLessThanOrEqual(before.variance[c] * (1 + 1e-10) + 1e-14);
    }
    const atPending = fant.predict(xNew);
    for (let t = 0; t < 6; t++) expect(atPending.variance[t]).toBeLessThan(1e-2 * gp.yStd * gp.yStd);
  });

  it('survives a duplicate of a training point with tiny noise', () => {
    const gp = fitGp(x, y, { fixed: { lengthscales: [0.5, 0.5, 0.5], outputScale: 1, noise: 1e-8 } });
    const dup = gp.condition(x.subarray(0, 2 * d), [y[0], y[1]]).condition(x.subarray(0, d), [y[0]]);
    expect(dup.n).toBe(28);
    const p = dup.predict(x.subarray(0, 3 * d));
    for (let i = 0; i < 3; i++) expect(p.mean[i]).toBeCloseTo(y[i], 4);
    for (const v of dup.noiseDiag) expect(v).toBeGreaterThanOrEqual(1e-8);
    // Without noise a duplicate cannot be appended as is: it gets its own diagonal jitter.
    const exact = fitGp(x, y, { fixed: { lengthscales: [0.5, 0.5, 0.5], outputScale: 1, noise: 1e-300 } });
    const again = exact.condition(x.subarray(0, d), [y[0]]);
    expect(again.noiseDiag[25]).toBeGreaterThan(1e-12);
    for (let i = 0; i < 25; i++) expect(again.noiseDiag[i]).toBe(exact.noiseDiag[i]);
    const q = again.predict(x.subarray(0, 3 * d));
    for (let i = 0; i < 3; i++) expect(q.mean[i]).toBeCloseTo(y[i], 4);
  });
});
