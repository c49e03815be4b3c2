import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import { crowdingDistance, dominates, nonDominatedRanks, nonDominatedSort, paretoFront } from './pareto.ts';

/** n random points in m objectives; `levels` > 0 draws integers in [0, levels) (many ties). */
function randomPoints(rng: Rng, n: number, m: number, levels = 0): number[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: m }, () => (levels > 0 ? rng.int(levels) : rng.next())),
  );
}

function bruteDominates(a: number[], b: number[]): boolean {
  return a.every((v, j) => v <= b[j]) && a.some((v, j) => v < b[j]);
}

function bruteFront(p: number[][], subset: number[] = p.map((_, i) => i)): number[] {
  return subset.filter((i) => !subset.some((k) => k !== i && bruteDominates(p[k], p[i])));
}

function bruteRanks(p: number[][]): number[] {
  const ranks = new Array<number>(p.length).fill(-1);
  let remaining = p.map((_, i) => i);
  for (let r = 0; remaining.length > 0; r++) {
    const f = bruteFront(p, remaining);
    for (const i of f) ranks[i] = r;
    remaining = remaining.filter((i) => ranks[i] < 0);
  }
  return ranks;
}

describe('dominates', () => {
  it('is strict Pareto dominance under minimization', () => {
    expect(dominates([1, 2], [2, 2])).toBe(true);
    expect(dominates([1, 1], [2, 2])).toBe(true);
    expect(dominates([2, 2], [1, 2])).toBe(false);
    expect(dominates([1, 3], [2, 2])).toBe(false);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    expect(dominates([0, 0, 0], [0, 0, 1])).toBe(true);
    expect(() => dominates([1, 2], [1, 2, 3])).toThrow(ValidationError);
  });
});

describe('paretoFront', () => {
  it('finds a hand-made 2-D front, keeping duplicate copies', () => {
    const p = [
      [1, 5],
      [2, 3],
      [2, 4], // dominated by [2, 3]
      [3, 3], // dominated by [2, 3]
      [4, 1],
      [2, 3], // duplicate of a front point: kept
      [5, 1], // dominated by [4, 1]
      [0, 9],
    ];
    expect(paretoFront(p)).toEqual([0, 1, 4, 5, 7]);
    expect(paretoFront(new Float64Array(p.flat()), 2)).toEqual([0, 1, 4, 5, 7]);
  });

  it('matches brute force on random sets with and without ties, m = 1..5', () => {
    const rng = new Rng(11);
    for (const m of [1, 2, 3, 4, 5]) {
      for (const levels of [0, 3, 6]) {
        for (let rep = 0; rep < 20; rep++) {
          const n = 1 + rng.int(60);
          const p = randomPoints(rng, n, m, levels);
          const expected = bruteFront(p);
          expect(paretoFront(p)).toEqual(expected);
          expect(paretoFront(new Float64Array(p.flat()), m)).toEqual(expected);
        }
      }
    }
  });

  it('handles infinities and empty input', () => {
    expect(paretoFront([[0, Infinity]])).toEqual([0]);
    expect(
      paretoFront([
        [0, Infinity],
        [1, Infinity],
        [Infinity, -1],
      ]),
    ).toEqual([0, 2]);
    expect(paretoFront([], 2)).toEqual([]);
    expect(paretoFront(new Float64Array(0), 3)).toEqual([]);
  });

  it('rejects NaN and malformed input', () => {
    expect(() => paretoFront([[0, Number.NaN]])).toThrow(ValidationError);
    expect(() => paretoFront([[0, 1], [2]])).toThrow(ValidationError);
    expect(() => paretoFront(new Float64Array(5), 2)).toThrow(ValidationError);
    expect(() => paretoFront(new Float64Array(4))).toThrow(ValidationError);
  });
});

describe('nonDominatedSort', () => {
  it('matches brute-force peeling of fronts on random sets with ties', () => {
    const rng = new Rng(5);
    for (const m of [1, 2, 3, 4]) {
      for (const levels of [0, 4]) {
        for (let rep = 0; rep < 15; rep++) {
          const n = 1 + rng.int(80);
          const p = randomPoints(rng, n, m, levels);
          const expected = bruteRanks(p);
          expect(Array.from(nonDominatedRanks(p))).toEqual(expected);
          const fronts = nonDominatedSort(new Float64Array(p.flat()), m);
          expect(fronts.flat().sort((a, b) => a - b)).toEqual(p.map((_, i) => i));
          fronts.forEach((f, k) => {
            expect(f).toEqual([...f].sort((a, b) => a - b));
            for (const i of f) expect(expected[i]).toBe(k);
            // Every point beyond the first front is dominated by one in the previous front.
            if (k > 0)
              for (const i of f) expect(fronts[k - 1].some((q) => bruteDominates(p[q], p[i]))).toBe(true);
          });
        }
      }
    }
  });

  it('returns no fronts for no points', () => {
    expect(nonDominatedSort([], 2)).toEqual([]);
  });
});

describe('crowdingDistance', () => {
  it('computes NSGA-II distances on a hand-made front', () => {
    const p = [
      [0, 4],
      [1, 2],
      [3, 1],
      [4, 0],
    ];
    const d = crowdingDistance(p);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    // Point 1: (3 - 0)/4 + (4 - 1)/4; point 2: (4 - 1)/4 + (2 - 0)/4.
    expect(d[1]).toBeCloseTo(1.5, 14);
    expect(d[2]).toBeCloseTo(1.25, 14);
    // A subset of indices is its own front.
    const sub = crowdingDistance(p, undefined, [0, 1, 3]);
    expect(Array.from(sub)).toEqual([Infinity, 2, Infinity]);
  });

  it('gives Infinity to fronts of at most two points and ignores a constant objective', () => {
    expect(Array.from(crowdingDistance([[1, 2]]))).toEqual([Infinity]);
    expect(
      Array.from(
        crowdingDistance([
          [0, 5],
          [1, 5],
          [3, 5],
        ]),
      ),
    ).toEqual([Infinity, 1, Infinity]);
    expect(() => crowdingDistance([[1, 2]], 2, [1])).toThrow(ValidationError);
  });
});
