import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import {
  chebyshev,
  chebyshevScalarize,
  normalizeObjectives,
  PAREGO_RHO,
  sampleSimplexWeights,
} from './scalarize.ts';

describe('sampleSimplexWeights', () => {
  it('lies on the simplex with mean 1/m and flat-Dirichlet variance', () => {
    for (const m of [1, 2, 3, 5]) {
      const rng = new Rng(100 + m);
      const draws = 20_000;
      const sum = new Float64Array(m);
      const dev2 = new Float64Array(m); // Σ (w_j - 1/m)²
      const dev4 = new Float64Array(m); // Σ (w_j - 1/m)⁴
      let minW = Infinity;
      let maxSumErr = 0;
      for (let t = 0; t < draws; t++) {
        const w = sampleSimplexWeights(m, rng);
        expect(w.length).toBe(m);
        let s = 0;
        for (let j = 0; j < m; j++) {
          minW = Math.min(minW, w[j]);
          s += w[j];
          sum[j] += w[j];
          const d2 = (w[j] - 1 / m) ** 2;
          dev2[j] += d2;
          dev4[j] += d2 * d2;
        }
        maxSumErr = Math.max(maxSumErr, Math.abs(s - 1));
      }
      expect(minW).toBeGreaterThanOrEqual(0);
      expect(maxSumErr).toBeLessThan(1e-12);
      // Dirichlet(1, ..., 1): E w_j = 1/m, Var w_j = (m - 1) / (m² (m + 1)); tolerances 5 standard errors.
      const variance = (m - 1) / (m * m * (m + 1));
      for (let j = 0; j < m; j++) {
        const mean = sum[j] / draws;
        expect(Math.abs(mean - 1 / m)).toBeLessThanOrEqual(5 * Math.sqrt(variance / draws) + 1e-15);
        const v = dev2[j] / draws;
        const seV = Math.sqrt((dev4[j] / draws - v * v) / draws);
        expect(Math.abs(v - variance)).toBeLessThanOrEqual(5 * seV + 1e-15);
      }
    }
  });

  it('is uniform on the simplex: w_1 ~ Beta(1, m - 1)', () => {
    // P(w_1 <= t) = 1 - (1 - t)^(m - 1); for m = 3 at t = 1/2 that is 3/4.
    const rng = new Rng(7);
    const draws = 40_000;
    let below = 0;
    for (let t = 0; t < draws; t++) if (sampleSimplexWeights(3, rng)[0] <= 0.5) below++;
    const se = Math.sqrt((0.75 * 0.25) / draws);
    expect(Math.abs(below / draws - 0.75)).toBeLessThan(5 * se);
  });

  it('is deterministic for a seed and validates m', () => {
    expect(Array.from(sampleSimplexWeights(4, new Rng(1)))).toEqual(
      Array.from(sampleSimplexWeights(4, new Rng(1))),
    );
    expect(() => sampleSimplexWeights(0, new Rng(1))).toThrow(ValidationError);
    expect(() => sampleSimplexWeights(1.5, new Rng(1))).toThrow(ValidationError);
  });
});

describe('chebyshev', () => {
  it('is max_j w_j y_j + ρ Σ w_j y_j with ρ = 0.05 by default', () => {
    expect(PAREGO_RHO).toBe(0.05);
    // w·y = [0.06, 0.35, 0.1]: max 0.35, sum 0.51.
    expect(chebyshev([0.2, 0.5, 1], [0.3, 0.7, 0.1])).toBeCloseTo(0.35 + 0.05 * 0.51, 15);
    expect(chebyshev([0.2, 0.5, 1], [0.3, 0.7, 0.1], 0)).toBeCloseTo(0.35, 15);
    expect(chebyshev([1, 0], [0.5, 0.5], 0.1)).toBeCloseTo(0.5 + 0.05, 15);
  });

  it('ranks a Pareto-dominated point above (worse than) its dominator for any positive weights', () => {
    const rng = new Rng(4);
    for (let t = 0; t < 200; t++) {
      const w = sampleSimplexWeights(3, rng);
      const a = [rng.next(), rng.next(), rng.next()];
      const b = a.map((v) => v + 0.1 * rng.next());
      expect(chebyshev(a, w)).toBeLessThanOrEqual(chebyshev(b, w));
    }
  });

  it('validates its arguments', () => {
    expect(() => chebyshev([1, 2], [1])).toThrow(ValidationError);
    expect(() => chebyshev([], [])).toThrow(ValidationError);
    expect(() => chebyshev([1], [1], -1)).toThrow(ValidationError);
  });
});

describe('normalizeObjectives', () => {
  it('maps each objective to [0, 1] by its observed min and max; constant objectives map to 0', () => {
    const Y = new Float64Array([1, 10, 5, 3, 20, 5, 2, 30, 5]);
    expect(Array.from(normalizeObjectives(Y, 3, 3))).toEqual([0, 0, 0, 1, 0.5, 0, 0.5, 1, 0]);
    expect(Array.from(normalizeObjectives([-1, 4], 1, 2))).toEqual([0, 0]);
    expect(normalizeObjectives([], 0, 2).length).toBe(0);
    const out = new Float64Array(2);
    expect(normalizeObjectives([3, 7], 2, 1, out)).toBe(out);
    expect(Array.from(out)).toEqual([0, 1]);
  });

  it('validates its arguments', () => {
    expect(() => normalizeObjectives([1, 2, 3], 2, 2)).toThrow(ValidationError);
    expect(() => normalizeObjectives([1, Number.NaN], 1, 2)).toThrow(ValidationError);
    expect(() => normalizeObjectives([1, Infinity], 2, 1)).toThrow(ValidationError);
    expect(() => normalizeObjectives([1, 2], 1, 2, new Float64Array(3))).toThrow(ValidationError);
  });
});

describe('chebyshevScalarize', () => {
  it('normalizes then scalarizes every observation', () => {
    // Columns [0, 10] and [100, 200] normalize to (0, 1), (0.5, 0.5), (1, 0).
    const Y = [0, 200, 5, 150, 10, 100];
    const w = [0.25, 0.75];
    const s = chebyshevScalarize(Y, 3, 2, w);
    expect(s[0]).toBeCloseTo(0.75 + 0.05 * 0.75, 15);
    expect(s[1]).toBeCloseTo(0.375 + 0.05 * 0.5, 15);
    expect(s[2]).toBeCloseTo(0.25 + 0.05 * 0.25, 15);
    expect(() => chebyshevScalarize(Y, 3, 2, [1])).toThrow(ValidationError);
  });
});
