/**
 * Fully connected synaptic layer of the time-batched engine: y = x W + b over all T·B rows.
 * W is stored in × out, row-major, so that the fan-out of input i is the contiguous row W[i, :]:
 * for spike input the forward pass adds, for each input that fired, its row into the output
 * (event-driven: cost ∝ spikes × out, not in × out), and the weight gradient adds dY rows into the
 * rows of W that fired. Dense input (direct current encoding) uses the same loops with multipliers.
 */
import type { Rng } from '../core/rng.ts';
import { checkInt } from '../core/validate.ts';
import { denseKernels } from './kernels.ts';
import type { Layer, Param, PassContext } from './layer.ts';
import { type Activations, type DenseActivations, ensureF32, type Shape, shapeSize } from './tensor.ts';

export interface DenseOptions {
  readonly inShape: Shape;
  readonly units: number;
  readonly bias?: boolean;
  readonly rng: Rng;
}

export class Dense implements Layer {
  readonly kind = 'dense';
  readonly spiking = false;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly nIn: number;
  readonly nOut: number;
  readonly weight: Param;
  readonly bias: Param | null;
  private x: Activations | undefined;
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;

  constructor(opts: DenseOptions, field = 'dense') {
    this.nIn = checkInt(`${field}.inputs`, shapeSize(opts.inShape), 1);
    this.nOut = checkInt(`${field}.units`, opts.units, 1, 1 << 20);
    this.inShape = opts.inShape;
    this.outShape = [this.nOut];
    // PyTorch's default init (kaiming uniform, a = √5): U(-1/√fanIn, 1/√fanIn) for weights and bias.
    const bound = 1 / Math.sqrt(this.nIn);
    const w = new Float32Array(this.nIn * this.nOut);
    for (let i = 0; i < w.length; i++) w[i] = opts.rng.uniform(-bound, bound);
    this.weight = { name: `${field}.weight`, value: w, grad: new Float32Array(w.length) };
    if (opts.bias ?? true) {
      const b = new Float32Array(this.nOut);
      for (let i = 0; i < b.length; i++) b[i] = opts.rng.uniform(-bound, bound);
      this.bias = { name: `${field}.bias`, value: b, grad: new Float32Array(b.length) };
    } else {
      this.bias = null;
    }
  }

  params(): readonly Param[] {
    return this.bias === null ? [this.weight] : [this.weight, this.bias];
  }

  forward(x: Activations, _ctx: PassContext): DenseActivations {
    if (x.cols !== this.nIn) throw new Error(`dense: input has ${x.cols} columns, expected ${this.nIn}`);
    const rows = x.rows;
    const out = this.nOut;
    const y = ensureF32(this.y, rows * out);
    this.y = y;
    this.x = x;
    const b = this.bias === null ? null : this.bias.value;
    if (x.kind === 'spikes') {
      denseKernels.forwardSpikes(rows, out, x.rowPtr, x.colIdx, this.weight.value, b, y);
    } else {
      denseKernels.forwardDense(rows, this.nIn, out, x.values, this.weight.value, b, y);
    }
    return { kind: 'dense', rows, cols: out, values: y.subarray(0, rows * out) };
  }

  backward(dy: Float32Array, needInputGrad: boolean, _ctx: PassContext): Float32Array | null {
    const x = this.x;
    if (x === undefined) throw new Error('dense: backward before forward');
    const rows = x.rows;
    const out = this.nOut;
    const nIn = this.nIn;
    if (this.bias !== null) denseKernels.biasGrad(rows, out, dy, this.bias.grad);
    if (x.kind === 'spikes') {
      denseKernels.weightGradSpikes(rows, out, x.rowPtr, x.colIdx, dy, this.weight.grad);
    } else {
      denseKernels.weightGradDense(rows, nIn, out, x.values, dy, this.weight.grad);
    }
    if (!needInputGrad) return null;
    const dx = ensureF32(this.dx, rows * nIn);
    this.dx = dx;
    denseKernels.inputGrad(rows, nIn, out, dy, this.weight.value, dx);
    return dx.subarray(0, rows * nIn);
  }
}
