import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { type ImageSet, loadSplits, splitHoldout, subset } from './dataset.ts';

/** n samples of 2×3 pixels; sample i has every pixel = i and label i % 10. */
function synthetic(n: number, name = 'syn-train'): ImageSet {
  const size = 6;
  const pixels = new Uint8Array(n * size);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    pixels.fill(i & 255, i * size, (i + 1) * size);
    labels[i] = i % 10;
  }
  return { name, count: n, shape: [1, 2, 3], pixels, labels, classes: 10 };
}

/** Sample ids of a synthetic subset (pixel value = id for n <= 256). */
function ids(set: ImageSet): number[] {
  return Array.from({ length: set.count }, (_, i) => set.pixels[i * 6]);
}

describe('subset', () => {
  it('copies the chosen samples in order', () => {
    const set = synthetic(20);
    const s = subset(set, [5, 3, 19], 'pick');
    expect(s.name).toBe('pick');
    expect(s.count).toBe(3);
    expect(ids(s)).toEqual([5, 3, 19]);
    expect(Array.from(s.labels)).toEqual([5, 3, 9]);
    expect(Array.from(s.pixels.subarray(6, 12))).toEqual([3, 3, 3, 3, 3, 3]);
    s.pixels[0] = 99;
    expect(set.pixels[5 * 6]).toBe(5);
  });

  it('names a bad index', () => {
    expect(() => subset(synthetic(4), [1, 4], 'x')).toThrow(/indices\[1\]: 4 .*\[0, 3\]/);
    expect(() => subset(synthetic(4), [0.5], 'x')).toThrow(ValidationError);
  });
});

describe('splitHoldout', () => {
  it('is a deterministic seeded partition', () => {
    const set = synthetic(200);
    const a = splitHoldout(set, 50, 7);
    const b = splitHoldout(set, 50, 7);
    const c = splitHoldout(set, 50, 8);
    expect(a.train.count).toBe(150);
    expect(a.holdout.count).toBe(50);
    expect(ids(a.holdout)).toEqual(ids(b.holdout));
    expect(ids(a.holdout)).not.toEqual(ids(c.holdout));
    const all = [...ids(a.train), ...ids(a.holdout)].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // Original order kept within each part.
    const h = ids(a.holdout);
    expect(h).toEqual([...h].sort((x, y) => x - y));
    // Random, not a block: the holdout spans the set.
    expect(h[0]).toBeLessThan(40);
    expect(h[h.length - 1]).toBeGreaterThan(160);
    // Labels travel with their pixels.
    for (let i = 0; i < a.train.count; i++) expect(a.train.labels[i]).toBe(a.train.pixels[i * 6] % 10);
    expect(a.train.name).toBe('syn-train');
    expect(a.holdout.name).toBe('syn-holdout');
  });

  it('selects each sample with probability holdout/count', () => {
    const set = synthetic(100);
    const hits = new Array(100).fill(0);
    const runs = 400;
    for (let seed = 0; seed < runs; seed++)
      for (const i of ids(splitHoldout(set, 20, seed).holdout)) hits[i]++;
    // Expected 80 per sample, sd = sqrt(400 · 0.2 · 0.8) = 8.
    for (const h of hits) expect(Math.abs(h - 80)).toBeLessThan(40);
    const mean = hits.reduce((s, x) => s + x, 0) / 100;
    expect(mean).toBe(80);
  });

  it('validates the holdout count and seed', () => {
    const set = synthetic(10);
    expect(() => splitHoldout(set, -1, 1)).toThrow(/invalid holdout: -1 .*\[0, 9\]/);
    const none = splitHoldout(set, 0, 1);
    expect(none.train.count).toBe(10);
    expect(none.holdout.count).toBe(0);
    expect(() => splitHoldout(set, 10, 1)).toThrow(/invalid holdout: 10/);
    expect(() => splitHoldout(set, 2.5, 1)).toThrow(ValidationError);
    expect(() => splitHoldout(set, 9, 1)).not.toThrow();
    expect(() => splitHoldout(set, 3, -1)).toThrow(/invalid seed: -1/);
  });
});

describe('loadSplits', () => {
  it('splits the training set, keeps the test set apart, and applies limits after the split', () => {
    const source = { train: synthetic(100), test: synthetic(30, 'syn-test') };
    const full = loadSplits(source, { holdout: 20, seed: 3 });
    expect(full.train.count).toBe(80);
    expect(full.holdout.count).toBe(20);
    expect(full.test).toBe(source.test);
    const lim = loadSplits(source, { holdout: 20, seed: 3, limitTrain: 10, limitHoldout: 5, limitTest: 7 });
    expect(lim.train.count).toBe(10);
    expect(ids(lim.train)).toEqual(ids(full.train).slice(0, 10));
    expect(ids(lim.holdout)).toEqual(ids(full.holdout).slice(0, 5));
    expect(ids(lim.test)).toEqual(Array.from({ length: 7 }, (_, i) => i));
    expect(lim.test.name).toBe('syn-test[:7]');
    // A limit above the count is no limit.
    expect(loadSplits(source, { holdout: 20, seed: 3, limitTest: 1000 }).test.count).toBe(30);
  });

  it('validates limits before loading', () => {
    const source = { train: synthetic(10), test: synthetic(5, 'syn-test') };
    expect(() => loadSplits(source, { holdout: 2, seed: 1, limitTrain: 0 })).toThrow(/invalid limitTrain: 0/);
    expect(() => loadSplits(source, { holdout: 2, seed: 1, limitTest: 1.5 })).toThrow(/invalid limitTest/);
  });
});
