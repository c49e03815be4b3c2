import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { type LossSpec, lossAndGrad, predict, validateLoss } from './loss.ts';

const T = 4;
const B = 3;
const C = 5;
const n = T * B * C;

function fixture(seed: number): { spikes: Float32Array; membrane: Float32Array; labels: number[] } {
  const r = new Rng(seed);
  return {
    spikes: Float32Array.from({ length: n }, () => (r.next() < 0.4 ? 1 : 0)),
    membrane: Float32Array.from({ length: n }, () => r.normal()),
    labels: [1, 4, 0],
  };
}

const specs: LossSpec[] = [
  { kind: 'count-ce' },
  { kind: 'membrane-ce' },
  { kind: 'rate-mse', correctRate: 0.8, incorrectRate: 0.1 },
];

describe('losses', () => {
  for (const spec of specs) {
    it(`${spec.kind}: gradient matches finite differences`, () => {
      const f = fixture(3);
      const dS = new Float32Array(n);
      const dU = new Float32Array(n);
      const scratchS = new Float32Array(n);
      const scratchU = new Float32Array(n);
      const L = (s: Float32Array, u: Float32Array): number =>
        lossAndGrad(spec, { T, B, C, spikes: s, membrane: u }, f.labels, scratchS, scratchU).loss;
      lossAndGrad(spec, { T, B, C, spikes: f.spikes, membrane: f.membrane }, f.labels, dS, dU);
      const h = 1e-2;
      for (let i = 0; i < n; i++) {
        for (const [arr, grad] of [
          [f.spikes, dS],
          [f.membrane, dU],
        ] as const) {
          const o = arr[i];
          arr[i] = o + h;
          const lp = L(f.spikes, f.membrane);
          arr[i] = o - h;
          const lm = L(f.spikes, f.membrane);
          arr[i] = o;
          expect(grad[i]).toBeCloseTo((lp - lm) / (2 * h), 3);
        }
      }
    });
  }

  it('count-ce equals the cross-entropy of spike counts and counts correct predictions', () => {
    // T = 2, B = 1, C = 3: counts (2, 0, 1), label 0.
    const spikes = Float32Array.from([1, 0, 1, 1, 0, 0]);
    const v = lossAndGrad(
      { kind: 'count-ce' },
      { T: 2, B: 1, C: 3, spikes, membrane: new Float32Array(6) },
      [0],
      new Float32Array(6),
      new Float32Array(6),
    );
    const z = [2, 0, 1];
    const lse = Math.log(z.reduce((s, x) => s + Math.exp(x), 0));
    expect(v.loss).toBeCloseTo(lse - 2, 6);
    expect(v.correct).toBe(1);
    const pred = new Int32Array(1);
    predict({ kind: 'count-ce' }, { T: 2, B: 1, C: 3, spikes, membrane: new Float32Array(6) }, pred);
    expect(pred[0]).toBe(0);
  });

  it('validates rates naming the field', () => {
    expect(() => validateLoss({ kind: 'rate-mse', correctRate: 1.5, incorrectRate: 0 })).toThrow(
      /loss.correctRate: 1.5/,
    );
  });
});
