/**
 * Inverted dropout for the time-batched engine. In training every unit is zeroed with probability p
 * and the survivors are scaled by 1/(1 − p). SNN semantic: one mask per sample, shared by all T time
 * steps (a unit dropped for sample b is dropped at every step), so a B × size mask is drawn once per
 * forward and applied to every row t·B + b. In evaluation (or with p = 0) the layer is the identity
 * and returns its input unchanged (spikes stay spikes); otherwise the output is dense (scaled values).
 */
import { ValidationError } from '../core/errors.ts';
import type { Layer, Param, PassContext } from './layer.ts';
import { checkShape } from './shape.ts';
import { type Activations, ensureF32, type Shape, shapeSize } from './tensor.ts';

export interface DropoutOptions {
  /** Per-sample shape (input and output). */
  readonly shape: Shape;
  /** Drop probability, 0 <= p < 1. */
  readonly p: number;
}

const NO_PARAMS: readonly Param[] = Object.freeze([]);

export class Dropout implements Layer {
  readonly kind = 'dropout';
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly spiking = false;
  readonly p: number;

  private readonly size: number;
  /** B × size: 0 for dropped units, 1/(1 − p) for kept ones. */
  private mask: Float32Array | undefined;
  private out: Float32Array | undefined;
  private dx: Float32Array | undefined;
  /** Whether the last forward applied a mask (training with p > 0). */
  private active = false;
  private lastT = 0;
  private lastB = 0;

  constructor(opts: DropoutOptions) {
    const shape = checkShape('shape', opts.shape);
    const p = opts.p;
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p >= 1) {
      throw new ValidationError('p', p, 'expected a number in [0, 1)');
    }
    this.inShape = shape;
    this.outShape = shape;
    this.p = p;
    this.size = shapeSize(shape);
  }

  params(): readonly Param[] {
    return NO_PARAMS;
  }

  /** The mask of the last training forward (B × size, values 0 or 1/(1 − p)); for tests. */
  lastMask(): Float32Array | null {
    return this.active && this.mask !== undefined ? this.mask.subarray(0, this.lastB * this.size) : null;
  }

  forward(x: Activations, ctx: PassContext): Activations {
    const size = this.size;
    if (x.cols !== size) {
      throw new ValidationError(
        'input cols',
        x.cols,
        `expected ${size} (shape [${this.inShape.join(', ')}])`,
      );
    }
    if (!ctx.training || this.p === 0) {
      this.active = false;
      return x;
    }
    const T = ctx.T;
    const B = ctx.B;
    if (x.rows !== T * B) {
      throw new ValidationError('input rows', x.rows, `expected T·B = ${T}·${B} = ${T * B}`);
    }
    this.active = true;
    this.lastT = T;
    this.lastB = B;

    const m = B * size;
    const mask = ensureF32(this.mask, m);
    this.mask = mask;
    const p = this.p;
    const scale = 1 / (1 - p);
    const rng = ctx.rng;
    // One draw per (sample, unit), not per row: O(B·size) generator calls per forward.
    for (let i = 0; i < m; i++) mask[i] = rng.next() < p ? 0 : scale;

    const n = x.rows * size;
    const out = ensureF32(this.out, n);
    this.out = out;
    if (x.kind === 'spikes') {
      const rowPtr = x.rowPtr;
      const colIdx = x.colIdx;
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const r = t * B + b;
          const ob = r * size;
          const mb = b * size;
          for (let i = 0; i < size; i++) out[ob + i] = 0;
          const e1 = rowPtr[r + 1];
          for (let e = rowPtr[r]; e < e1; e++) {
            const j = colIdx[e];
            out[ob + j] = mask[mb + j];
          }
        }
      }
    } else {
      const xv = x.values;
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const ob = (t * B + b) * size;
          const mb = b * size;
          for (let i = 0; i < size; i++) out[ob + i] = xv[ob + i] * mask[mb + i];
        }
      }
    }
    return { kind: 'dense', rows: x.rows, cols: size, values: out.subarray(0, n) };
  }

  backward(dy: Float32Array, needInputGrad: boolean, _ctx: PassContext): Float32Array | null {
    if (!needInputGrad) return null;
    if (!this.active) return dy;
    const T = this.lastT;
    const B = this.lastB;
    const size = this.size;
    const mask = this.mask as Float32Array;
    const n = T * B * size;
    const dx = ensureF32(this.dx, n);
    this.dx = dx;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const ob = (t * B + b) * size;
        const mb = b * size;
        for (let i = 0; i < size; i++) dx[ob + i] = dy[ob + i] * mask[mb + i];
      }
    }
    return dx.subarray(0, n);
  }
}
