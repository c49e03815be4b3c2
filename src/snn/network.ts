/**
 * Spiking network built from a declarative spec: every synaptic layer (dense, conv) is followed by a
 * spiking neuron layer; pooling and dropout sit between them; a dense output layer of `classes`
 * spiking neurons closes the stack. Every neuron layer has a spike monitor: after each forward pass,
 * `sampleSpikes[l][b]` is the number of spikes sample b emitted in neuron layer l over all T steps.
 */
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { checkInt, checkNumber } from '../core/validate.ts';
import { Conv2d } from './conv.ts';
import { Dense } from './dense.ts';
import { Dropout } from './dropout.ts';
import type { Layer, Param, PassContext } from './layer.ts';
import { LifLayer } from './lif.ts';
import { defaultNeuron, type NeuronSpec } from './neuron.ts';
import { Pool2d } from './pool.ts';
import { Sequential } from './sequential.ts';
import { type Activations, type Shape, shapeSize } from './tensor.ts';

export type LayerSpec =
  | { readonly kind: 'dense'; readonly units: number }
  | {
      readonly kind: 'conv';
      readonly filters: number;
      readonly kernel: number;
      readonly stride?: number;
      readonly padding?: number;
    }
  | { readonly kind: 'pool'; readonly mode?: 'max' | 'avg'; readonly size: number }
  | { readonly kind: 'dropout'; readonly p: number };

export interface NetworkSpec {
  /** Hidden layers, input to output; the output layer (dense, `classes` units, spiking) is added. */
  readonly hidden: readonly LayerSpec[];
  /** Neuron model of every spiking layer. */
  readonly neuron: NeuronSpec;
  /** Neuron model of the output layer (default: `neuron`). */
  readonly outputNeuron?: NeuronSpec;
}

/** One monitored neuron layer. */
export interface MonitoredLayer {
  readonly name: string;
  readonly neurons: number;
  readonly layer: LifLayer;
}

export class SpikingNetwork {
  readonly stack: Sequential;
  readonly monitored: readonly MonitoredLayer[];
  readonly output: LifLayer;
  readonly classes: number;
  /** Per neuron layer, per sample of the last forward pass: spikes over all steps. */
  readonly sampleSpikes: Int32Array[];

  constructor(layers: readonly Layer[], monitored: readonly MonitoredLayer[], classes: number) {
    this.stack = new Sequential(layers);
    this.monitored = monitored;
    this.output = monitored[monitored.length - 1].layer;
    this.classes = classes;
    this.sampleSpikes = monitored.map(() => new Int32Array(0));
  }

  params(): readonly Param[] {
    return this.stack.params();
  }

  forward(x: Activations, ctx: PassContext): Activations {
    const y = this.stack.forward(x, ctx);
    this.countSpikes(ctx.T, ctx.B);
    return y;
  }

  backward(dy: Float32Array, ctx: PassContext): void {
    this.stack.backward(dy, false, ctx);
  }

  private countSpikes(T: number, B: number): void {
    for (let l = 0; l < this.monitored.length; l++) {
      let counts = this.sampleSpikes[l];
      if (counts.length !== B) {
        counts = new Int32Array(B);
        this.sampleSpikes[l] = counts;
      } else {
        counts.fill(0);
      }
      const s = this.monitored[l].layer.lastSpikes();
      if (s === null) continue;
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const r = t * B + b;
          counts[b] += s.rowPtr[r + 1] - s.rowPtr[r];
        }
      }
    }
  }
}

function validateLayer(spec: LayerSpec, field: string): void {
  switch (spec.kind) {
    case 'dense':
      checkInt(`${field}.units`, spec.units, 1, 1 << 16);
      return;
    case 'conv':
      checkInt(`${field}.filters`, spec.filters, 1, 4096);
      checkInt(`${field}.kernel`, spec.kernel, 1, 64);
      if (spec.stride !== undefined) checkInt(`${field}.stride`, spec.stride, 1, 64);
      if (spec.padding !== undefined) checkInt(`${field}.padding`, spec.padding, 0, 64);
      return;
    case 'pool':
      checkInt(`${field}.size`, spec.size, 1, 64);
      if (spec.mode !== undefined && spec.mode !== 'max' && spec.mode !== 'avg') {
        throw new ValidationError(`${field}.mode`, spec.mode, 'expected max or avg');
      }
      return;
    case 'dropout':
      checkNumber(`${field}.p`, spec.p, 0, 0.99);
      return;
    default:
      throw new ValidationError(
        `${field}.kind`,
        (spec as { kind: unknown }).kind,
        'expected dense, conv, pool or dropout',
      );
  }
}

/** Builds a network for inputs of `inShape` ([C, H, W]) and `classes` outputs. */
export function buildNetwork(spec: NetworkSpec, inShape: Shape, classes: number, rng: Rng): SpikingNetwork {
  const layers: Layer[] = [];
  const monitored: MonitoredLayer[] = [];
  let shape: Shape = inShape;
  let spiking = 0;
  const addNeurons = (neuron: NeuronSpec, name: string, field: string): void => {
    const lif = new LifLayer(shape, neuron, field);
    layers.push(lif);
    monitored.push({ name, neurons: shapeSize(shape), layer: lif });
  };
  spec.hidden.forEach((l, i) => {
    const field = `network.hidden[${i}]`;
    validateLayer(l, field);
    try {
      addLayer(l, field);
    } catch (err) {
      throw err instanceof ValidationError && !err.field.startsWith('network.') ? err.under(field) : err;
    }
  });
  function addLayer(l: LayerSpec, field: string): void {
    switch (l.kind) {
      case 'dense': {
        const d = new Dense({ inShape: shape, units: l.units, rng }, field);
        layers.push(d);
        shape = d.outShape;
        addNeurons(spec.neuron, `hidden${++spiking}`, 'network.neuron');
        return;
      }
      case 'conv': {
        if (shape.length !== 3) {
          throw new ValidationError(`${field}.kind`, 'conv', 'a conv layer cannot follow a dense layer');
        }
        const c = new Conv2d({
          inShape: shape,
          filters: l.filters,
          kernel: l.kernel,
          stride: l.stride ?? 1,
          padding: l.padding ?? 0,
          rng,
        });
        layers.push(c);
        shape = c.outShape;
        addNeurons(spec.neuron, `conv${++spiking}`, 'network.neuron');
        return;
      }
      case 'pool': {
        if (shape.length !== 3) {
          throw new ValidationError(`${field}.kind`, 'pool', 'a pool layer cannot follow a dense layer');
        }
        const p = new Pool2d({ inShape: shape, mode: l.mode ?? 'max', size: l.size });
        layers.push(p);
        shape = p.outShape;
        return;
      }
      case 'dropout':
        if (l.p > 0) layers.push(new Dropout({ shape, p: l.p }));
        return;
    }
  }
  const out = new Dense({ inShape: shape, units: classes, rng }, 'network.output');
  layers.push(out);
  shape = out.outShape;
  addNeurons(spec.outputNeuron ?? spec.neuron, 'output', 'network.outputNeuron');
  return new SpikingNetwork(layers, monitored, classes);
}

/** A plain multilayer perceptron spec: `sizes` hidden widths. */
export function mlpSpec(sizes: readonly number[], neuron: NeuronSpec = defaultNeuron): NetworkSpec {
  return { hidden: sizes.map((units) => ({ kind: 'dense', units })), neuron };
}
