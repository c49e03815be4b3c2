import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { Conv2d, type Conv2dOptions } from './conv.ts';
import type { PassContext } from './layer.ts';
import { convOutShape } from './shape.ts';
import { type Activations, indexSpikes, type SpikeActivations } from './tensor.ts';
import { checkLayer, dense } from './testing/gradcheck.ts';

const ctx = (): PassContext => ({ T: 2, B: 3, training: true, rng: new Rng(99) });

function randomDense(rows: number, cols: number, seed: number): Activations {
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

/** Plain float64 reference: out[r,f,oy,ox] = b[f] + Σ w[f,c,ky,kx]·x[r,c,oy·s−p+ky,ox·s−p+kx]. */
function naiveConv(
  x: Float32Array,
  rows: number,
  [C, H, W]: readonly [number, number, number],
  w: Float32Array,
  b: Float32Array | null,
  F: number,
  K: number,
  S: number,
  P: number,
): Float64Array {
  const Ho = Math.floor((H + 2 * P - K) / S) + 1;
  const Wo = Math.floor((W + 2 * P - K) / S) + 1;
  const out = new Float64Array(rows * F * Ho * Wo);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < F; f++) {
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          let s = b === null ? 0 : b[f];
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < K; ky++) {
              for (let kx = 0; kx < K; kx++) {
                const iy = oy * S - P + ky;
                const ix = ox * S - P + kx;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                s += w[((f * C + c) * K + ky) * K + kx] * x[r * C * H * W + (c * H + iy) * W + ix];
              }
            }
          }
          out[r * F * Ho * Wo + (f * Ho + oy) * Wo + ox] = s;
        }
      }
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

type Config = Omit<Conv2dOptions, 'rng'>;
const configs: readonly Config[] = [
  { inShape: [1, 6, 6], filters: 2, kernel: 3 },
  { inShape: [3, 7, 5], filters: 4, kernel: 3, stride: 2, padding: 1 },
  { inShape: [2, 5, 8], filters: 3, kernel: 2, padding: 1 },
  { inShape: [2, 9, 6], filters: 3, kernel: 4, stride: 3, padding: 2, bias: false },
  { inShape: [4, 4, 4], filters: 5, kernel: 5, padding: 2, stride: 2 },
  { inShape: [3, 6, 7], filters: 2, kernel: 5, padding: 1 },
  { inShape: [2, 3, 4], filters: 2, kernel: 2, padding: 2 },
];

