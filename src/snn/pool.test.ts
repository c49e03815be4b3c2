import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { PassContext } from './layer.ts';
import { Pool2d, type Pool2dOptions } from './pool.ts';
import { poolOutShape } from './shape.ts';
import { type DenseActivations, indexSpikes, type SpikeActivations } from './tensor.ts';
import { checkLayer, dense } from './testing/gradcheck.ts';

const ctx = (): PassContext => ({ T: 2, B: 3, training: true, rng: new Rng(99) });

function randomSpikes(rows: number, cols: number, density: number, seed: number): SpikeActivations {
  const r = new Rng(seed);
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = r.next() < density ? 1 : 0;
  const { rowPtr, colIdx } = indexSpikes(values, rows, cols, undefined, undefined);
  return { kind: 'spikes', rows, cols, values, rowPtr, colIdx };
}

/** Dense input whose values are distinct and at least 0.05 apart (stable arg-max under ±1e-2). */
function distinctDense(rows: number, cols: number, seed: number): DenseActivations {
  const r = new Rng(seed);
  const v = r.shuffle(Array.from({ length: rows * cols }, (_, i) => (i - (rows * cols) / 2) * 0.05));
  return dense(rows, cols, v);
}

/** Plain reference pooling (float64): max or mean over each window, plus the first arg-max. */
function naivePool(
  x: Float32Array,
  rows: number,
  [C, H, W]: readonly [number, number, number],
  mode: 'max' | 'avg',
  k: number,
  s: number,
): { out: Float64Array; arg: Int32Array } {
  const Ho = Math.floor((H - k) / s) + 1;
  const Wo = Math.floor((W - k) / s) + 1;
  const out = new Float64Array(rows * C * Ho * Wo);
  const arg = new Int32Array(out.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          let best = -Infinity;
          let bi = -1;
          let sum = 0;
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              const i = (c * H + oy * s + ky) * W + ox * s + kx;
              const v = x[r * C * H * W + i];
              sum += v;
              if (v > best) {
                best = v;
                bi = i;
              }
            }
          }
          const o = r * C * Ho * Wo + (c * Ho + oy) * Wo + ox;
          out[o] = mode === 'max' ? best : sum / (k * k);
          arg[o] = bi;
        }
      }
    }
  }
  return { out, arg };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const configs: readonly Omit<Pool2dOptions, 'mode'>[] = [
  { inShape: [1, 4, 4], size: 2 },
  { inShape: [3, 7, 5], size: 2 },
  { inShape: [2, 9, 6], size: 3, stride: 2 },
  { inShape: [2, 6, 8], size: 2, stride: 1 },
  { inShape: [4, 5, 7], size: 3 },
];

