import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import {
  defaultMaxPoints,
  HypervolumeError,
  hypervolume,
  hypervolumeContribution,
  hypervolumeImprovement,
} from './hypervolume.ts';

/** Inclusion–exclusion over all non-empty subsets: Σ (-1)^(|S|+1) vol([max S, r]). n <= ~12. */
function iexHypervolume(p: number[][], r: number[]): number {
  const n = p.length;
  const m = r.length;
  let total = 0;
  for (let mask = 1; mask < 1 << n; mask++) {
    const corner = new Array<number>(m).fill(-Infinity);
    let bits = 0;
    for (let i = 0; i < n; i++) {
      if (!(mask & (1 << i))) continue;
      bits++;
      for (let j = 0; j < m; j++) corner[j] = Math.max(corner[j], p[i][j]);
    }
    let vol = 1;
    for (let j = 0; j < m; j++) vol *= Math.max(0, r[j] - corner[j]);
    total += bits % 2 === 1 ? vol : -vol;
  }
  return total;
}

/** Monte Carlo estimate of the hypervolume and its standard error (uniform samples in [ideal, r]). */
function monteCarlo(p: number[][], r: number[], samples: number, rng: Rng): { hv: number; se: number } {
  const m = r.length;
  const q = p.filter((x) => x.every((v, j) => v < r[j]));
  const lo = r.map((_, j) => Math.min(...q.map((x) => x[j])));
  const boxVol = r.reduce((v, rj, j) => v * (rj - lo[j]), 1);
  const x = new Array<number>(m);
  let hits = 0;
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < m; j++) x[j] = rng.uniform(lo[j], r[j]);
    if (q.some((pt) => pt.every((v, j) => v <= x[j]))) hits++;
  }
  const f = hits / samples;
  return { hv: boxVol * f, se: boxVol * Math.sqrt((f * (1 - f)) / samples) };
}

/** Half of the points near the front ‖1 - p‖ = 1 (all non-dominated), half uniform in [0, 1]^m. */
function mixedPoints(rng: Rng, n: number, m: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 2 === 1) return Array.from({ length: m }, () => rng.next());
    const g = Array.from({ length: m }, () => Math.abs(rng.normal()) + 1e-12);
    const norm = Math.hypot(...g);
    return g.map((v) => 1 - v / norm);
  });
}

function uniformPoints(rng: Rng, n: number, m: number, levels = 0): number[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: m }, () => (levels > 0 ? rng.int(levels) / levels : rng.next())),
  );
}

function relClose(a: number, b: number, rel = 1e-10): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));
}

describe('hypervolume: hand-computed cases', () => {
  it('of a single point is the volume of its box, m = 1..6', () => {
    expect(hypervolume([[0.25]], [1])).toBe(0.75);
    expect(hypervolume([[1, 2]], [4, 4])).toBe(6);
    expect(hypervolume([[1, 2, 3]], [2, 4, 5])).toBe(1 * 2 * 2);
    expect(hypervolume([[0, 0, 0, 0]], [1, 2, 3, 4])).toBe(24);
    expect(hypervolume(new Float64Array([0.5, 0.5, 0.5, 0.5, 0.5]), [1, 1, 1, 1, 1])).toBe(1 / 32);
    expect(hypervolume([[0, 0, 0, 0, 0, 0]], [2, 2, 2, 2, 2, 2])).toBe(64);
  });

  it('of two overlapping boxes is the area / volume of their union', () => {
    // 3·1 + 2·3 - overlap [2,4]×[3,4] (2·1) = 7.
    expect(
      hypervolume(
        [
          [1, 3],
          [2, 1],
        ],
        [4, 4],
      ),
    ).toBe(7);
    // 2·2·1 + 1·1·2 - overlap [2,3]³ (1) = 5.
    expect(
      hypervolume(
        [
          [1, 1, 2],
          [2, 2, 1],
        ],
        [3, 3, 3],
      ),
    ).toBe(5);
    // 4-D: boxes 2·2·2·1 and 1·1·1·2, overlap 1 -> 9.
    expect(
      hypervolume(
        [
          [1, 1, 1, 2],
          [2, 2, 2, 1],
        ],
        [3, 3, 3, 3],
      ),
    ).toBe(9);
  });

  it('of three cyclic 3-D points is 18 - 6 + 1 = 13', () => {
    const p = [
      [1, 2, 3],
      [2, 3, 1],
      [3, 1, 2],
    ];
    expect(hypervolume(p, [4, 4, 4])).toBe(13);
    // Lifted to 4-D with a unit slab: same volume, through WFG.
    expect(
      hypervolume(
        p.map((x) => [...x, 0]),
        [4, 4, 4, 1],
      ),
    ).toBe(13);
  });

  it('is 0 for no points and ignores points not strictly dominating the reference', () => {
    expect(hypervolume([], [1, 1])).toBe(0);
    expect(hypervolume(new Float64Array(0), [1, 1, 1])).toBe(0);
    const base = [
      [1, 3],
      [2, 1],
    ];
    const extra = [
      [4, 0], // on the reference in f1
      [5, -10],
      [0, 4],
      [Infinity, 0],
    ];
    expect(hypervolume([...base, ...extra], [4, 4])).toBe(7);
    expect(hypervolume([[0, 0, 1]], [1, 1, 1])).toBe(0);
    expect(hypervolume([[0, 0, 0, 2]], [1, 1, 1, 1])).toBe(0);
  });
});

