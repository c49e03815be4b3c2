import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { Dense } from './dense.ts';
import type { PassContext } from './layer.ts';
import { indexSpikes, type SpikeActivations } from './tensor.ts';
import { checkLayer, dense } from './testing/gradcheck.ts';

const ctx =
  (T: number, B: number): (() => PassContext) =>
  () => ({ T, B, training: true, rng: new Rng(5) });

function randomSpikes(rows: number, cols: number, p: number, seed: number): SpikeActivations {
  const r = new Rng(seed);
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = r.next() < p ? 1 : 0;
  const { rowPtr, colIdx } = indexSpikes(values, rows, cols, undefined, undefined);
  return { kind: 'spikes', rows, cols, values, rowPtr, colIdx };
}

describe('Dense', () => {
  it('event-driven forward equals the dense product', () => {
    const layer = new Dense({ inShape: [37], units: 11, rng: new Rng(1) });
    const x = randomSpikes(12, 37, 0.3, 2);
    const ys = Float32Array.from(layer.forward(x, ctx(3, 4)()).values);
    const yd = Float32Array.from(layer.forward(dense(12, 37, x.values), ctx(3, 4)()).values);
    const W = layer.weight.value;
    const b = layer.bias?.value as Float32Array;
    for (let r = 0; r < 12; r++) {
      for (let o = 0; o < 11; o++) {
        let s = b[o];
        for (let i = 0; i < 37; i++) s += x.values[r * 37 + i] * W[i * 11 + o];
        expect(ys[r * 11 + o]).toBeCloseTo(s, 5);
        expect(yd[r * 11 + o]).toBeCloseTo(s, 5);
      }
    }
  });

  it('gradients match finite differences (dense input, with input gradient)', () => {
    const layer = new Dense({ inShape: [9], units: 7, rng: new Rng(3) });
    const r = new Rng(4);
    const x = dense(
      6,
      9,
      Array.from({ length: 54 }, () => r.normal()),
    );
    const res = checkLayer(layer, x, ctx(2, 3), { checkInput: true, eps: 1e-2 });
    expect(res.maxRelError, res.worst).toBeLessThan(1e-2);
  });

  it('gradients match finite differences (spike input, event-driven path)', () => {
    const layer = new Dense({ inShape: [20], units: 5, bias: false, rng: new Rng(3) });
    const res = checkLayer(layer, randomSpikes(8, 20, 0.25, 9), ctx(2, 4), { eps: 1e-2 });
    expect(res.maxRelError, res.worst).toBeLessThan(1e-2);
    expect(layer.params()).toHaveLength(1);
  });

  it('initialises like PyTorch (uniform ±1/√fanIn) and validates its size', () => {
    const layer = new Dense({ inShape: [400], units: 50, rng: new Rng(8) });
    const w = layer.weight.value;
    const bound = 1 / 20;
    let mx = 0;
    let s2 = 0;
    for (const v of w) {
      mx = Math.max(mx, Math.abs(v));
      s2 += v * v;
    }
    expect(mx).toBeLessThanOrEqual(bound);
    expect(s2 / w.length).toBeCloseTo(bound ** 2 / 3, 4);
    expect(() => new Dense({ inShape: [4], units: 0, rng: new Rng(1) })).toThrow(/dense.units: 0/);
  });
});
