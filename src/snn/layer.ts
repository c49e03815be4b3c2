import type { Rng } from '../core/rng.ts';
import type { Activations, Shape } from './tensor.ts';

/** Everything a layer needs to know about the current pass. */
export interface PassContext {
  /** Time steps. */
  readonly T: number;
  /** Samples in the mini-batch. Tensors have T·B rows, time-major (row t·B + b). */
  readonly B: number;
  /** Training pass: dropout active, state kept for backward. */
  readonly training: boolean;
  /** Randomness for this pass (dropout masks). */
  readonly rng: Rng;
  /**
   * Gradient-check mode: neuron layers replace the Heaviside spike function by the primitive of
   * their surrogate derivative, so that BPTT is the exact gradient of the forward pass.
   */
  readonly smooth?: boolean;
}

/** A trainable tensor and its gradient (same length). */
export interface Param {
  readonly name: string;
  readonly value: Float32Array;
  readonly grad: Float32Array;
}

/**
 * A layer of the time-batched engine. `forward` returns a view on buffers the layer owns (valid until
 * its next forward) and keeps what `backward` needs. `backward` receives dL/d(output) (T·B × outSize)
 * and adds into its parameters' `grad`; it returns dL/d(input) (T·B × inSize) when `needInputGrad`,
 * else null (the first layer skips that work).
 */
export interface Layer {
  readonly kind: string;
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** True for neuron layers whose output is spikes (these get spike monitors). */
  readonly spiking: boolean;
  forward(x: Activations, ctx: PassContext): Activations;
  backward(dy: Float32Array, needInputGrad: boolean, ctx: PassContext): Float32Array | null;
  params(): readonly Param[];
}
