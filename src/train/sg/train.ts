/**
 * Surrogate-gradient training (BPTT) of a spiking network on an image set, with spike monitors
 * streamed to a callback that can stop training early, and evaluation.
 */
import { Rng } from '../../core/rng.ts';
import type { ImageSet } from '../../data/dataset.ts';
import { createEncoder, type Encoder, type EncoderSpec } from '../../data/encoders.ts';
import type { PassContext } from '../../snn/layer.ts';
import { buildNetwork, type SpikingNetwork } from '../../snn/network.ts';
import { Adam } from './adam.ts';
import { type SgConfig, validateSgConfig } from './config.ts';
import { type LossSpec, lossAndGrad, predict } from './loss.ts';

/** Spikes of each monitored layer for the samples seen since the previous report. */
export interface LayerSpikeWindow {
  readonly name: string;
  readonly neurons: number;
  /** One entry per sample of the window: its spikes in this layer over all T steps. */
  readonly sampleSpikes: Int32Array;
}

export interface SpikeReport {
  readonly epoch: number;
  /** Training samples processed so far (over all epochs). */
  readonly samplesSeen: number;
  readonly steps: number;
  readonly layers: readonly LayerSpikeWindow[];
  /** Mean training loss over the window. */
  readonly loss: number;
}

export interface BatchProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  readonly samplesSeen: number;
  readonly loss: number;
  readonly accuracy: number;
  /** Mean spikes per sample of each monitored layer, this batch. */
  readonly spikesPerSample: readonly number[];
  readonly samplesPerSec: number;
}

export interface TrainCallbacks {
  /** Called after every mini-batch. */
  readonly onBatch?: (p: BatchProgress) => void;
  /** Called every `reportEvery` training samples (rounded up to whole batches); return 'stop' to stop. */
  readonly onReport?: (r: SpikeReport) => 'stop' | undefined;
  readonly reportEvery?: number;
  /**
   * The silence probe: before training, the untrained network runs (inference, its own RNG: training
   * is the same with or without it) on the first `samples` training samples, and `judge` sees their
   * per-sample spike counts; 'stop' means: do not train (the result is 'stopped' at 0 samples).
   */
  readonly probe?: {
    readonly samples: number;
    judge(layers: readonly LayerSpikeWindow[]): 'stop' | undefined;
  };
}

export interface LayerActivity {
  readonly name: string;
  readonly neurons: number;
  readonly spikesPerSample: number;
  /** Spikes per neuron per time step. */
  readonly rate: number;
}

/** Wall time spent in each phase of training, seconds. */
export interface PhaseTimes {
  readonly encode: number;
  readonly forward: number;
  readonly loss: number;
  readonly backward: number;
  readonly optimizer: number;
}

export interface TrainResult {
  readonly status: 'completed' | 'stopped';
  readonly epochsRun: number;
  readonly samplesSeen: number;
  /** Mean training loss and accuracy over the last epoch (or its part before stopping). */
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly seconds: number;
  readonly samplesPerSec: number;
  readonly activity: readonly LayerActivity[];
  readonly phases: PhaseTimes;
}

export interface Trained {
  readonly network: SpikingNetwork;
  readonly result: TrainResult;
}

/** Trains a network from scratch on `train`. */
export function trainSg(config: SgConfig, train: ImageSet, callbacks: TrainCallbacks = {}): Trained {
  validateSgConfig(config);
  const rng = new Rng(config.seed);
  const network = buildNetwork(config.network, train.shape, train.classes, rng.fork(1));
  const result = trainNetwork(network, config, train, callbacks, rng);
  return { network, result };
}

