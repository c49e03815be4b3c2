import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { Activations, SpikeActivations } from '../snn/tensor.ts';
import type { ImageSet } from './dataset.ts';
import { createEncoder, type EncoderSpec } from './encoders.ts';

/** A set whose sample i has the given pixel values (C = 1, H = 1, W = cols). */
function setOf(samples: number[][]): ImageSet {
  const cols = samples[0].length;
  const pixels = new Uint8Array(samples.length * cols);
  samples.forEach((s, i) => {
    pixels.set(s, i * cols);
  });
  return {
    name: 'test-set',
    count: samples.length,
    shape: [1, 1, cols],
    pixels,
    labels: new Uint8Array(samples.length),
    classes: 10,
  };
}

/** Random images with a proportion of zero pixels, like MNIST. */
function randomSet(count: number, cols: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const samples: number[][] = [];
  for (let i = 0; i < count; i++) {
    samples.push(Array.from({ length: cols }, () => (rng.next() < 0.6 ? 0 : rng.int(256))));
  }
  return setOf(samples);
}

function spikes(a: Activations): SpikeActivations {
  expect(a.kind).toBe('spikes');
  return a as SpikeActivations;
}

/** The CSR index must list exactly the nonzero entries of values, ascending per row. */
function checkCsr(a: SpikeActivations): void {
  expect(a.values.length).toBe(a.rows * a.cols);
  expect(a.rowPtr.length).toBe(a.rows + 1);
  expect(a.rowPtr[0]).toBe(0);
  let nnz = 0;
  for (let r = 0; r < a.rows; r++) {
    const expected: number[] = [];
    for (let c = 0; c < a.cols; c++) {
      const v = a.values[r * a.cols + c];
      expect(v === 0 || v === 1).toBe(true);
      if (v === 1) expected.push(c);
    }
    const listed = Array.from(a.colIdx.subarray(a.rowPtr[r], a.rowPtr[r + 1]));
    expect(listed).toEqual(expected);
    nnz += expected.length;
  }
  expect(a.rowPtr[a.rows]).toBe(nnz);
  expect(a.colIdx.length).toBeGreaterThanOrEqual(nnz);
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('spec validation', () => {
  it('fills defaults', () => {
    expect(createEncoder({ kind: 'poisson' }).spec).toEqual({ kind: 'poisson', gain: 1 });
    expect(createEncoder({ kind: 'latency' }).spec).toEqual({
      kind: 'latency',
      tau: 1,
      threshold: 0.01,
      linear: false,
    });
    expect(createEncoder({ kind: 'direct' }).spec).toEqual({ kind: 'direct' });
  });

  it('rejects bad values, naming the field', () => {
    expect(() => createEncoder({ kind: 'poisson', gain: 0 })).toThrow(/encoder\.gain: 0/);
    expect(() => createEncoder({ kind: 'poisson', gain: Number.NaN })).toThrow(ValidationError);
    expect(() => createEncoder({ kind: 'latency', tau: -1 })).toThrow(/encoder\.tau: -1/);
    expect(() => createEncoder({ kind: 'latency', threshold: 1 })).toThrow(/encoder\.threshold: 1 /);
    expect(() => createEncoder({ kind: 'latency', threshold: -0.1 })).toThrow(/encoder\.threshold/);
    expect(() => createEncoder({ kind: 'latency', linear: 1 } as unknown as EncoderSpec)).toThrow(
      /encoder\.linear/,
    );
    expect(() => createEncoder({ kind: 'rate' } as unknown as EncoderSpec)).toThrow(
      /encoder\.kind: "rate" \(expected one of poisson, latency, direct\)/,
    );
  });

  it('rejects bad batch arguments', () => {
    const enc = createEncoder({ kind: 'poisson' });
    const set = setOf([
      [1, 2],
      [3, 4],
    ]);
    const rng = new Rng(1);
    expect(() => enc.encode(set, [0, 1], 1, 2, 5, rng)).toThrow(/invalid start: 1/);
    expect(() => enc.encode(set, [0, 2], 0, 2, 5, rng)).toThrow(/indices\[1\]: 2 .*\[0, 1\]/);
    expect(() => enc.encode(set, [0, 1], 0, 2, 0, rng)).toThrow(/invalid T: 0/);
    expect(() => enc.encode(set, [0, 1], 0, 0, 5, rng)).toThrow(/invalid B: 0/);
  });
});

describe('poisson encoder', () => {
  it('fires with probability gain · pixel/255 at each step', () => {
    const levels = [0, 1, 26, 64, 128, 200, 255];
    const set = setOf([levels]);
    const T = 20000;
    for (const gain of [1, 0.5, 2]) {
      const a = spikes(createEncoder({ kind: 'poisson', gain }).encode(set, [0], 0, 1, T, new Rng(11)));
      levels.forEach((v, c) => {
        let n = 0;
        for (let t = 0; t < T; t++) n += a.values[t * a.cols + c];
        const p = Math.min(1, (gain * v) / 255);
        const sd = Math.sqrt((p * (1 - p)) / T);
        expect(Math.abs(n / T - p)).toBeLessThanOrEqual(4.5 * sd + 1e-12);
        if (p === 0) expect(n).toBe(0);
        if (p === 1) expect(n).toBe(T);
      });
    }
  });

  it('draws independently across steps (no correlation between consecutive steps)', () => {
    const set = setOf([[128]]);
    const T = 40000;
    const a = createEncoder({ kind: 'poisson' }).encode(set, [0], 0, 1, T, new Rng(5));
    let both = 0;
    let ones = 0;
    for (let t = 0; t < T - 1; t++) {
      ones += a.values[t];
      both += a.values[t] * a.values[t + 1];
    }
    const p = ones / (T - 1);
    expect(Math.abs(both / (T - 1) - p * p)).toBeLessThan(0.015);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const set = randomSet(6, 50, 1);
    const enc1 = createEncoder({ kind: 'poisson' });
    const enc2 = createEncoder({ kind: 'poisson' });
    const a = Array.from(enc1.encode(set, all(6), 0, 6, 10, new Rng(3)).values);
    const b = Array.from(enc2.encode(set, all(6), 0, 6, 10, new Rng(3)).values);
    const c = Array.from(enc2.encode(set, all(6), 0, 6, 10, new Rng(4)).values);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('builds a CSR index that agrees with the values, across reused and resized buffers', () => {
    const set = randomSet(20, 37, 2);
    const enc = createEncoder({ kind: 'poisson', gain: 1.5 });
    const rng = new Rng(9);
    const order = new Rng(10).shuffle(all(20));
    // Shrinking and growing T, B and the feature count exercises the clear-what-was-set path.
    const calls: Array<[ImageSet, number, number, number]> = [
      [set, 0, 8, 5],
      [set, 4, 3, 12],
      [set, 2, 16, 2],
      [randomSet(5, 11, 3), 0, 5, 9],
      [set, 0, 20, 7],
    ];
    for (const [s, start, B, T] of calls) {
      const idx = s === set ? order : all(s.count);
      const a = spikes(enc.encode(s, idx, start, B, T, rng));
      expect([a.rows, a.cols]).toEqual([T * B, s.shape[2]]);
      checkCsr(a);
      // Zero pixels never fire; spikes only where the sample has intensity.
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const off = idx[start + b] * a.cols;
          for (let c = 0; c < a.cols; c++) {
            if (s.pixels[off + c] === 0) expect(a.values[(t * B + b) * a.cols + c]).toBe(0);
          }
        }
      }
    }
  });

  it('lays out rows time-major: row t·B + b is sample b at step t', () => {
    // Sample 0 is all dark, sample 1 all white (always fires at gain 1), sample 2 white in column 1.
    const set = setOf([
      [0, 0, 0],
      [255, 255, 255],
      [0, 255, 0],
    ]);
    const B = 3;
    const T = 4;
    const a = spikes(createEncoder({ kind: 'poisson' }).encode(set, [2, 0, 1], 0, B, T, new Rng(1)));
    for (let t = 0; t < T; t++) {
      expect(Array.from(a.values.subarray((t * B + 0) * 3, (t * B + 1) * 3))).toEqual([0, 1, 0]);
      expect(Array.from(a.values.subarray((t * B + 1) * 3, (t * B + 2) * 3))).toEqual([0, 0, 0]);
      expect(Array.from(a.values.subarray((t * B + 2) * 3, (t * B + 3) * 3))).toEqual([1, 1, 1]);
    }
    checkCsr(a);
  });
});

describe('latency encoder', () => {
  const ramp = [0, 2, 3, 10, 50, 100, 150, 200, 254, 255];

  it('fires once at most, bright pixels first, dark pixels never (RC model)', () => {
    const set = setOf([ramp]);
    const T = 30;
    const enc = createEncoder({ kind: 'latency', tau: 5, threshold: 0.01 });
    const a = spikes(enc.encode(set, [0], 0, 1, T, new Rng(1)));
    checkCsr(a);
    const first = ramp.map((_, c) => {
      let n = 0;
      let at = -1;
      for (let t = 0; t < T; t++) {
        if (a.values[t * a.cols + c] === 1) {
          n++;
          if (at < 0) at = t;
        }
      }
      expect(n).toBeLessThanOrEqual(1);
      return at;
    });
    // 0 and 2 (x = 0.0078 <= 0.01) never fire; the rest do, brighter no later.
    expect(first[0]).toBe(-1);
    expect(first[1]).toBe(-1);
    for (let c = 2; c < ramp.length; c++) expect(first[c]).toBeGreaterThanOrEqual(0);
    for (let c = 3; c < ramp.length; c++) expect(first[c]).toBeLessThanOrEqual(first[c - 1]);
    // The RC formula, in units of the window: step = min(T-1, round((T-1) · tau · ln(x / (x - θ)))).
    for (const c of [3, 4, 5, 9]) {
      const x = ramp[c] / 255;
      expect(first[c]).toBe(Math.min(T - 1, Math.round((T - 1) * 5 * Math.log(x / (x - 0.01)))));
    }
    expect(first[4]).toBeGreaterThan(first[9]);
  });

  it('linear: step = round((T-1)(1 - x))', () => {
    const set = setOf([ramp]);
    const T = 11;
    const a = spikes(
      createEncoder({ kind: 'latency', linear: true, threshold: 0.05 }).encode(set, [0], 0, 1, T, new Rng(1)),
    );
    checkCsr(a);
    ramp.forEach((v, c) => {
      const x = v / 255;
      const fired: number[] = [];
      for (let t = 0; t < T; t++) if (a.values[t * a.cols + c] === 1) fired.push(t);
      expect(fired).toEqual(x <= 0.05 ? [] : [Math.round((T - 1) * (1 - x))]);
    });
    // 255 fires at step 0, 50 (x = 0.196) at step 8.
    expect(a.values[9]).toBe(1);
    expect(a.values[8 * 10 + 4]).toBe(1);
  });

  it('is deterministic, lays out time-major, and keeps CSR right over reused buffers', () => {
    const set = randomSet(12, 40, 4);
    const enc = createEncoder({ kind: 'latency', linear: true });
    for (const [B, T] of [
      [5, 8],
      [12, 3],
      [2, 25],
    ] as const) {
      const a = spikes(enc.encode(set, all(12), 12 - B, B, T, new Rng(1)));
      checkCsr(a);
      const b = createEncoder({ kind: 'latency', linear: true }).encode(
        set,
        all(12),
        12 - B,
        B,
        T,
        new Rng(2),
      );
      expect(Array.from(a.values)).toEqual(Array.from(b.values));
      for (let s = 0; s < B; s++) {
        const off = (12 - B + s) * 40;
        for (let c = 0; c < 40; c++) {
          const x = set.pixels[off + c] / 255;
          const want = x <= 0.01 ? -1 : Math.round((T - 1) * (1 - x));
          for (let t = 0; t < T; t++) expect(a.values[(t * B + s) * 40 + c]).toBe(t === want ? 1 : 0);
        }
      }
    }
  });
});

describe('direct encoder', () => {
  it('injects x = pixel/255 at every step, time-major', () => {
    const set = randomSet(7, 13, 5);
    const enc = createEncoder({ kind: 'direct' });
    for (const [B, T] of [
      [4, 6],
      [7, 2],
      [3, 9],
    ] as const) {
      const a = enc.encode(set, [6, 5, 4, 3, 2, 1, 0], 0, B, T, new Rng(1));
      expect(a.kind).toBe('dense');
      expect([a.rows, a.cols, a.values.length]).toEqual([T * B, 13, T * B * 13]);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          for (let c = 0; c < 13; c++) {
            expect(a.values[(t * B + b) * 13 + c]).toBe(Math.fround(set.pixels[(6 - b) * 13 + c] / 255));
          }
        }
      }
    }
  });
});
