import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { SOBOL_MAX_DIMENSION, SOBOL_MAX_POINTS, SobolEngine, type SobolScramble, sobol } from './sobol.ts';

function column(x: Float64Array, n: number, d: number, j: number): number[] {
  const c: number[] = [];
  for (let i = 0; i < n; i++) c.push(x[i * d + j]);
  return c;
}

/** True when each of the 2^k prefixes of every column has one point in each of its 2^k intervals. */
function prefixesStratified(x: Float64Array, n: number, d: number): string | null {
  for (let j = 0; j < d; j++) {
    for (let m = 1; m <= n; m *= 2) {
      const seen = new Uint8Array(m);
      for (let i = 0; i < m; i++) {
        const v = x[i * d + j];
        if (!(v >= 0 && v < 1)) return `dimension ${j + 1}: value ${v} outside [0, 1)`;
        const cell = Math.floor(v * m);
        if (seen[cell]) return `dimension ${j + 1}: prefix ${m} has two points in interval ${cell}`;
        seen[cell] = 1;
      }
    }
  }
  return null;
}

/** True when the first 2^m points of columns (a, b) form a (0, m, 2)-net in base 2. */
function isZeroNet(x: Float64Array, m: number, d: number, a: number, b: number): boolean {
  const n = 2 ** m;
  for (let i = 0; i <= m; i++) {
    const rows = 2 ** i;
    const cols = 2 ** (m - i);
    const seen = new Uint8Array(n);
    for (let p = 0; p < n; p++) {
      const cell = Math.floor(x[p * d + a] * rows) * cols + Math.floor(x[p * d + b] * cols);
      if (seen[cell]) return false;
      seen[cell] = 1;
    }
  }
  return true;
}

describe('sobol (unscrambled)', () => {
  it('starts with the known points', () => {
    const x = sobol(8, 2);
    expect(column(x, 8, 2, 0)).toEqual([0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125]);
    expect(column(x, 8, 2, 1)).toEqual([0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625]);
    const y = sobol(8, 4);
    expect(column(y, 8, 4, 2)).toEqual([0, 0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375]);
    expect(column(y, 8, 4, 3)).toEqual([0, 0.5, 0.25, 0.75, 0.875, 0.375, 0.625, 0.125]);
  });

  it('matches scipy.stats.qmc.Sobol(d=128, scramble=False) on the first 4096 points', () => {
    const d = SOBOL_MAX_DIMENSION;
    const n = 4096;
    const x = sobol(n, d);
    // Reference rows from scipy 1.17 (dimensions 61–64 and 125–128).
    const pick = (i: number, from: number) => Array.from(x.subarray(i * d + from, i * d + from + 4));
    expect(pick(1000, 60)).toEqual([0.4462890625, 0.6025390625, 0.2587890625, 0.4462890625]);
    expect(pick(1000, 124)).toEqual([0.4541015625, 0.6748046875, 0.1689453125, 0.5439453125]);
    expect(pick(4095, 60)).toEqual([0.296630859375, 0.385009765625, 0.686767578125, 0.553466796875]);
    expect(pick(4095, 124)).toEqual([0.452392578125, 0.759521484375, 0.976318359375, 0.261474609375]);
    // Checksums of the whole 4096 × 128 block, computed with scipy (exact: the values are dyadic).
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        s1 += x[i * d + j] * ((i * 131 + j * 7) % 97);
        s2 += x[i * d + j] * (i % 13) * (j + 1);
      }
    }
    expect(s1).toBe(12581001.729736328);
    expect(s2).toBe(101403854.36035156);
  });

  it('stratifies every power-of-two prefix in all 128 dimensions', () => {
    const n = 4096;
    expect(prefixesStratified(sobol(n, SOBOL_MAX_DIMENSION), n, SOBOL_MAX_DIMENSION)).toBeNull();
  });

  it('makes the first two dimensions a (0, m, 2)-net', () => {
    expect(isZeroNet(sobol(1024, 2), 10, 2, 0, 1)).toBe(true);
  });
});