function trainNetwork(
  net: SpikingNetwork,
  config: SgConfig,
  train: ImageSet,
  cb: TrainCallbacks,
  rng: Rng,
): TrainResult {
  const T = config.steps;
  const Bmax = Math.min(config.batchSize, train.count);
  const C = net.classes;
  const encoder = createEncoder(config.encoder);
  const adam = new Adam(net.params(), { lr: config.lr, weightDecay: config.weightDecay ?? 0 });
  adam.zeroGrad();
  const shuffleRng = rng.fork(2);
  const encRng = rng.fork(3);
  const dropRng = rng.fork(4);
  const order = new Int32Array(train.count);
  const dS = new Float32Array(T * Bmax * C);
  const dU = new Float32Array(T * Bmax * C);
  const labels = new Int32Array(Bmax);
  const L = net.monitored.length;
  const reportEvery = cb.reportEvery ?? 0;
  const windowCap = reportEvery > 0 ? reportEvery + Bmax : 0;
  const window = net.monitored.map(() => new Int32Array(windowCap));
  let windowN = 0;
  let windowLoss = 0;
  let windowBatches = 0;
  const layerTotals = new Float64Array(L);
  let samplesSeen = 0;
  let status: 'completed' | 'stopped' = 'completed';
  let epochsRun = 0;
  let epochLoss = 0;
  let epochCorrect = 0;
  let epochSamples = 0;
  let epochBatches = 0;
  let activitySamples = 0;
  const start = performance.now();
  const batches = Math.ceil(train.count / Bmax);
  const ph = { encode: 0, forward: 0, loss: 0, backward: 0, optimizer: 0 };
  if (cb.probe !== undefined && probeSays(net, config, train, cb.probe, rng.fork(5)) === 'stop') {
    status = 'stopped';
  }

  outer: for (let epoch = 0; status === 'completed' && epoch < config.epochs; epoch++) {
    for (let i = 0; i < order.length; i++) order[i] = i;
    shuffleRng.shuffle(order);
    epochsRun = epoch + 1;
    epochLoss = 0;
    epochCorrect = 0;
    epochSamples = 0;
    epochBatches = 0;
    layerTotals.fill(0);
    activitySamples = 0;
    for (let bi = 0; bi < batches; bi++) {
      const s0 = bi * Bmax;
      const B = Math.min(Bmax, train.count - s0);
      const ctx: PassContext = { T, B, training: true, rng: dropRng };
      const t0 = performance.now();
      const x = encoder.encode(train, order, s0, B, T, encRng);
      const t1 = performance.now();
      net.forward(x, ctx);
      const t2 = performance.now();
      for (let b = 0; b < B; b++) labels[b] = train.labels[order[s0 + b]];
      const out = { T, B, C, spikes: net.output.lastOutput(), membrane: net.output.membrane() };
      const lv = lossAndGrad(config.loss, out, labels, dS, dU);
      net.output.membraneGrad = config.loss.kind === 'membrane-ce' ? dU : null;
      const t3 = performance.now();
      net.backward(dS.subarray(0, T * B * C), ctx);
      const t4 = performance.now();
      adam.step();
      const t5 = performance.now();
      ph.encode += t1 - t0;
      ph.forward += t2 - t1;
      ph.loss += t3 - t2;
      ph.backward += t4 - t3;
      ph.optimizer += t5 - t4;
      samplesSeen += B;
      epochLoss += lv.loss;
      epochBatches++;
      epochCorrect += lv.correct;
      epochSamples += B;
      const perSample: number[] = [];
      for (let l = 0; l < L; l++) {
        const counts = net.sampleSpikes[l];
        let sum = 0;
        for (let b = 0; b < B; b++) sum += counts[b];
        layerTotals[l] += sum;
        perSample.push(sum / B);
        if (reportEvery > 0) window[l].set(counts.subarray(0, B), windowN);
      }
      activitySamples += B;
      const elapsed = (performance.now() - start) / 1000;
      cb.onBatch?.({
        epoch,
        epochs: config.epochs,
        batch: bi,
        batches,
        samplesSeen,
        loss: lv.loss,
        accuracy: lv.correct / B,
        spikesPerSample: perSample,
        samplesPerSec: samplesSeen / Math.max(elapsed, 1e-9),
      });
      if (reportEvery > 0) {
        windowN += B;
        windowLoss += lv.loss;
        windowBatches++;
        if (windowN >= reportEvery) {
          const report: SpikeReport = {
            epoch,
            samplesSeen,
            steps: T,
            loss: windowLoss / windowBatches,
            layers: net.monitored.map((m, l) => ({
              name: m.name,
              neurons: m.neurons,
              sampleSpikes: window[l].slice(0, windowN),
            })),
          };
          windowN = 0;
          windowLoss = 0;
          windowBatches = 0;
          if (cb.onReport?.(report) === 'stop') {
            status = 'stopped';
            break outer;
          }
        }
      }
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    status,
    epochsRun,
    samplesSeen,
    trainLoss: epochLoss / Math.max(1, epochBatches),
    trainAccuracy: epochCorrect / Math.max(1, epochSamples),
    seconds,
    samplesPerSec: samplesSeen / Math.max(seconds, 1e-9),
    activity: net.monitored.map((m, l) => {
      const sps = layerTotals[l] / Math.max(1, activitySamples);
      return { name: m.name, neurons: m.neurons, spikesPerSample: sps, rate: sps / (m.neurons * T) };
    }),
    phases: {
      encode: ph.encode / 1000,
      forward: ph.forward / 1000,
      loss: ph.loss / 1000,
      backward: ph.backward / 1000,
      optimizer: ph.optimizer / 1000,
    },
  };
}

/** Runs the untrained network on the first samples of `train` and asks the probe's judge. */
function probeSays(
  net: SpikingNetwork,
  config: SgConfig,
  train: ImageSet,
  probe: NonNullable<TrainCallbacks['probe']>,
  rng: Rng,
): 'stop' | undefined {
  const n = Math.min(probe.samples, train.count);
  const T = config.steps;
  const Bmax = Math.min(config.batchSize, n);
  const encoder = createEncoder(config.encoder);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const counts = net.monitored.map(() => new Int32Array(n));
  for (let s0 = 0; s0 < n; s0 += Bmax) {
    const B = Math.min(Bmax, n - s0);
    net.forward(encoder.encode(train, order, s0, B, T, rng), { T, B, training: false, rng });
    for (let l = 0; l < counts.length; l++) counts[l].set(net.sampleSpikes[l].subarray(0, B), s0);
  }
  return probe.judge(
    net.monitored.map((m, l) => ({ name: m.name, neurons: m.neurons, sampleSpikes: counts[l] })),
  );
}

export interface EvalOptions {
  readonly encoder: EncoderSpec;
  readonly steps: number;
  readonly batchSize: number;
  readonly loss: LossSpec;
  readonly seed: number;
}

export interface EvalResult {
  readonly accuracy: number;
  readonly samples: number;
  readonly seconds: number;
  readonly samplesPerSec: number;
  readonly activity: readonly LayerActivity[];
}

/** Accuracy and spike activity of `net` on `set` (inference only: no gradients, dropout off). */
export function evaluate(net: SpikingNetwork, set: ImageSet, opts: EvalOptions): EvalResult {
  const T = opts.steps;
  const Bmax = Math.min(opts.batchSize, set.count);
  const encoder: Encoder = createEncoder(opts.encoder);
  const rng = new Rng(opts.seed);
  const order = Int32Array.from({ length: set.count }, (_, i) => i);
  const pred = new Int32Array(Bmax);
  const totals = new Float64Array(net.monitored.length);
  let correct = 0;
  const start = performance.now();
  for (let s0 = 0; s0 < set.count; s0 += Bmax) {
    const B = Math.min(Bmax, set.count - s0);
    const ctx: PassContext = { T, B, training: false, rng };
    net.forward(encoder.encode(set, order, s0, B, T, rng), ctx);
    predict(
      opts.loss,
      { T, B, C: net.classes, spikes: net.output.lastOutput(), membrane: net.output.membrane() },
      pred,
    );
    for (let b = 0; b < B; b++) if (pred[b] === set.labels[s0 + b]) correct++;
    for (let l = 0; l < totals.length; l++) {
      const c = net.sampleSpikes[l];
      for (let b = 0; b < B; b++) totals[l] += c[b];
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    accuracy: correct / set.count,
    samples: set.count,
    seconds,
    samplesPerSec: set.count / Math.max(seconds, 1e-9),
    activity: net.monitored.map((m, l) => {
      const sps = totals[l] / set.count;
      return { name: m.name, neurons: m.neurons, spikesPerSample: sps, rate: sps / (m.neurons * T) };
    }),
  };
}
