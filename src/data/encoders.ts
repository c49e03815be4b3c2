/**
 * Spike encoders: turn a mini-batch of images into the time-batched input tensor of the engine
 * (rows = T·B, time-major: row t·B + b is sample b at step t; cols = C·H·W).
 *
 * - poisson: rate coding, an independent Bernoulli draw per pixel and step with
 *   P(spike) = min(1, gain · pixel/255) (snnTorch spikegen.rate).
 * - latency: time-to-first-spike coding, at most one spike per pixel, bright pixels first
 *   (snnTorch spikegen.latency with clip: pixels at or below the threshold never fire).
 * - direct: the intensity pixel/255 injected as a current at every step (dense).
 *
 * Encoders own their output buffers and reuse them across calls (grown only when needed); spike
 * outputs are cleared by zeroing only the entries the previous call set, so callers must not write
 * into the returned arrays.
 */
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { Activations, DenseActivations, SpikeActivations } from '../snn/tensor.ts';
import { ensureF32, ensureI32 } from '../snn/tensor.ts';
import type { ImageSet } from './dataset.ts';

export type EncoderSpec =
  /** P(spike at a step) = min(1, gain · pixel/255), independent per step; default gain 1. */
  | { readonly kind: 'poisson'; readonly gain?: number }
  /**
   * One spike per pixel at most, at the time to first spike of the pixel x = pixel/255 (bright pixels
   * fire early; x <= threshold never fires). linear: step = round((T-1)(1-x)). Otherwise the RC model
   * t = tau · ln(x / (x - threshold)), with t in units of the encoding window: step = round((T-1) t),
   * clamped to T-1. Defaults: tau 1, threshold 0.01, linear false.
   */
  | {
      readonly kind: 'latency';
      readonly tau?: number;
      readonly threshold?: number;
      readonly linear?: boolean;
    }
  /** x = pixel/255 as an input current at every step (dense). */
  | { readonly kind: 'direct' };

export type EncoderKind = EncoderSpec['kind'];

/** Encoder kinds, for CLIs and config validation. */
export const encoderKinds: readonly EncoderKind[] = ['poisson', 'latency', 'direct'];

export interface Encoder {
  /** The spec with every default filled in. */
  readonly spec: EncoderSpec;
  /**
   * Encodes the samples indices[start .. start+B) of `set` over T steps. Returns a view on buffers the
   * encoder owns (valid until its next call; do not write into it).
   */
  encode(
    set: ImageSet,
    indices: ArrayLike<number>,
    start: number,
    B: number,
    T: number,
    rng: Rng,
  ): Activations;
}

const TWO31 = 2147483648;

function ensureU32(buf: Uint32Array | undefined, size: number): Uint32Array {
  return buf !== undefined && buf.length >= size ? buf : new Uint32Array(size);
}

/** Validates the batch arguments; returns the features per sample. */
function checkBatch(set: ImageSet, indices: ArrayLike<number>, start: number, B: number, T: number): number {
  if (!Number.isInteger(T) || T < 1) throw new ValidationError('T', T, 'expected an integer >= 1');
  if (!Number.isInteger(B) || B < 1) throw new ValidationError('B', B, 'expected an integer >= 1');
  if (!Number.isInteger(start) || start < 0 || start + B > indices.length) {
    throw new ValidationError(
      'start',
      start,
      `expected an integer in [0, ${indices.length - B}] (B = ${B}, ${indices.length} indices)`,
    );
  }
  const count = set.count;
  for (let b = 0; b < B; b++) {
    const j = indices[start + b];
    if (!Number.isInteger(j) || j < 0 || j >= count) {
      throw new ValidationError(
        `indices[${start + b}]`,
        j,
        `expected an integer in [0, ${count - 1}] (a sample of ${set.name})`,
      );
    }
  }
  return set.shape[0] * set.shape[1] * set.shape[2];
}

/**
 * Output buffers of a spike encoder. `prepare` zeroes the values the previous call set (using its
 * CSR index) and grows the buffers to the new size.
 */
class SpikeBuffers {
  values: Float32Array = new Float32Array(0);
  rowPtr: Int32Array = new Int32Array(1);
  colIdx: Int32Array = new Int32Array(0);
  private rows = 0;
  private cols = 0;

  prepare(rows: number, cols: number, maxNnz: number): void {
    const v = this.values;
    const rp = this.rowPtr;
    const ci = this.colIdx;
    const pc = this.cols;
    for (let r = 0; r < this.rows; r++) {
      const base = r * pc;
      const end = rp[r + 1];
      for (let k = rp[r]; k < end; k++) v[base + ci[k]] = 0;
    }
    this.rows = 0;
    this.values = ensureF32(v, rows * cols);
    this.rowPtr = ensureI32(rp, rows + 1);
    this.colIdx = ensureI32(ci, Math.max(1, maxNnz));
    this.rowPtr[0] = 0;
  }

