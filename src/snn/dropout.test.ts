import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { Dropout, type DropoutOptions } from './dropout.ts';
import type { PassContext } from './layer.ts';
import { type DenseActivations, indexSpikes, type SpikeActivations } from './tensor.ts';
import { checkLayer, dense } from './testing/gradcheck.ts';

const train =
  (T: number, B: number, seed = 7) =>
  (): PassContext => ({ T, B, training: true, rng: new Rng(seed) });
const evalCtx = (T: number, B: number): PassContext => ({ T, B, training: false, rng: new Rng(1) });

function randomDense(rows: number, cols: number, seed: number): DenseActivations {
  const r = new Rng(seed);
  return dense(
    rows,
    cols,
    Array.from({ length: rows * cols }, () => r.normal()),
  );
}

function randomSpikes(rows: number, cols: number, density: number, seed: number): SpikeActivations {
  const r = new Rng(seed);
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = r.next() < density ? 1 : 0;
  const { rowPtr, colIdx } = indexSpikes(values, rows, cols, undefined, undefined);
  return { kind: 'spikes', rows, cols, values, rowPtr, colIdx };
}

describe('Dropout', () => {
  it('uses one mask per sample for all time steps, scales survivors by 1/(1-p)', () => {
    const T = 5;
    const B = 4;
    const size = 60;
    const p = 0.4;
    const drop = new Dropout({ shape: [3, 4, 5], p });
    const ones = dense(T * B, size, new Array(T * B * size).fill(1));
    const y = drop.forward(ones, train(T, B)()).values;
    const mask = drop.lastMask() as Float32Array;
    expect(mask.length).toBe(B * size);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < size; i++) expect(y[(t * B + b) * size + i]).toBe(mask[b * size + i]);
      }
    }
    for (const v of mask) expect(v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-6).toBe(true);
    // Different samples get different masks.
    let differ = 0;
    for (let i = 0; i < size; i++) if (mask[i] !== mask[size + i]) differ++;
    expect(differ).toBeGreaterThan(0);
  });

  it('drops a fraction p of the units and keeps the expectation', () => {
    for (const p of [0.1, 0.5, 0.8]) {
      const drop = new Dropout({ shape: [1000], p });
      const B = 64;
      const x = dense(2 * B, 1000, new Array(2 * B * 1000).fill(1));
      const y = drop.forward(x, train(2, B, 3)()).values;
      let zeros = 0;
      let sum = 0;
      for (const v of y) {
        if (v === 0) zeros++;
        sum += v;
      }
      expect(Math.abs(zeros / y.length - p)).toBeLessThan(0.01);
      expect(Math.abs(sum / y.length - 1)).toBeLessThan(0.05);
    }
  });

  it('is the identity in eval mode and with p = 0 (spikes stay spikes)', () => {
    const drop = new Dropout({ shape: [20], p: 0.5 });
    const xs = randomSpikes(6, 20, 0.3, 1);
    expect(drop.forward(xs, evalCtx(2, 3))).toBe(xs);
    const dy = Float32Array.from({ length: 120 }, (_, i) => i);
    expect(drop.backward(dy, true, evalCtx(2, 3))).toBe(dy);
    const xd = randomDense(6, 20, 2);
    expect(drop.forward(xd, evalCtx(2, 3))).toBe(xd);

    const none = new Dropout({ shape: [20], p: 0 });
    expect(none.forward(xs, train(2, 3)())).toBe(xs);
    expect(none.backward(dy, true, train(2, 3)())).toBe(dy);
    expect(none.backward(dy, false, train(2, 3)())).toBeNull();
  });

  it('turns spikes into scaled dense values in training, same as the dense path', () => {
    const drop = new Dropout({ shape: [2, 3, 5], p: 0.3 });
    const xs = randomSpikes(8, 30, 0.4, 4);
    const ys = drop.forward(xs, train(4, 2)());
    expect(ys.kind).toBe('dense');
    const vs = Float32Array.from(ys.values);
    const yd = drop.forward({ kind: 'dense', rows: 8, cols: 30, values: xs.values }, train(4, 2)());
    expect(Array.from(vs)).toEqual(Array.from(yd.values));
  });

  it('backward multiplies by the same mask and matches finite differences', () => {
    const T = 3;
    const B = 4;
    const drop = new Dropout({ shape: [25], p: 0.35 });
    const x = randomDense(T * B, 25, 5);
    const res = checkLayer(drop, x, train(T, B), { eps: 1e-2, samples: 300, checkInput: true });
    expect(res.maxRelError, res.worst).toBeLessThan(1e-2);

    drop.forward(x, train(T, B)());
    const mask = Float32Array.from(drop.lastMask() as Float32Array);
    const dy = Float32Array.from({ length: T * B * 25 }, (_, i) => Math.cos(i));
    const dx = drop.backward(dy, true, train(T, B)()) as Float32Array;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < 25; i++) {
          const k = (t * B + b) * 25 + i;
          expect(dx[k]).toBeCloseTo(dy[k] * mask[b * 25 + i], 6);
        }
      }
    }
    expect(drop.backward(dy, false, train(T, B)())).toBeNull();
  });

  it('validation errors name the field and the value', () => {
    const expectError = (opts: DropoutOptions, field: string, value: string): void => {
      let err: unknown;
      try {
        new Dropout(opts);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
      expect((err as ValidationError).message).toContain(value);
    };
    expectError({ shape: [10], p: 1 }, 'p', '1');
    expectError({ shape: [10], p: -0.1 }, 'p', '-0.1');
    expectError({ shape: [10], p: Number.NaN }, 'p', 'NaN');
    expectError({ shape: [0] as never, p: 0.5 }, 'shape', '[0]');
    expectError({ shape: [2, 3] as never, p: 0.5 }, 'shape', '[2,3]');
    const drop = new Dropout({ shape: [10], p: 0.5 });
    expect(() => drop.forward(randomDense(5, 10, 1), train(2, 3)())).toThrow(/input rows: 5/);
    expect(() => drop.forward(randomDense(6, 9, 1), train(2, 3)())).toThrow(/input cols: 9/);
  });
});
