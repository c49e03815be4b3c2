import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, ValidationError } from '../core/errors.ts';
import { decodeIdx, encodeIdx, isGzip, readIdx, readIdxImageSet, writeIdx } from './idx.ts';

const dir = mkdtempSync(join(tmpdir(), 'spiketune-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function images(count: number, h: number, w: number): Uint8Array {
  const a = new Uint8Array(count * h * w);
  for (let i = 0; i < a.length; i++) a[i] = (i * 37 + 11) & 255;
  return a;
}

function expectDataError(fn: () => unknown, ...fragments: string[]): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    for (const f of fragments) expect((err as Error).message).toContain(f);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('IDX encode/decode', () => {
  it('writes the MNIST header layout (big-endian magic and dims)', () => {
    const bytes = encodeIdx([2, 3, 4], images(2, 3, 4));
    expect(Array.from(bytes.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
    expect(bytes.length).toBe(16 + 24);
    const lab = encodeIdx([300], new Uint8Array(300));
    expect(Array.from(lab.subarray(0, 8))).toEqual([0, 0, 8, 1, 0, 0, 1, 44]);
  });

  it('round-trips raw and gzip files, detecting gzip from the content', () => {
    const data = images(5, 7, 6);
    const raw = join(dir, 'a-idx3-ubyte');
    const gz = join(dir, 'a-idx3-ubyte.gz');
    const gzNoExt = join(dir, 'gzip-without-extension');
    writeIdx(raw, [5, 7, 6], data);
    writeIdx(gz, [5, 7, 6], data);
    writeIdx(gzNoExt, [5, 7, 6], data, { gzip: true });
    expect(isGzip(readFileSync(raw))).toBe(false);
    expect(isGzip(readFileSync(gz))).toBe(true);
    expect(isGzip(readFileSync(gzNoExt))).toBe(true);
    for (const p of [raw, gz, gzNoExt]) {
      const r = readIdx(p, 3);
      expect(r.dims).toEqual([5, 7, 6]);
      expect(Array.from(r.data)).toEqual(Array.from(data));
      expect(r.data.byteOffset).toBe(0);
      expect(r.data.buffer.byteLength).toBe(data.length);
    }
    // A raw file named .gz is still read as raw.
    const rawNamedGz = join(dir, 'raw.gz');
    writeIdx(rawNamedGz, [5, 7, 6], data, { gzip: false });
    expect(Array.from(readIdx(rawNamedGz).data)).toEqual(Array.from(data));
  });

  it('accepts any rank when none is expected', () => {
    const r = decodeIdx(encodeIdx([2, 2, 2, 2], new Uint8Array(16).fill(9)), 'mem');
    expect(r.dims).toEqual([2, 2, 2, 2]);
    expect(r.data.every((x) => x === 9)).toBe(true);
  });

  it('validates writer arguments', () => {
    expect(() => encodeIdx([2, 3], new Uint8Array(5))).toThrow(ValidationError);
    expect(() => encodeIdx([2, 3], new Uint8Array(5))).toThrow(/data\.length: 5 .*6 bytes for dims \[2, 3\]/);
    expect(() => encodeIdx([2.5], new Uint8Array(2))).toThrow(/dims\[0\]: 2\.5/);
    expect(() => encodeIdx([], new Uint8Array(0))).toThrow(ValidationError);
  });
});

describe('IDX errors', () => {
  it('names a missing file', () => {
    const p = join(dir, 'nope', 'train-images-idx3-ubyte');
    const err = expectDataError(() => readIdx(p), p, 'file not found');
    expect(err.path).toBe(p);
  });

  it('rejects a directory', () => {
    const d = join(dir, 'a-directory');
    mkdirSync(d);
    expectDataError(() => readIdx(d), d, 'is a directory');
  });

  it('reports a bad magic number with what was found and expected', () => {
    const p = join(dir, 'text.txt');
    writeFileSync(p, 'hello world, this is not IDX');
    expectDataError(() => readIdx(p, 3), p, 'bad magic number 0x68656c6c', 'expected 0x00000803');
    // Labels where images are expected.
    const lab = join(dir, 'labels-idx1');
    writeIdx(lab, [4], new Uint8Array([1, 2, 3, 4]));
    expectDataError(
      () => readIdx(lab, 3),
      'bad magic number 0x00000801 (1 dimension)',
      'expected 0x00000803',
    );
    // Unsupported data type (0x0d = float).
    const f = encodeIdx([4], new Uint8Array(4));
    f[2] = 0x0d;
    expectDataError(() => decodeIdx(f, 'floats', 1), 'floats', 'data type 0x0d', 'expected 0x00000801');
  });

  it('reports a truncated header', () => {
    expectDataError(() => decodeIdx(new Uint8Array([0, 0]), 'two'), 'two', 'truncated header', '2 bytes');
    const p = join(dir, 'short-header');
    writeFileSync(p, Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0]));
    expectDataError(() => readIdx(p, 3), p, 'truncated header', '10 bytes', 'needs 16');
  });

  it('reports a data size that does not match the header, with both numbers', () => {
    const full = encodeIdx([3, 4, 4], images(3, 4, 4));
    const p = join(dir, 'truncated-data.gz');
    writeFileSync(p, gzipSync(full.subarray(0, full.length - 5)));
    expectDataError(() => readIdx(p, 3), p, 'dims [3, 4, 4] need 48 bytes', 'has 43', 'truncated');
    const extra = new Uint8Array(full.length + 2);
    extra.set(full);
    expectDataError(() => decodeIdx(extra, 'extra', 3), 'need 48 bytes', 'has 50');
  });

  it('reports corrupt gzip data', () => {
    const gz = gzipSync(encodeIdx([4], new Uint8Array(4)));
    const p = join(dir, 'corrupt.gz');
    writeFileSync(p, gz.subarray(0, gz.length - 6));
    expectDataError(() => readIdx(p), p, 'corrupt gzip data');
  });
});

describe('readIdxImageSet', () => {
  it('reads an image/label pair into a one-channel ImageSet', () => {
    const px = images(3, 2, 5);
    writeIdx(join(dir, 's-images.gz'), [3, 2, 5], px);
    writeIdx(join(dir, 's-labels'), [3], Uint8Array.from([7, 0, 9]));
    const set = readIdxImageSet(join(dir, 's-images.gz'), join(dir, 's-labels'), { name: 's', classes: 10 });
    expect(set.count).toBe(3);
    expect(set.shape).toEqual([1, 2, 5]);
    expect(Array.from(set.labels)).toEqual([7, 0, 9]);
    expect(Array.from(set.pixels)).toEqual(Array.from(px));
  });

  it('rejects mismatched counts and out-of-range labels', () => {
    writeIdx(join(dir, 'm-images'), [3, 2, 2], images(3, 2, 2));
    writeIdx(join(dir, 'm-labels'), [2], Uint8Array.from([1, 2]));
    writeIdx(join(dir, 'm-badlabels'), [3], Uint8Array.from([1, 10, 2]));
    expectDataError(
      () => readIdxImageSet(join(dir, 'm-images'), join(dir, 'm-labels'), { name: 'm', classes: 10 }),
      '2 labels',
      'has 3 images',
    );
    expectDataError(
      () => readIdxImageSet(join(dir, 'm-images'), join(dir, 'm-badlabels'), { name: 'm', classes: 10 }),
      'label[1] = 10',
      '0..9',
    );
  });
});
