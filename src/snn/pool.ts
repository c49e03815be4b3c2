/**
 * 2-D max / average pooling over all T·B rows at once (no padding; windows that overhang the input
 * are dropped, as PyTorch's default floor mode).
 *
 * In an SNN pooling is applied to spikes: the max of a binary window is its OR, so max pooling of
 * spike input returns spikes again, with their CSR index, and the next synaptic layer stays
 * event-driven. That path is itself event-driven: each input that fired marks the windows that
 * contain it. The arg-max of every window (first maximum in row-major window order, i.e. the
 * smallest input index on ties; the window's first element when nothing fired) is stored during
 * forward and backward routes the gradient there. Average pooling returns dense values.
 */
import { ValidationError } from '../core/errors.ts';
import { checkOneOf } from '../core/validate.ts';
import type { Layer, Param, PassContext } from './layer.ts';
import { checkShape3, poolOutShape, type Shape3 } from './shape.ts';
import { type Activations, ensureF32, ensureI32 } from './tensor.ts';

export type PoolMode = 'max' | 'avg';

export interface Pool2dOptions {
  /** Per-sample input shape [C, H, W]. */
  readonly inShape: Shape3;
  readonly mode: PoolMode;
  /** Square window size. */
  readonly size: number;
  /** Window stride (default: size, non-overlapping windows). */
  readonly stride?: number;
}

const NO_PARAMS: readonly Param[] = Object.freeze([]);

export class Pool2d implements Layer {
  readonly kind = 'pool2d';
  readonly inShape: Shape3;
  readonly outShape: Shape3;
  readonly spiking = false;
  readonly mode: PoolMode;
  readonly size: number;
  readonly stride: number;

  private readonly inSize: number;
  private readonly outSize: number;
  /** Input index of the first element of each output window (one sample). */
  private readonly winStart: Int32Array;
  /** Output rows [lo, hi) whose windows contain input row iy: at 2·iy, 2·iy + 1. Same for columns. */
  private readonly rangeY: Int32Array;
  private readonly rangeX: Int32Array;

  private out: Float32Array | undefined;
  private rowPtr: Int32Array | undefined;
  private colIdx: Int32Array | undefined;
  /** Arg-max input index (within its row) of every output, max mode. */
  private arg: Int32Array | undefined;
  private dx: Float32Array | undefined;
  private lastRows = -1;

