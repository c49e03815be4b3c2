/**
 * IDX files (the format of MNIST and Fashion-MNIST): a 4-byte magic number `00 00 TT RR` (TT = data
 * type, 0x08 = unsigned byte; RR = number of dimensions), RR big-endian uint32 dimension sizes, then
 * the data, row-major. Only unsigned-byte data is supported (all image/label sets in use are ubyte).
 * Files may be gzip-compressed; compression is detected from the content (bytes 1f 8b), not the name.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError, ValidationError } from '../core/errors.ts';
import type { ImageSet } from './dataset.ts';

/** IDX type code of unsigned bytes. */
export const IDX_UBYTE = 0x08;

/** A decoded IDX array. */
export interface IdxArray {
  /** Dimension sizes, outermost first (e.g. [60000, 28, 28]). */
  readonly dims: readonly number[];
  /** The data, row-major, in its own buffer. */
  readonly data: Uint8Array;
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function describeMagic(rank: number): string {
  return `${hex32((IDX_UBYTE << 8) | rank)}: IDX unsigned bytes, ${rank} dimension${rank === 1 ? '' : 's'}`;
}

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes an IDX file's bytes (raw or gzip). `path` names the source in error messages. With `rank`,
 * the magic number must announce that many dimensions (3 for images, 1 for labels).
 */
export function decodeIdx(bytes: Uint8Array, path: string, rank?: number): IdxArray {
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DataError(path, `corrupt gzip data: ${(err as Error).message}`, { cause: err });
    }
  }
  const n = bytes.length;
  if (n < 4) {
    throw new DataError(
      path,
      `truncated header: the file has ${n} byte${n === 1 ? '' : 's'}, an IDX header needs at least 4`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2];
  const r = bytes[3];
  const expected = rank === undefined ? `0x000008RR: IDX unsigned bytes, RR dimensions` : describeMagic(rank);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(path, `bad magic number ${hex32(magic)}, expected ${expected} (not an IDX file?)`);
  }
  if (type !== IDX_UBYTE) {
    throw new DataError(
      path,
      `bad magic number ${hex32(magic)}: data type 0x${type.toString(16).padStart(2, '0')} is not supported, expected ${expected}`,
    );
  }
  if (rank !== undefined && r !== rank) {
    throw new DataError(
      path,
      `bad magic number ${hex32(magic)} (${r} dimension${r === 1 ? '' : 's'}), expected ${expected}`,
    );
  }
  if (r === 0) throw new DataError(path, `bad magic number ${hex32(magic)}: 0 dimensions`);
  const headerBytes = 4 + 4 * r;
  if (n < headerBytes) {
    throw new DataError(
      path,
      `truncated header: the file has ${n} bytes, the header of a ${r}-dimensional IDX file needs ${headerBytes}`,
    );
  }
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < r; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const dataBytes = n - headerBytes;
  if (dataBytes !== size) {
    throw new DataError(
      path,
      `data size does not match the header: dims [${dims.join(', ')}] need ${size} bytes of data, ` +
        `the file has ${dataBytes} after its ${headerBytes}-byte header${dataBytes < size ? ' (truncated?)' : ''}`,
    );
  }
  // Copy so that the array owns its buffer (file buffers may be pooled or much larger). Not
  // bytes.slice: on a node Buffer that is a view.
  const data = new Uint8Array(size);
  data.set(bytes.subarray(headerBytes));
  return { dims, data };
}

/** Reads an IDX file (raw or gzip). Throws DataError naming the path for any problem. */
export function readIdx(path: string, rank?: number): IdxArray {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new DataError(path, 'is a directory, expected an IDX file');
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(path, 'file not found', { cause: err });
    throw new DataError(path, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  return decodeIdx(bytes, path, rank);
}

/** Encodes unsigned-byte data with the given dims as IDX bytes (uncompressed). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (!Array.isArray(dims) || dims.length < 1 || dims.length > 255) {
    throw new ValidationError('dims', dims, 'expected an array of 1 to 255 dimension sizes');
  }
  let size = 1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new ValidationError(`dims[${i}]`, d, 'expected an integer in [0, 4294967295]');
    }
    size *= d;
  }
  if (!(data instanceof Uint8Array) || data.length !== size) {
    throw new ValidationError(
      'data.length',
      data instanceof Uint8Array ? data.length : data,
      `expected a Uint8Array of ${size} bytes for dims [${dims.join(', ')}]`,
    );
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, (IDX_UBYTE << 8) | dims.length, false);
  for (let i = 0; i < dims.length; i++) view.setUint32(4 + 4 * i, dims[i], false);
  out.set(data, header);
  return out;
}

/**
 * Writes unsigned-byte data as an IDX file. Compressed with gzip when `gzip` is true, or, by default,
 * when the path ends in `.gz`.
 */
export function writeIdx(
  path: string,
  dims: readonly number[],
  data: Uint8Array,
  options: { gzip?: boolean } = {},
): void {
  const raw = encodeIdx(dims, data);
  const gzip = options.gzip ?? path.endsWith('.gz');
  try {
    writeFileSync(path, gzip ? gzipSync(raw) : raw);
  } catch (err) {
    throw new DataError(path, `cannot write: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Reads an image/label IDX pair (3-D images count × H × W, 1-D labels) into a one-channel ImageSet.
 * Checks that the counts agree and that every label is below `classes`.
 */
export function readIdxImageSet(
  imagesPath: string,
  labelsPath: string,
  options: { name: string; classes: number },
): ImageSet {
  const { name, classes } = options;
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) {
    throw new ValidationError('classes', classes, 'expected an integer in [1, 256]');
  }
  const images = readIdx(imagesPath, 3);
  const labels = readIdx(labelsPath, 1);
  const [count, h, w] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(
      labelsPath,
      `${labels.dims[0]} labels, but the images file ${imagesPath} has ${count} images`,
    );
  }
  const lab = labels.data;
  for (let i = 0; i < count; i++) {
    if (lab[i] >= classes) {
      throw new DataError(labelsPath, `label[${i}] = ${lab[i]} is out of range (expected 0..${classes - 1})`);
    }
  }
  return { name, count, shape: [1, h, w], pixels: images.data, labels: lab, classes };
}