describe('Conv2d', () => {
  it('computes the output shape and names its params', () => {
    const conv = new Conv2d({
      inShape: [3, 28, 20],
      filters: 8,
      kernel: 5,
      stride: 2,
      padding: 1,
      rng: new Rng(1),
    });
    expect(conv.outShape).toEqual([8, 13, 9]);
    expect(convOutShape([3, 28, 20], 8, 5, 2, 1)).toEqual([8, 13, 9]);
    expect(conv.params().map((p) => [p.name, p.value.length])).toEqual([
      ['weight', 8 * 3 * 5 * 5],
      ['bias', 8],
    ]);
    const nb = new Conv2d({ inShape: [3, 28, 20], filters: 8, kernel: 5, bias: false, rng: new Rng(1) });
    expect(nb.params().map((p) => p.name)).toEqual(['weight']);
    expect(nb.outShape).toEqual([8, 24, 16]);
  });

  it('initialises like PyTorch: uniform in ±1/sqrt(fanIn), deterministic per seed', () => {
    const a = new Conv2d({ inShape: [4, 10, 10], filters: 16, kernel: 3, rng: new Rng(5) });
    const b = new Conv2d({ inShape: [4, 10, 10], filters: 16, kernel: 3, rng: new Rng(5) });
    const bound = 1 / Math.sqrt(4 * 3 * 3);
    for (const p of a.params()) {
      let lo = Infinity;
      let hi = -Infinity;
      let s = 0;
      for (const v of p.value) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        s += v;
      }
      expect(lo).toBeGreaterThanOrEqual(-bound);
      expect(hi).toBeLessThanOrEqual(bound);
      if (p.name === 'weight') {
        expect(hi).toBeGreaterThan(0.95 * bound);
        expect(lo).toBeLessThan(-0.95 * bound);
        expect(Math.abs(s / p.value.length)).toBeLessThan(0.05 * bound * 4);
      }
    }
    expect(a.params()[0].value).toEqual(b.params()[0].value);
    expect(a.params()[1].value).toEqual(b.params()[1].value);
  });

  for (const cfg of configs) {
    const label = JSON.stringify(cfg);

    it(`dense forward matches a naive reference ${label}`, () => {
      const conv = new Conv2d({ ...cfg, rng: new Rng(2) });
      const [C, H, W] = cfg.inShape;
      const x = randomDense(5, C * H * W, 3);
      const y = conv.forward(x, ctx());
      expect(y.kind).toBe('dense');
      expect(y.rows).toBe(5);
      expect(y.cols).toBe(conv.outShape[0] * conv.outShape[1] * conv.outShape[2]);
      const [w, b] = conv.params();
      const ref = naiveConv(
        x.values,
        5,
        cfg.inShape,
        w.value,
        cfg.bias === false ? null : b.value,
        cfg.filters,
        cfg.kernel,
        cfg.stride ?? 1,
        cfg.padding ?? 0,
      );
      expect(maxAbsDiff(y.values, ref)).toBeLessThan(1e-5);
    });

    it(`event-driven forward matches the reference and the dense path ${label}`, () => {
      const conv = new Conv2d({ ...cfg, rng: new Rng(4) });
      const [C, H, W] = cfg.inShape;
      const xs = randomSpikes(6, C * H * W, 0.3, 7);
      const ys = Float32Array.from(conv.forward(xs, ctx()).values);
      const [w, b] = conv.params();
      const ref = naiveConv(
        xs.values,
        6,
        cfg.inShape,
        w.value,
        cfg.bias === false ? null : b.value,
        cfg.filters,
        cfg.kernel,
        cfg.stride ?? 1,
        cfg.padding ?? 0,
      );
      expect(maxAbsDiff(ys, ref)).toBeLessThan(1e-5);
      const yd = conv.forward({ kind: 'dense', rows: 6, cols: xs.cols, values: xs.values }, ctx()).values;
      expect(maxAbsDiff(ys, yd)).toBeLessThan(1e-5);
    });

    it(`gradients match finite differences (params and input) ${label}`, () => {
      const conv = new Conv2d({ ...cfg, rng: new Rng(8) });
      const [C, H, W] = cfg.inShape;
      const x = randomDense(6, C * H * W, 9);
      const res = checkLayer(conv, x, ctx, { eps: 1e-2, samples: 60, checkInput: true });
      expect(res.maxRelError, res.worst).toBeLessThan(1e-2);
    });

    it(`event-driven backward matches finite differences and the dense path ${label}`, () => {
      const conv = new Conv2d({ ...cfg, rng: new Rng(10) });
      const [C, H, W] = cfg.inShape;
      const xs = randomSpikes(6, C * H * W, 0.25, 11);
      const res = checkLayer(conv, xs, ctx, { eps: 1e-2, samples: 60 });
      expect(res.maxRelError, res.worst).toBeLessThan(1e-2);

      // Same dW / dB / dX from the spike path and the dense path on the same binary input.
      const r = new Rng(12);
      const outCols = conv.outShape[0] * conv.outShape[1] * conv.outShape[2];
      const dy = Float32Array.from({ length: 6 * outCols }, () => r.normal());
      const grads = (x: Activations): Float32Array[] => {
        for (const p of conv.params()) p.grad.fill(0);
        conv.forward(x, ctx());
        const dx = Float32Array.from(conv.backward(dy, true, ctx()) as Float32Array);
        return [...conv.params().map((p) => Float32Array.from(p.grad)), dx];
      };
      const gs = grads(xs);
      const gd = grads({ kind: 'dense', rows: 6, cols: xs.cols, values: xs.values });
      expect(gs.length).toBe(gd.length);
      for (let i = 0; i < gs.length; i++) expect(maxAbsDiff(gs[i], gd[i])).toBeLessThan(1e-4);
    });
  }

  it('accumulates parameter gradients across backward calls and skips dX when not needed', () => {
    const conv = new Conv2d({ inShape: [2, 5, 5], filters: 3, kernel: 3, padding: 1, rng: new Rng(13) });
    const x = randomDense(4, 50, 14);
    const dy = Float32Array.from({ length: 4 * 75 }, (_, i) => Math.sin(i));
    conv.forward(x, ctx());
    expect(conv.backward(dy, false, ctx())).toBeNull();
    const once = conv.params().map((p) => Float32Array.from(p.grad));
    conv.forward(x, ctx());
    conv.backward(dy, false, ctx());
    conv.params().forEach((p, i) => {
      for (let j = 0; j < p.grad.length; j++) expect(p.grad[j]).toBeCloseTo(2 * once[i][j], 4);
    });
  });

  it('reuses its output buffer and only grows it when rows grow', () => {
    const conv = new Conv2d({ inShape: [1, 6, 6], filters: 2, kernel: 3, rng: new Rng(15) });
    const y8 = conv.forward(randomDense(8, 36, 1), ctx());
    const y8b = conv.forward(randomDense(8, 36, 2), ctx());
    expect(y8b.values.buffer).toBe(y8.values.buffer);
    const y4 = conv.forward(randomDense(4, 36, 3), ctx());
    expect(y4.values.buffer).toBe(y8.values.buffer);
    expect(y4.values.length).toBe(4 * 2 * 16);
    const y16 = conv.forward(randomDense(16, 36, 4), ctx());
    expect(y16.values.length).toBe(16 * 2 * 16);
  });

  it('handles empty spike rows (output = bias)', () => {
    const conv = new Conv2d({ inShape: [2, 4, 4], filters: 3, kernel: 3, rng: new Rng(16) });
    const xs = randomSpikes(3, 32, 0, 1);
    const y = conv.forward(xs, ctx()).values;
    const b = conv.params()[1].value;
    for (let r = 0; r < 3; r++) for (let i = 0; i < 12; i++) expect(y[r * 12 + i]).toBe(b[Math.floor(i / 4)]);
  });

  it('validation errors name the field and the value', () => {
    const rng = new Rng(1);
    const expectError = (opts: Conv2dOptions, field: string, value: string): void => {
      let err: unknown;
      try {
        new Conv2d(opts);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
      expect((err as ValidationError).message).toContain(field);
      expect((err as ValidationError).message).toContain(value);
    };
    expectError({ inShape: [1, 4, 4], filters: 2, kernel: 7, padding: 1, rng }, 'kernel', '7');
    expectError({ inShape: [1, 4, 9], filters: 2, kernel: 5, rng }, 'kernel', '5');
    expectError({ inShape: [1, 4, 4], filters: 0, kernel: 3, rng }, 'filters', '0');
    expectError({ inShape: [1, 4, 4], filters: 2, kernel: 2.5, rng }, 'kernel', '2.5');
    expectError({ inShape: [1, 4, 4], filters: 2, kernel: 3, stride: 0, rng }, 'stride', '0');
    expectError({ inShape: [1, 4, 4], filters: 2, kernel: 3, padding: -1, rng }, 'padding', '-1');
    expectError({ inShape: [1, 0, 4] as never, filters: 2, kernel: 3, rng }, 'inShape', '[1,0,4]');
    expectError({ inShape: [16] as never, filters: 2, kernel: 3, rng }, 'inShape', '[16]');
    const conv = new Conv2d({ inShape: [1, 4, 4], filters: 2, kernel: 3, rng });
    expect(() => conv.forward(randomDense(2, 15, 1), ctx())).toThrow(/input cols: 15/);
  });
});