describe('hypervolume: against inclusion–exclusion (n <= 8)', () => {
  it('matches on random sets in 2-D, 3-D, 4-D and 5-D, with ties and points beyond the reference', () => {
    const rng = new Rng(99);
    for (const m of [2, 3, 4, 5]) {
      for (const levels of [0, 4]) {
        for (let rep = 0; rep < 60; rep++) {
          const n = 1 + rng.int(8);
          const p = uniformPoints(rng, n, m, levels);
          const r = Array.from({ length: m }, () => (rep % 3 === 0 ? 0.6 + 0.5 * rng.next() : 1));
          relClose(hypervolume(p, r), iexHypervolume(p, r), 1e-12);
          relClose(hypervolume(new Float64Array(p.flat()), r), iexHypervolume(p, r), 1e-12);
        }
      }
    }
  });
});

describe('hypervolume: against Monte Carlo', () => {
  it.each([
    [2, 300],
    [3, 120],
    [4, 40],
    [5, 20],
  ])('agrees within 4.5 standard errors in %i-D (n = %i)', (m, n) => {
    const rng = new Rng(1000 + m);
    const p = mixedPoints(rng, n, m);
    const r = new Array<number>(m).fill(1.1);
    const exact = hypervolume(p, r);
    const mc = monteCarlo(p, r, 100_000, rng);
    expect(mc.se).toBeGreaterThan(0);
    expect(Math.abs(exact - mc.hv)).toBeLessThan(4.5 * mc.se);
  });
});

describe('hypervolume: invariances and cross-checks', () => {
  it('does not depend on point order, duplicates or added dominated points', () => {
    const rng = new Rng(3);
    for (const m of [2, 3, 4]) {
      const p = mixedPoints(rng, m === 4 ? 60 : 300, m);
      const r = new Array<number>(m).fill(1);
      const hv = hypervolume(p, r);
      const shuffled = rng.shuffle([...p]);
      relClose(hypervolume(shuffled, r), hv, 1e-12);
      const dominated = p.slice(0, 50).map((x) => x.map((v) => v + 0.3 * rng.next()));
      const dupes = p.slice(0, 20).map((x) => [...x]);
      relClose(hypervolume(rng.shuffle([...p, ...dominated, ...dupes]), r), hv, 1e-12);
    }
  });

  it('lifting to one more objective with a unit slab keeps the volume (2-D vs 3-D vs 4-D vs 5-D)', () => {
    const rng = new Rng(17);
    const p2 = mixedPoints(rng, 200, 2);
    const hv2 = hypervolume(p2, [1, 1]);
    relClose(
      hypervolume(
        p2.map((x) => [...x, 0]),
        [1, 1, 1],
      ),
      hv2,
      1e-12,
    );
    const p3 = mixedPoints(rng, 150, 3);
    const hv3 = hypervolume(p3, [1, 1, 1]);
    relClose(
      hypervolume(
        p3.map((x) => [0, ...x]),
        [1, 1, 1, 1],
      ),
      hv3,
      1e-12,
    );
    const p4 = mixedPoints(rng, 40, 4);
    const hv4 = hypervolume(p4, [1, 1, 1, 1]);
    relClose(
      hypervolume(
        p4.map((x) => [...x.slice(0, 2), 0.5, ...x.slice(2)]),
        [1, 1, 1, 1, 1],
      ),
      hv4 * 0.5,
      1e-12,
    );
  });

  it('computes 1-D as the distance from the best point to the reference', () => {
    expect(hypervolume([[3], [1], [2], [7]], [5])).toBe(4);
  });
});