  /** Marks the buffers as holding `rows` × `cols` and returns the view. */
  finish(rows: number, cols: number): SpikeActivations {
    this.rows = rows;
    this.cols = cols;
    return {
      kind: 'spikes',
      rows,
      cols,
      values: this.values.subarray(0, rows * cols),
      rowPtr: this.rowPtr.subarray(0, rows + 1),
      colIdx: this.colIdx.subarray(0, this.rowPtr[rows]),
    };
  }
}

class PoissonEncoder implements Encoder {
  readonly spec: EncoderSpec;
  /**
   * Per pixel value v: round(p · 2^31) with p = min(1, gain · v/255). A pixel fires when the top 31
   * bits of a uint32 draw are below it (0 = never; 2^31 = always), i.e. with probability p to 2^-32.
   */
  private readonly thrLut = new Uint32Array(256);
  private readonly out = new SpikeBuffers();
  private nzCol: Int32Array | undefined;
  private nzThr: Uint32Array | undefined;
  private nzPtr: Int32Array | undefined;

  constructor(gain: number) {
    this.spec = { kind: 'poisson', gain };
    for (let v = 1; v < 256; v++) {
      const p = (gain * v) / 255;
      this.thrLut[v] = p >= 1 ? TWO31 : Math.round(p * TWO31);
    }
  }

  encode(
    set: ImageSet,
    indices: ArrayLike<number>,
    start: number,
    B: number,
    T: number,
    rng: Rng,
  ): Activations {
    const cols = checkBatch(set, indices, start, B, T);
    // Per sample, the pixels that can fire (zero pixels are skipped entirely) and their thresholds.
    const nzCol = ensureI32(this.nzCol, B * cols);
    const nzThr = ensureU32(this.nzThr, B * cols);
    const nzPtr = ensureI32(this.nzPtr, B + 1);
    this.nzCol = nzCol;
    this.nzThr = nzThr;
    this.nzPtr = nzPtr;
    const px = set.pixels;
    const lut = this.thrLut;
    let n = 0;
    nzPtr[0] = 0;
    for (let b = 0; b < B; b++) {
      const off = indices[start + b] * cols;
      for (let p = 0; p < cols; p++) {
        const thr = lut[px[off + p]];
        nzCol[n] = p;
        nzThr[n] = thr;
        n += -thr >>> 31; // branchless: 1 unless thr = 0 (zero pixels never fire)
      }
      nzPtr[b + 1] = n;
    }
    const rows = T * B;
    const out = this.out;
    out.prepare(rows, cols, T * n);
    const values = out.values;
    const rowPtr = out.rowPtr;
    const colIdx = out.colIdx;
    let nnz = 0;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const row = t * B + b;
        const base = row * cols;
        const end = nzPtr[b + 1];
        // Branchless: spike = sign bit of (31-bit draw - threshold), exact since both are in [0, 2^31].
        // Writing a 0 where no spike fires is harmless (the entry is already 0), as is writing colIdx
        // one past the spikes (capacity T·n covers every candidate).
        for (let k = nzPtr[b]; k < end; k++) {
          const c = nzCol[k];
          const spike = ((rng.nextU32() >>> 1) - nzThr[k]) >>> 31;
          values[base + c] = spike;
          colIdx[nnz] = c;
          nnz += spike;
        }
        rowPtr[row + 1] = nnz;
      }
    }
    return out.finish(rows, cols);
  }
}

class LatencyEncoder implements Encoder {
  readonly spec: EncoderSpec;
  private readonly out = new SpikeBuffers();
  /** Per pixel value, the firing step for `lutT` steps, -1 = never. */
  private readonly stepLut = new Int32Array(256);
  private lutT = 0;
  private nzCol: Int32Array | undefined;
  private nzRow: Int32Array | undefined;
  private cursor: Int32Array | undefined;

  constructor(
    private readonly tau: number,
    private readonly threshold: number,
    private readonly linear: boolean,
  ) {
    this.spec = { kind: 'latency', tau, threshold, linear };
  }

  /** The firing step of intensity x = v/255 over T steps, or -1. */
  stepOf(v: number, T: number): number {
    const x = v / 255;
    const th = this.threshold;
    if (x <= th) return -1;
    const last = T - 1;
    if (this.linear) return Math.round(last * (1 - x));
    const t = this.tau * Math.log(x / (x - th));
    return Math.min(last, Math.round(last * t));
  }

