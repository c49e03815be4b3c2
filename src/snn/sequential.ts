/**
 * A feed-forward stack of layers, itself a Layer. Forward runs layer by layer over all T·B rows;
 * backward runs in reverse and skips the input gradient of the first layer.
 */
import type { Layer, Param, PassContext } from './layer.ts';
import type { Activations, Shape } from './tensor.ts';

export class Sequential implements Layer {
  readonly kind = 'sequential';
  readonly spiking: boolean;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly layers: readonly Layer[];
  private readonly allParams: readonly Param[];

  constructor(layers: readonly Layer[]) {
    if (layers.length === 0) throw new Error('sequential: no layers');
    for (let i = 1; i < layers.length; i++) {
      const a = layers[i - 1].outShape.join('x');
      const b = layers[i].inShape.join('x');
      if (a !== b) throw new Error(`sequential: layer ${i - 1} outputs ${a} but layer ${i} expects ${b}`);
    }
    this.layers = layers;
    this.inShape = layers[0].inShape;
    this.outShape = layers[layers.length - 1].outShape;
    this.spiking = layers[layers.length - 1].spiking;
    this.allParams = layers.flatMap((l) => l.params());
  }

  params(): readonly Param[] {
    return this.allParams;
  }

  forward(x: Activations, ctx: PassContext): Activations {
    let h = x;
    for (const l of this.layers) h = l.forward(h, ctx);
    return h;
  }

  backward(dy: Float32Array, needInputGrad: boolean, ctx: PassContext): Float32Array | null {
    let g: Float32Array | null = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      g = this.layers[i].backward(g as Float32Array, i > 0 || needInputGrad, ctx);
    }
    return g;
  }
}