describe('hypervolume: limits and validation', () => {
  it('rejects too many non-dominated points for m >= 4 unless maxPoints is raised', () => {
    const rng = new Rng(8);
    const cap = defaultMaxPoints(7);
    const p = mixedPoints(rng, 4 * cap, 7).filter((_, i) => i % 2 === 0); // all on the front
    expect(() => hypervolume(p, new Array(7).fill(1))).toThrow(HypervolumeError);
    expect(() => hypervolume(p, new Array(7).fill(1))).toThrow(`limited to ${cap} non-dominated points`);
    const small = p.slice(0, 12);
    expect(cap).toBeGreaterThan(12);
    expect(hypervolume(small, new Array(7).fill(1), { maxPoints: 12 })).toBeGreaterThan(0);
    expect(() => hypervolume(small, new Array(7).fill(1), { maxPoints: 11 })).toThrow(HypervolumeError);
    expect(() => hypervolumeContribution(p, new Array(7).fill(1))).toThrow(HypervolumeError);
    expect(() => hypervolumeImprovement(new Array(7).fill(0), p, new Array(7).fill(1))).toThrow(
      HypervolumeError,
    );
    // Dominated points do not count against the cap.
    const dominated = Array.from({ length: 500 }, () => [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]);
    expect(hypervolume([[0, 0, 0, 0, 0, 0, 0], ...dominated], new Array(7).fill(1))).toBe(1);
  });

  it('rejects malformed input', () => {
    expect(() => hypervolume([[0, 0]], [1, Number.NaN])).toThrow(ValidationError);
    expect(() => hypervolume([[0, 0]], [1, Infinity])).toThrow(ValidationError);
    expect(() => hypervolume([[0, 0]], [])).toThrow(ValidationError);
    expect(() => hypervolume([[0, 0, 0]], [1, 1])).toThrow(ValidationError);
    expect(() => hypervolume(new Float64Array(3), [1, 1])).toThrow(ValidationError);
    expect(() => hypervolume([[0, Number.NaN]], [1, 1])).toThrow(ValidationError);
    expect(() => hypervolume([[0, -Infinity]], [1, 1])).toThrow(ValidationError);
  });
});

describe('hypervolumeContribution', () => {
  it('gives the exclusive contributions of a hand-made 2-D set', () => {
    const c = hypervolumeContribution(
      [
        [1, 3],
        [2, 1],
        [3, 3], // dominated
        [5, 0], // beyond the reference
      ],
      [4, 4],
    );
    expect(Array.from(c)).toEqual([1, 4, 0, 0]);
  });

  it('equals HV(all) - HV(all without i) on random sets, m = 2..4, with duplicates at 0', () => {
    const rng = new Rng(21);
    for (const m of [2, 3, 4]) {
      for (let rep = 0; rep < 5; rep++) {
        const p = [...mixedPoints(rng, 30, m), ...uniformPoints(rng, 10, m, 3)];
        p.push([...p[0]]); // a duplicate of a front point: neither copy contributes
        const r = new Array<number>(m).fill(1);
        const c = hypervolumeContribution(p, r);
        const hv = hypervolume(p, r);
        for (let i = 0; i < p.length; i++) {
          const without = hypervolume(
            p.filter((_, k) => k !== i),
            r,
          );
          expect(Math.abs(c[i] - (hv - without))).toBeLessThan(1e-12);
          expect(c[i]).toBeGreaterThanOrEqual(0);
        }
        expect(c[0]).toBe(0);
        expect(c[p.length - 1]).toBe(0);
      }
    }
  });
});

describe('hypervolumeImprovement', () => {
  it('equals HV(front ∪ {p}) - HV(front), and is 0 for dominated points or points beyond ref', () => {
    const rng = new Rng(33);
    for (const m of [2, 3, 4]) {
      const front = mixedPoints(rng, 25, m);
      const r = new Array<number>(m).fill(1);
      const hv = hypervolume(front, r);
      for (let t = 0; t < 30; t++) {
        const p = Array.from({ length: m }, () => rng.uniform(-0.1, 1));
        const expected = hypervolume([...front, p], r) - hv;
        expect(Math.abs(hypervolumeImprovement(p, front, r) - expected)).toBeLessThan(1e-12);
      }
      expect(hypervolumeImprovement(front[0], front, r)).toBe(0);
      expect(
        hypervolumeImprovement(
          front[0].map((v) => v + 0.01),
          front,
          r,
        ),
      ).toBe(0);
      expect(hypervolumeImprovement([...front[0].slice(1), 1], front, r)).toBe(0);
    }
    expect(hypervolumeImprovement([1, 2], [], [4, 4])).toBe(6);
    expect(() => hypervolumeImprovement([1, 2, 3], [], [4, 4])).toThrow(ValidationError);
  });
});