  encode(
    set: ImageSet,
    indices: ArrayLike<number>,
    start: number,
    B: number,
    T: number,
    _rng: Rng,
  ): Activations {
    const cols = checkBatch(set, indices, start, B, T);
    const lut = this.stepLut;
    if (this.lutT !== T) {
      for (let v = 0; v < 256; v++) lut[v] = this.stepOf(v, T);
      this.lutT = T;
    }
    const rows = T * B;
    const out = this.out;
    out.prepare(rows, cols, B * cols);
    const values = out.values;
    const rowPtr = out.rowPtr;
    const colIdx = out.colIdx;
    // Pass 1: the spikes of each sample (pixel ascending) with their rows, and the count per row.
    const nzCol = ensureI32(this.nzCol, B * cols);
    const nzRow = ensureI32(this.nzRow, B * cols);
    this.nzCol = nzCol;
    this.nzRow = nzRow;
    rowPtr.fill(0, 0, rows + 1);
    const px = set.pixels;
    let n = 0;
    for (let b = 0; b < B; b++) {
      const off = indices[start + b] * cols;
      for (let p = 0; p < cols; p++) {
        const s = lut[px[off + p]];
        if (s >= 0) {
          const row = s * B + b;
          nzCol[n] = p;
          nzRow[n] = row;
          rowPtr[row + 1]++;
          n++;
        }
      }
    }
    for (let r = 0; r < rows; r++) rowPtr[r + 1] += rowPtr[r];
    // Pass 2: scatter into rows; pixels arrive in ascending order, so each row's columns are sorted.
    const cursor = ensureI32(this.cursor, rows);
    this.cursor = cursor;
    cursor.set(rowPtr.subarray(0, rows));
    for (let k = 0; k < n; k++) {
      const row = nzRow[k];
      const c = nzCol[k];
      colIdx[cursor[row]++] = c;
      values[row * cols + c] = 1;
    }
    return out.finish(rows, cols);
  }
}

class DirectEncoder implements Encoder {
  readonly spec: EncoderSpec = { kind: 'direct' };
  private values: Float32Array | undefined;
  private readonly lut = new Float32Array(256);

  constructor() {
    for (let v = 0; v < 256; v++) this.lut[v] = v / 255;
  }

  encode(
    set: ImageSet,
    indices: ArrayLike<number>,
    start: number,
    B: number,
    T: number,
    _rng: Rng,
  ): Activations {
    const cols = checkBatch(set, indices, start, B, T);
    const rows = T * B;
    const values = ensureF32(this.values, rows * cols);
    this.values = values;
    const px = set.pixels;
    const lut = this.lut;
    // Step 0 holds rows 0..B-1; every other step is a copy of it.
    for (let b = 0; b < B; b++) {
      const off = indices[start + b] * cols;
      const base = b * cols;
      for (let p = 0; p < cols; p++) values[base + p] = lut[px[off + p]];
    }
    const block = B * cols;
    for (let t = 1; t < T; t++) values.copyWithin(t * block, 0, block);
    const res: DenseActivations = { kind: 'dense', rows, cols, values: values.subarray(0, rows * cols) };
    return res;
  }
}

function field(name: string): string {
  return `encoder.${name}`;
}

/** Builds an encoder from its spec, validating it (gain > 0, tau > 0, threshold in [0, 1)). */
export function createEncoder(spec: EncoderSpec): Encoder {
  switch (spec?.kind) {
    case 'poisson': {
      const gain = spec.gain ?? 1;
      if (typeof gain !== 'number' || !Number.isFinite(gain) || gain <= 0) {
        throw new ValidationError(field('gain'), gain, 'expected a finite number > 0');
      }
      return new PoissonEncoder(gain);
    }
    case 'latency': {
      const tau = spec.tau ?? 1;
      const threshold = spec.threshold ?? 0.01;
      const linear = spec.linear ?? false;
      if (typeof tau !== 'number' || !Number.isFinite(tau) || tau <= 0) {
        throw new ValidationError(field('tau'), tau, 'expected a finite number > 0');
      }
      if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold >= 1) {
        throw new ValidationError(field('threshold'), threshold, 'expected a number in [0, 1)');
      }
      if (typeof linear !== 'boolean')
        throw new ValidationError(field('linear'), linear, 'expected a boolean');
      return new LatencyEncoder(tau, threshold, linear);
    }
    case 'direct':
      return new DirectEncoder();
    default:
      throw new ValidationError(
        field('kind'),
        (spec as { kind?: unknown } | undefined)?.kind,
        `expected one of ${encoderKinds.join(', ')}`,
      );
  }
}