  constructor(opts: Pool2dOptions) {
    const inShape = checkShape3('inShape', opts.inShape);
    this.mode = checkOneOf('mode', opts.mode, ['max', 'avg'] as const);
    const stride = opts.stride ?? opts.size;
    const outShape = poolOutShape(inShape, opts.size, stride);
    this.inShape = inShape;
    this.outShape = Object.freeze(outShape);
    this.size = opts.size;
    this.stride = stride;

    const [C, H, W] = inShape;
    const [, Ho, Wo] = outShape;
    const k = opts.size;
    this.inSize = C * H * W;
    this.outSize = C * Ho * Wo;
    this.winStart = new Int32Array(this.outSize);
    for (let c = 0; c < C; c++) {
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          this.winStart[(c * Ho + oy) * Wo + ox] = c * H * W + oy * stride * W + ox * stride;
        }
      }
    }
    // Window oy covers input rows [oy·s, oy·s + k): iy is covered by oy in [ceil((iy−k+1)/s), floor(iy/s)].
    this.rangeY = new Int32Array(2 * H);
    this.rangeX = new Int32Array(2 * W);
    for (let iy = 0; iy < H; iy++) {
      const lo = Math.max(0, Math.ceil((iy - k + 1) / stride));
      this.rangeY[2 * iy] = lo;
      this.rangeY[2 * iy + 1] = Math.max(lo, Math.min(Ho, Math.floor(iy / stride) + 1));
    }
    for (let ix = 0; ix < W; ix++) {
      const lo = Math.max(0, Math.ceil((ix - k + 1) / stride));
      this.rangeX[2 * ix] = lo;
      this.rangeX[2 * ix + 1] = Math.max(lo, Math.min(Wo, Math.floor(ix / stride) + 1));
    }
  }

  params(): readonly Param[] {
    return NO_PARAMS;
  }

  forward(x: Activations, _ctx: PassContext): Activations {
    if (x.cols !== this.inSize) {
      throw new ValidationError(
        'input cols',
        x.cols,
        `expected ${this.inSize} (inShape [${this.inShape.join(', ')}])`,
      );
    }
    const rows = x.rows;
    const n = rows * this.outSize;
    const out = ensureF32(this.out, n);
    this.out = out;
    this.lastRows = rows;
    const values = out.subarray(0, n);
    if (this.mode === 'max') {
      const arg = ensureI32(this.arg, n);
      this.arg = arg;
      if (x.kind === 'spikes') {
        this.maxSpikes(x.rowPtr, x.colIdx, rows, out, arg);
        const rowPtr = ensureI32(this.rowPtr, rows + 1);
        const colIdx = ensureI32(this.colIdx, Math.max(1, n));
        this.rowPtr = rowPtr;
        this.colIdx = colIdx;
        this.indexOutput(rows, out, rowPtr, colIdx);
        return {
          kind: 'spikes',
          rows,
          cols: this.outSize,
          values,
          rowPtr: rowPtr.subarray(0, rows + 1),
          colIdx,
        };
      }
      this.maxDense(x.values, rows, out, arg);
    } else if (x.kind === 'spikes') {
      this.avgSpikes(x.rowPtr, x.colIdx, rows, out);
    } else {
      this.avgDense(x.values, rows, out);
    }
    return { kind: 'dense', rows, cols: this.outSize, values };
  }

  /** OR of each window, event-driven; arg = first input that fired in the window (else its start). */
  private maxSpikes(
    rowPtr: Int32Array,
    colIdx: Int32Array,
    rows: number,
    out: Float32Array,
    arg: Int32Array,
  ): void {
    const [, H, W] = this.inShape;
    const [C, Ho, Wo] = this.outShape;
    const HW = H * W;
    const HoWo = Ho * Wo;
    const outSize = C * HoWo;
    const winStart = this.winStart;
    const rangeY = this.rangeY;
    const rangeX = this.rangeX;
    for (let r = 0; r < rows; r++) {
      const ob = r * outSize;
      for (let o = 0; o < outSize; o++) {
        out[ob + o] = 0;
        arg[ob + o] = winStart[o];
      }
      const e1 = rowPtr[r + 1];
      // colIdx is ascending, so the first input that reaches a window is its first maximum.
      for (let e = rowPtr[r]; e < e1; e++) {
        const j = colIdx[e];
        const c = (j / HW) | 0;
        const pos = j - c * HW;
        const iy = (pos / W) | 0;
        const ix = pos - iy * W;
        const y1 = rangeY[2 * iy + 1];
        const x0 = rangeX[2 * ix];
        const x1 = rangeX[2 * ix + 1];
        for (let oy = rangeY[2 * iy]; oy < y1; oy++) {
          const rb = ob + c * HoWo + oy * Wo;
          for (let ox = x0; ox < x1; ox++) {
            if (out[rb + ox] === 0) {
              out[rb + ox] = 1;
              arg[rb + ox] = j;
            }
          }
        }
      }
    }
  }

  /** CSR of the 0/1 output (ascending columns per row); colIdx holds rows · outSize entries. */
  private indexOutput(rows: number, out: Float32Array, rowPtr: Int32Array, colIdx: Int32Array): void {
    const outSize = this.outSize;
    let nnz = 0;
    rowPtr[0] = 0;
    for (let r = 0; r < rows; r++) {
      const ob = r * outSize;
      for (let o = 0; o < outSize; o++) {
        if (out[ob + o] !== 0) colIdx[nnz++] = o;
      }
      rowPtr[r + 1] = nnz;
    }
  }

  private maxDense(x: Float32Array, rows: number, out: Float32Array, arg: Int32Array): void {
    const [, , W] = this.inShape;
    const k = this.size;
    const inSize = this.inSize;
    const outSize = this.outSize;
    const winStart = this.winStart;
    for (let r = 0; r < rows; r++) {
      const xr = r * inSize;
      const ob = r * outSize;
      for (let o = 0; o < outSize; o++) {
        const s = winStart[o];
        let best = x[xr + s];
        let bi = s;
        for (let ky = 0; ky < k; ky++) {
          const rowStart = s + ky * W;
          for (let kx = 0; kx < k; kx++) {
            const v = x[xr + rowStart + kx];
            if (v > best) {
              best = v;
              bi = rowStart + kx;
            }
          }
        }
        out[ob + o] = best;
        arg[ob + o] = bi;
      }
    }
  }

  /** Window means, event-driven: every input that fired adds 1/size² to the windows containing it. */
  private avgSpikes(rowPtr: Int32Array, colIdx: Int32Array, rows: number, out: Float32Array): void {
    const [, H, W] = this.inShape;
    const [C, Ho, Wo] = this.outShape;
    const HW = H * W;
    const HoWo = Ho * Wo;
    const outSize = C * HoWo;
    const inv = 1 / (this.size * this.size);
    const rangeY = this.rangeY;
    const rangeX = this.rangeX;
    for (let r = 0; r < rows; r++) {
      const ob = r * outSize;
      for (let o = 0; o < outSize; o++) out[ob + o] = 0;
      const e1 = rowPtr[r + 1];
      for (let e = rowPtr[r]; e < e1; e++) {
        const j = colIdx[e];
        const c = (j / HW) | 0;
        const pos = j - c * HW;
        const iy = (pos / W) | 0;
        const ix = pos - iy * W;
        const y1 = rangeY[2 * iy + 1];
        const x0 = rangeX[2 * ix];
        const x1 = rangeX[2 * ix + 1];
        for (let oy = rangeY[2 * iy]; oy < y1; oy++) {
          const rb = ob + c * HoWo + oy * Wo;
          for (let ox = x0; ox < x1; ox++) out[rb + ox] += inv;
        }
      }
    }
  }

  private avgDense(x: Float32Array, rows: number, out: Float32Array): void {
    const [, , W] = this.inShape;
    const k = this.size;
    const inv = 1 / (k * k);
    const inSize = this.inSize;
    const outSize = this.outSize;
    const winStart = this.winStart;
    for (let r = 0; r < rows; r++) {
      const xr = r * inSize;
      const ob = r * outSize;
      for (let o = 0; o < outSize; o++) {
        const s = xr + winStart[o];
        let sum = 0;
        for (let ky = 0; ky < k; ky++) {
          const rowStart = s + ky * W;
          for (let kx = 0; kx < k; kx++) sum += x[rowStart + kx];
        }
        out[ob + o] = sum * inv;
      }
    }
  }

  backward(dy: Float32Array, needInputGrad: boolean, _ctx: PassContext): Float32Array | null {
    if (!needInputGrad) return null;
    const rows = this.lastRows;
    if (rows < 0) throw new Error('Pool2d.backward called before forward');
    const [, , W] = this.inShape;
    const inSize = this.inSize;
    const outSize = this.outSize;
    const n = rows * inSize;
    const dx = ensureF32(this.dx, n);
    this.dx = dx;
    dx.fill(0, 0, n);
    if (this.mode === 'max') {
      const arg = this.arg as Int32Array;
      for (let r = 0; r < rows; r++) {
        const xr = r * inSize;
        const ob = r * outSize;
        for (let o = 0; o < outSize; o++) dx[xr + arg[ob + o]] += dy[ob + o];
      }
    } else {
      const k = this.size;
      const inv = 1 / (k * k);
      const winStart = this.winStart;
      for (let r = 0; r < rows; r++) {
        const xr = r * inSize;
        const ob = r * outSize;
        for (let o = 0; o < outSize; o++) {
          const g = dy[ob + o] * inv;
          const s = xr + winStart[o];
          for (let ky = 0; ky < k; ky++) {
            const rowStart = s + ky * W;
            for (let kx = 0; kx < k; kx++) dx[rowStart + kx] += g;
          }
        }
      }
    }
    return dx.subarray(0, n);
  }
}
