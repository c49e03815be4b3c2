/** Data loading and spike encoders: the public surface of src/data. */
export type { DataSplits, ImageSet, SplitOptions } from './dataset.ts';
export { loadSplits, sampleSize, splitHoldout, subset } from './dataset.ts';
export type { Encoder, EncoderKind, EncoderSpec } from './encoders.ts';
export { createEncoder, encoderKinds } from './encoders.ts';
export type { IdxArray } from './idx.ts';
export { decodeIdx, encodeIdx, IDX_UBYTE, isGzip, readIdx, readIdxImageSet, writeIdx } from './idx.ts';
export type { DatasetName, DatasetSpec, SourceSets } from './mnist.ts';
export {
  clearDatasetCache,
  DEFAULT_FASHION_MNIST_DIR,
  datasetNames,
  fashionMnistClassNames,
  loadDataset,
  loadFashionMnist,
  loadMnist,
  mnistDataDir,
} from './mnist.ts';