describe('Pool2d', () => {
  it('computes output shapes (floor mode, stride defaults to size)', () => {
    expect(new Pool2d({ inShape: [12, 24, 24], mode: 'max', size: 2 }).outShape).toEqual([12, 12, 12]);
    expect(new Pool2d({ inShape: [3, 7, 5], mode: 'avg', size: 2 }).outShape).toEqual([3, 3, 2]);
    expect(poolOutShape([2, 9, 6], 3, 2)).toEqual([2, 4, 2]);
    expect(new Pool2d({ inShape: [1, 4, 4], mode: 'max', size: 2 }).params()).toEqual([]);
  });

  for (const cfg of configs) {
    const label = JSON.stringify(cfg);
    const [C, H, W] = cfg.inShape;
    const inCols = C * H * W;
    const stride = cfg.stride ?? cfg.size;

    for (const mode of ['max', 'avg'] as const) {
      it(`${mode} of dense input matches a naive reference ${label}`, () => {
        const pool = new Pool2d({ ...cfg, mode });
        const x = distinctDense(5, inCols, 1);
        const y = pool.forward(x, ctx());
        expect(y.kind).toBe('dense');
        const ref = naivePool(x.values, 5, cfg.inShape, mode, cfg.size, stride);
        expect(maxAbsDiff(y.values, ref.out)).toBeLessThan(1e-5);
      });

      it(`${mode} gradients match finite differences ${label}`, () => {
        const pool = new Pool2d({ ...cfg, mode });
        const x = distinctDense(6, inCols, 2);
        const res = checkLayer(pool, x, ctx, { eps: 1e-2, samples: 80, checkInput: true });
        expect(res.maxRelError, res.worst).toBeLessThan(1e-2);
      });
    }

    it(`max of spikes is an OR, keeps kind 'spikes' and a correct CSR ${label}`, () => {
      const pool = new Pool2d({ ...cfg, mode: 'max' });
      const xs = randomSpikes(7, inCols, 0.2, 3);
      const y = pool.forward(xs, ctx());
      expect(y.kind).toBe('spikes');
      if (y.kind !== 'spikes') return;
      const ref = naivePool(xs.values, 7, cfg.inShape, 'max', cfg.size, stride);
      expect(Array.from(y.values)).toEqual(Array.from(ref.out));
      for (const v of y.values) expect(v === 0 || v === 1).toBe(true);
      const csr = indexSpikes(Float32Array.from(y.values), y.rows, y.cols, undefined, undefined);
      expect(Array.from(y.rowPtr)).toEqual(Array.from(csr.rowPtr));
      const nnz = y.rowPtr[y.rows];
      expect(Array.from(y.colIdx.subarray(0, nnz))).toEqual(Array.from(csr.colIdx.subarray(0, nnz)));
    });

    it(`spike and dense paths agree, backward routes to the first arg-max ${label}`, () => {
      const pool = new Pool2d({ ...cfg, mode: 'max' });
      const xs = randomSpikes(7, inCols, 0.3, 4);
      const xd: DenseActivations = { kind: 'dense', rows: 7, cols: inCols, values: xs.values };
      const outCols = pool.outShape[0] * pool.outShape[1] * pool.outShape[2];
      const r = new Rng(5);
      const dy = Float32Array.from({ length: 7 * outCols }, () => r.normal());
      const ys = Float32Array.from(pool.forward(xs, ctx()).values);
      const dxs = Float32Array.from(pool.backward(dy, true, ctx()) as Float32Array);
      const yd = Float32Array.from(pool.forward(xd, ctx()).values);
      const dxd = Float32Array.from(pool.backward(dy, true, ctx()) as Float32Array);
      expect(Array.from(ys)).toEqual(Array.from(yd));
      expect(maxAbsDiff(dxs, dxd)).toBeLessThan(1e-6);
      // Reference routing: dx[arg] += dy with arg the first maximum (ties included, e.g. all zeros).
      const { arg } = naivePool(xs.values, 7, cfg.inShape, 'max', cfg.size, stride);
      const ref = new Float64Array(7 * inCols);
      for (let row = 0; row < 7; row++) {
        for (let o = 0; o < outCols; o++) ref[row * inCols + arg[row * outCols + o]] += dy[row * outCols + o];
      }
      expect(maxAbsDiff(dxs, ref)).toBeLessThan(1e-5);
    });

    it(`avg of spikes is dense and equals the dense path ${label}`, () => {
      const pool = new Pool2d({ ...cfg, mode: 'avg' });
      const xs = randomSpikes(5, inCols, 0.3, 6);
      const y = pool.forward(xs, ctx());
      expect(y.kind).toBe('dense');
      const ref = naivePool(xs.values, 5, cfg.inShape, 'avg', cfg.size, stride);
      expect(maxAbsDiff(y.values, ref.out)).toBeLessThan(1e-6);
    });
  }

  it('routes the gradient to the first element on ties', () => {
    const pool = new Pool2d({ inShape: [1, 2, 4], mode: 'max', size: 2 });
    const x = dense(1, 8, [3, 3, 1, 5, 3, 3, 5, 5]);
    expect(Array.from(pool.forward(x, ctx()).values)).toEqual([3, 5]);
    const dx = pool.backward(Float32Array.from([1, 2]), true, ctx()) as Float32Array;
    expect(Array.from(dx)).toEqual([1, 0, 0, 2, 0, 0, 0, 0]);
    expect(pool.backward(Float32Array.from([1, 2]), false, ctx())).toBeNull();
  });

  it('validation errors name the field and the value', () => {
    const expectError = (opts: Pool2dOptions, field: string, value: string): void => {
      let err: unknown;
      try {
        new Pool2d(opts);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
      expect((err as ValidationError).message).toContain(value);
    };
    expectError({ inShape: [1, 4, 6], mode: 'max', size: 5 }, 'size', '5');
    expectError({ inShape: [1, 4, 6], mode: 'max', size: 0 }, 'size', '0');
    expectError({ inShape: [1, 4, 6], mode: 'max', size: 2, stride: 0 }, 'stride', '0');
    expectError({ inShape: [1, 4, 6], mode: 'sum' as never, size: 2 }, 'mode', '"sum"');
    expectError({ inShape: [1, 4] as never, mode: 'avg', size: 2 }, 'inShape', '[1,4]');
    const pool = new Pool2d({ inShape: [1, 4, 4], mode: 'max', size: 2 });
    expect(() => pool.forward(dense(1, 15, new Array(15).fill(0)), ctx())).toThrow(/input cols: 15/);
  });
});