describe('sobol (scrambled)', () => {
  const modes: SobolScramble[] = ['lms', 'owen'];

  it.each(modes)('%s: stratifies every power-of-two prefix and keeps the (0, m, 2)-net', (scramble) => {
    const d = 64;
    const n = 2048;
    for (const seed of [1, 2, 3]) {
      const x = sobol(n, d, seed, { scramble });
      expect(prefixesStratified(x, n, d)).toBeNull();
      expect(isZeroNet(x, 11, d, 0, 1)).toBe(true);
    }
  });

  it.each(modes)('%s: is deterministic per seed and differs across seeds', (scramble) => {
    const a = sobol(256, 10, 42, { scramble });
    const b = sobol(256, 10, 42, { scramble });
    const c = sobol(256, 10, 43, { scramble });
    const viaRng = sobol(256, 10, new Rng(42), { scramble });
    expect(a).toEqual(b);
    expect(viaRng).toEqual(a);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(sobol(256, 10));
    // The first point is no longer the origin.
    expect(Array.from(a.subarray(0, 10)).some((v) => v > 0)).toBe(true);
  });

  it('defaults to lms with a seed and to the plain sequence without one', () => {
    expect(sobol(64, 3, 5)).toEqual(sobol(64, 3, 5, { scramble: 'lms' }));
    expect(sobol(64, 3, 5, { scramble: 'none' })).toEqual(sobol(64, 3));
    expect(new SobolEngine(3, { seed: 5 }).scramble).toBe('lms');
    expect(new SobolEngine(3).scramble).toBe('none');
  });

  it('integrates a smooth function far better than Monte Carlo (n = 1024, d = 10)', () => {
    const d = 10;
    const n = 1024;
    const f = (x: ArrayLike<number>, off: number): number => {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[off + j] * (1 + j / d);
      return Math.exp(s / d);
    };
    // Exact mean: Π_j E[exp(c_j U)] = Π_j (e^{c_j} − 1) / c_j with c_j = (1 + j/d) / d.
    let exact = 1;
    for (let j = 0; j < d; j++) {
      const c = (1 + j / d) / d;
      exact *= Math.expm1(c) / c;
    }
    const reps = 16;
    const rms = (estimates: number[]) =>
      Math.sqrt(estimates.reduce((s, e) => s + (e - exact) ** 2, 0) / estimates.length);
    const estimate = (x: Float64Array) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += f(x, i * d);
      return s / n;
    };
    const mc: number[] = [];
    const lms: number[] = [];
    const owen: number[] = [];
    for (let r = 0; r < reps; r++) {
      const rng = new Rng(1000 + r);
      const u = new Float64Array(n * d);
      for (let i = 0; i < u.length; i++) u[i] = rng.next();
      mc.push(estimate(u));
      lms.push(estimate(sobol(n, d, 2000 + r, { scramble: 'lms' })));
      owen.push(estimate(sobol(n, d, 3000 + r, { scramble: 'owen' })));
    }
    const plain = Math.abs(estimate(sobol(n, d)) - exact);
    expect(rms(lms)).toBeLessThan(rms(mc) / 20);
    expect(rms(owen)).toBeLessThan(rms(mc) / 20);
    expect(plain).toBeLessThan(rms(mc) / 5);
  });
});

describe('SobolEngine', () => {
  it('continues the sequence across draws and fast-forwards', () => {
    for (const scramble of ['none', 'lms', 'owen'] as const) {
      const all = sobol(300, 5, 7, { scramble });
      const e = new SobolEngine(5, { seed: 7, scramble });
      const a = e.draw(100);
      const b = e.draw(200);
      expect(e.index).toBe(300);
      expect(a).toEqual(all.subarray(0, 500));
      expect(b).toEqual(all.subarray(500, 1500));
      e.reset().fastForward(123);
      expect(e.draw(10)).toEqual(all.subarray(123 * 5, 133 * 5));
      expect(e.reset().draw(3)).toEqual(all.subarray(0, 15));
    }
  });

  it('writes into a given buffer', () => {
    const out = new Float64Array(40);
    const e = new SobolEngine(4);
    expect(e.draw(10, out)).toBe(out);
    expect(out).toEqual(sobol(10, 4));
  });

  it('reaches the end of the sequence and refuses to go past it', () => {
    const e = new SobolEngine(2).fastForward(SOBOL_MAX_POINTS - 2);
    const last = e.draw(2);
    expect(last.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(() => e.draw(1)).toThrow(/invalid n: 1/);
    expect(() => new SobolEngine(2).fastForward(SOBOL_MAX_POINTS + 1)).toThrow(ValidationError);
  });

  it('rejects bad arguments with clear errors', () => {
    expect(() => sobol(4, 0)).toThrow(/invalid dimension: 0/);
    expect(() => sobol(4, SOBOL_MAX_DIMENSION + 1)).toThrow(/invalid dimension: 129/);
    expect(() => sobol(-1, 2)).toThrow(/invalid n: -1/);
    expect(() => sobol(1.5, 2)).toThrow(/invalid n: 1.5/);
    expect(() => new SobolEngine(2, { scramble: 'owen' })).toThrow(/invalid seed: undefined/);
    expect(() => sobol(4, 2, 1, { scramble: 'random' as SobolScramble })).toThrow(/invalid scramble/);
    expect(() => sobol(4, 2, -3)).toThrow(/invalid seed: -3/);
    expect(() => new SobolEngine(2).draw(4, new Float64Array(7))).toThrow(/out\.length: 7/);
  });
});
