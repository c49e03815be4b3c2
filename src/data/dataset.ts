/**
 * Image sets and the train / holdout / test splits of an optimisation study. The official test set is
 * kept apart: hyperparameters are optimised against a holdout carved out of the training set (the seed
 * paper held out 12,000 of MNIST's 60,000 training images), and the test set is only used to report.
 */
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { checkInt } from '../core/validate.ts';
import { type DatasetSpec, loadDataset, type SourceSets } from './mnist.ts';

/** A labelled set of images. Treat the arrays as read-only: loaded sets are cached and shared. */
export interface ImageSet {
  /** e.g. 'mnist-train'. */
  readonly name: string;
  readonly count: number;
  /** [C, H, W]; MNIST = [1, 28, 28]. */
  readonly shape: readonly [number, number, number];
  /** count × C·H·W, 0..255, sample-major. */
  readonly pixels: Uint8Array;
  /** count labels in 0..classes-1. */
  readonly labels: Uint8Array;
  /** Number of classes (10 for MNIST). */
  readonly classes: number;
}

export interface DataSplits {
  /** What the network is trained on. */
  readonly train: ImageSet;
  /** Held out of the training set: the objective that hyperparameter optimisation maximises. */
  readonly holdout: ImageSet;
  /** The official test set, never used for decisions. */
  readonly test: ImageSet;
}

/** Features per sample (C·H·W). */
export function sampleSize(set: ImageSet): number {
  return set.shape[0] * set.shape[1] * set.shape[2];
}

/** A copy of the samples `indices` of `set`, in that order. */
export function subset(set: ImageSet, indices: ArrayLike<number>, name: string): ImageSet {
  const size = sampleSize(set);
  const n = indices.length;
  const pixels = new Uint8Array(n * size);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (!Number.isInteger(j) || j < 0 || j >= set.count) {
      throw new ValidationError(
        `indices[${i}]`,
        j,
        `expected an integer in [0, ${set.count - 1}] (a sample of ${set.name})`,
      );
    }
    pixels.set(set.pixels.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = set.labels[j];
  }
  return { name, count: n, shape: set.shape, pixels, labels, classes: set.classes };
}

/** The name stem of a training set ('mnist-train' -> 'mnist'). */
function stem(name: string): string {
  return name.endsWith('-train') ? name.slice(0, -'-train'.length) : name;
}

/**
 * Splits `set` into a training part and a holdout of `holdoutCount` samples chosen uniformly at random
 * with `seed` (same seed, same split). Both parts keep the original sample order. A holdout of 0
 * keeps the whole set for training (the holdout is then empty).
 */
export function splitHoldout(
  set: ImageSet,
  holdoutCount: number,
  seed: number,
): { train: ImageSet; holdout: ImageSet } {
  checkInt('holdout', holdoutCount, 0, set.count - 1);
  checkInt('seed', seed, 0, 0xffffffff);
  const n = set.count;
  // Partial Fisher-Yates: the last holdoutCount slots end up a uniform random subset.
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const rng = new Rng(seed);
  const inHoldout = new Uint8Array(n);
  for (let i = n - 1; i >= n - holdoutCount; i--) {
    const j = rng.int(i + 1);
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
    inHoldout[perm[i]] = 1;
  }
  const trainIdx = new Int32Array(n - holdoutCount);
  const holdIdx = new Int32Array(holdoutCount);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (inHoldout[i] === 1) holdIdx[b++] = i;
    else trainIdx[a++] = i;
  }
  const s = stem(set.name);
  return {
    train: subset(set, trainIdx, `${s}-train`),
    holdout: subset(set, holdIdx, `${s}-holdout`),
  };
}

/** The first `limit` samples of `set` (the set itself when it has no more than that). */
function head(set: ImageSet, limit: number | undefined, field: string): ImageSet {
  if (limit === undefined) return set;
  checkInt(field, limit, 1);
  if (limit >= set.count) return set;
  const size = sampleSize(set);
  return {
    name: `${set.name}[:${limit}]`,
    count: limit,
    shape: set.shape,
    pixels: set.pixels.slice(0, limit * size),
    labels: set.labels.slice(0, limit),
    classes: set.classes,
  };
}

export interface SplitOptions {
  /** Samples held out of the official training set, in [0, count-1] (0: no hold-out set). */
  readonly holdout: number;
  /** Seed of the holdout split. */
  readonly seed: number;
  /** Keep only the first N training samples after the split (quick runs). */
  readonly limitTrain?: number;
  /** Keep only the first N holdout samples after the split (quick runs). */
  readonly limitHoldout?: number;
  /** Keep only the first N official test samples (quick runs). */
  readonly limitTest?: number;
}

/**
 * Builds the train / holdout / test splits of a dataset (loaded through `loadDataset` when given a
 * spec). The holdout is a seeded random subset of the official training set; the official test set
 * stays apart. Limits (integers >= 1; larger than the set means no limit) take the first N samples of
 * each part after the split.
 */
export function loadSplits(source: DatasetSpec | SourceSets, options: SplitOptions): DataSplits {
  for (const field of ['limitTrain', 'limitHoldout', 'limitTest'] as const) {
    const limit = options[field];
    if (limit !== undefined) checkInt(field, limit, 1);
  }
  const sets = 'train' in source ? source : loadDataset(source);
  const { train, holdout } = splitHoldout(sets.train, options.holdout, options.seed);
  return {
    train: head(train, options.limitTrain, 'limitTrain'),
    holdout: head(holdout, options.limitHoldout, 'limitHoldout'),
    test: head(sets.test, options.limitTest, 'limitTest'),
  };
}
