import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import {
  crossKernelRowT,
  expNeg,
  type MaternParams,
  matern52,
  maternCrossKernel,
  maternDiagonal,
  maternGradientTraces,
  maternKernelDerivative,
  maternKernelMatrix,
  scaleInputs,
  scaleInputsTransposed,
} from './kernel.ts';

function randomPoints(n: number, d: number, rng: Rng): Float64Array {
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  return x;
}

/** The kernel straight from its definition, for one pair of points. */
function reference(
  a: Float64Array,
  ia: number,
  b: Float64Array,
  ib: number,
  d: number,
  p: MaternParams,
): number {
  let r2 = 0;
  for (let j = 0; j < d; j++) {
    const t = (a[ia * d + j] - b[ib * d + j]) / p.lengthscales[j];
    r2 += t * t;
  }
  const r = Math.sqrt(r2);
  return p.outputScale * (1 + Math.sqrt(5) * r + (5 / 3) * r * r) * Math.exp(-Math.sqrt(5) * r);
}

const params: MaternParams = { lengthscales: [0.3, 1.7, 0.05], outputScale: 2.5 };

describe('Matérn-5/2 kernel', () => {
  it('matern52 at 0 and in the tail', () => {
    expect(matern52(0, 3)).toBe(3);
    const r = 2;
    expect(matern52(r, 1)).toBeCloseTo(
      (1 + Math.sqrt(5) * r + (5 / 3) * r * r) * Math.exp(-Math.sqrt(5) * r),
      15,
    );
  });

  it('kernel matrix equals a plain double loop, and is symmetric with diagonal σ²', () => {
    const rng = new Rng(1);
    const n = 25;
    const d = 3;
    const x = randomPoints(n, d, rng);
    const k = maternKernelMatrix(x, n, d, params);
    let err = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < n; c++) {
        err = Math.max(err, Math.abs(k[i * n + c] - reference(x, i, x, c, d, params)));
        expect(k[i * n + c]).toBe(k[c * n + i]);
      }
      expect(k[i * n + i]).toBe(params.outputScale);
    }
    expect(err).toBeLessThan(1e-14);
    const diag = maternDiagonal(n, params);
    for (let i = 0; i < n; i++) expect(diag[i]).toBe(params.outputScale);
  });

  it('cross-covariance equals a plain double loop and K(X, X) when A = B', () => {
    const rng = new Rng(2);
    const d = 3;
    const a = randomPoints(7, d, rng);
    const b = randomPoints(11, d, rng);
    const k = maternCrossKernel(a, 7, b, 11, d, params);
    let err = 0;
    for (let i = 0; i < 7; i++) {
      for (let c = 0; c < 11; c++)
        err = Math.max(err, Math.abs(k[i * 11 + c] - reference(a, i, b, c, d, params)));
    }
    expect(err).toBeLessThan(1e-14);
    const kk = maternCrossKernel(a, 7, a, 7, d, params);
    const km = maternKernelMatrix(a, 7, d, params);
    for (let i = 0; i < 49; i++) expect(kk[i]).toBeCloseTo(km[i], 14);
  });

  it('expNeg agrees with Math.exp to a few ulp', () => {
    const rng = new Rng(9);
    let err = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = rng.next() * 80;
      err = Math.max(err, Math.abs(expNeg(x) / Math.exp(-x) - 1));
    }
    for (const x of [0, 1 / 32, 63.999, 64, 700]) err = Math.max(err, Math.abs(expNeg(x) / Math.exp(-x) - 1));
    expect(err).toBeLessThan(1e-15);
    expect(expNeg(0)).toBe(1);
    expect(expNeg(Infinity)).toBe(0);
  });

  it('crossKernelRowT (transposed layout) equals the cross-covariance', () => {
    const rng = new Rng(5);
    for (const d of [1, 3, 4, 7, 18]) {
      const ls = Array.from({ length: d }, () => 0.2 + rng.next());
      const p = { lengthscales: ls, outputScale: 1.7 };
      const a = randomPoints(5, d, rng);
      const b = randomPoints(13, d, rng);
      const ref = maternCrossKernel(a, 5, b, 13, d, p);
      const sa = scaleInputs(a, 5, d, ls);
      const sbT = scaleInputsTransposed(b, 13, d, ls);
      const row = new Float64Array(13);
      for (let i = 0; i < 5; i++) {
        crossKernelRowT(sa, i * d, sbT, 13, d, 1.7, row);
        for (let c = 0; c < 13; c++) expect(Math.abs(row[c] - ref[i * 13 + c])).toBeLessThan(1e-14);
      }
    }
  });

  it('derivatives w.r.t. each log-hyperparameter match central finite differences', () => {
    const rng = new Rng(3);
    const n = 12;
    const d = 3;
    const x = randomPoints(n, d, rng);
    const h = 1e-5;
    const theta = [Math.log(0.3), Math.log(0.8), Math.log(0.45), Math.log(1.3)];
    const at = (t: number[]): MaternParams => ({
      lengthscales: t.slice(0, d).map(Math.exp),
      outputScale: Math.exp(t[d]),
    });
    for (let p = 0; p <= d; p++) {
      const dk = maternKernelDerivative(x, n, d, at(theta), p);
      const tp = theta.slice();
      const tm = theta.slice();
      tp[p] += h;
      tm[p] -= h;
      const kp = maternKernelMatrix(x, n, d, at(tp));
      const km = maternKernelMatrix(x, n, d, at(tm));
      let err = 0;
      let scale = 0;
      for (let i = 0; i < n * n; i++) {
        const fd = (kp[i] - km[i]) / (2 * h);
        err = Math.max(err, Math.abs(fd - dk[i]));
        scale = Math.max(scale, Math.abs(dk[i]));
      }
      expect(scale).toBeGreaterThan(1e-3);
      expect(err / scale).toBeLessThan(1e-8);
    }
  });

  it.each([1, 3, 4, 7, 18])(
    'gradient traces equal Σ W ∘ ∂K/∂θ_p from the full derivative matrices, d = %i',
    (d) => {
      const rng = new Rng(4 + d);
      const n = 20;
      const x = randomPoints(n, d, rng);
      const params: MaternParams = {
        lengthscales: Array.from({ length: d }, () => 0.2 + 2 * rng.next()),
        outputScale: 2.5,
      };
      const w = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c <= i; c++) {
          const v = rng.normal();
          w[i * n + c] = v;
          w[c * n + i] = v;
        }
      }
      const traces = maternGradientTraces(x, n, d, params, w);
      for (let p = 0; p <= d; p++) {
        const dk = maternKernelDerivative(x, n, d, params, p);
        let ref = 0;
        for (let i = 0; i < n * n; i++) ref += w[i] * dk[i];
        expect(Math.abs(traces[p] - ref)).toBeLessThan(1e-12 * Math.max(1, Math.abs(ref)));
      }
    },
  );

  it('is smooth at coincident points (no 1/r in the lengthscale derivative)', () => {
    const x = new Float64Array([0.2, 0.4, 0.2, 0.4]);
    const dk = maternKernelDerivative(x, 2, 2, { lengthscales: [0.5, 0.5], outputScale: 1 }, 0);
    for (const v of dk) expect(v).toBe(0);
  });

  it('rejects bad hyperparameters and shapes', () => {
    const x = new Float64Array(6);
    expect(() => maternKernelMatrix(x, 3, 2, { lengthscales: [1, 0], outputScale: 1 })).toThrow(
      ValidationError,
    );
    expect(() => maternKernelMatrix(x, 3, 2, { lengthscales: [1], outputScale: 1 })).toThrow(ValidationError);
    expect(() => maternKernelMatrix(x, 3, 2, { lengthscales: [1, 1], outputScale: 0 })).toThrow(
      ValidationError,
    );
    expect(() => maternKernelMatrix(x, 4, 2, { lengthscales: [1, 1], outputScale: 1 })).toThrow(
      ValidationError,
    );
  });
});
