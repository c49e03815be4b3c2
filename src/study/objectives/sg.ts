/**
 * The built-in surrogate-gradient objective: a trial's parameters configure one `runSg` training run
 * (src/train/sg), whose spike reports feed the early stopper; a run that completes is evaluated on the
 * hold-out set (never on the test set during a search).
 *
 * Parameter names understood (any of them may be fixed in `base` instead of searched):
 *   lr, batchSize, epochs, steps, weightDecay,
 *   neuron ('lif' | 'alif'), beta, threshold, reset ('subtract' | 'zero'), refractory, rho, adaptation,
 *   surrogate ('fast-sigmoid' | 'arctan' | 'sigmoid' | 'triangle'), slope,
 *   loss ('count-ce' | 'membrane-ce' | 'rate-mse'), correctRate, incorrectRate,
 *   encoder ('poisson' | 'latency' | 'direct'), gain, dropout,
 *   architecture: `layers` with `width1..widthN` (dense), or `convLayers` with `filters1..N`,
 *   `kernel1..N` (each conv followed by 2×2 max pooling) and optional `dense` width; or a fixed
 *   `hidden` string in the CLI architecture syntax ("256,128", "conv:12:5,pool:2,...").
 * Objectives: 'accuracy' (hold-out accuracy, maximize) and 'spikes' (mean spikes per sample over all
 * neuron layers on the hold-out set, minimize — an energy proxy).
 */
import { parseArchitecture } from '../../cli/arch.ts';
import { ValidationError } from '../../core/errors.ts';
import type { DataSplits } from '../../data/dataset.ts';
import type { EncoderSpec } from '../../data/encoders.ts';
import type { LayerSpec } from '../../snn/network.ts';
import type { NeuronSpec } from '../../snn/neuron.ts';
import type { SurrogateSpec } from '../../snn/surrogate.ts';
import type { ParamValue, ParamValues } from '../../space/index.ts';
import type { SgConfig } from '../../train/sg/config.ts';
import type { LossSpec } from '../../train/sg/loss.ts';
import { runSg } from '../../train/sg/run.ts';
import type { Objective } from '../objective.ts';

export const sgObjectiveNames = ['accuracy', 'spikes'] as const;
export type SgObjectiveName = (typeof sgObjectiveNames)[number];

const defaults: Readonly<Record<string, ParamValue>> = {
  lr: 1e-3,
  batchSize: 128,
  epochs: 1,
  steps: 25,
  weightDecay: 0,
  neuron: 'lif',
  beta: 0.9,
  threshold: 1,
  reset: 'subtract',
  refractory: 0,
  rho: 0.95,
  adaptation: 0.2,
  surrogate: 'fast-sigmoid',
  slope: 25,
  loss: 'count-ce',
  correctRate: 0.8,
  incorrectRate: 0.2,
  encoder: 'poisson',
  gain: 1,
  dropout: 0,
  hidden: '256',
};

/** Builds the training configuration of a trial from its parameters over `base` and defaults. */
export function sgConfigFromParams(
  params: ParamValues,
  base: Readonly<Record<string, ParamValue>>,
  seed: number,
): SgConfig {
  const all: Record<string, ParamValue> = { ...defaults, ...base, ...params };
  const num = (k: string): number => {
    const v = all[k];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ValidationError(`params.${k}`, v, 'expected a number');
    return v;
  };
  const str = (k: string): string => {
    const v = all[k];
    if (typeof v !== 'string') throw new ValidationError(`params.${k}`, v, 'expected a string');
    return v;
  };
  const surrogateKind = str('surrogate');
  const slope = num('slope');
  let surrogate: SurrogateSpec;
  if (surrogateKind === 'arctan') surrogate = { kind: 'arctan', alpha: slope };
  else if (surrogateKind === 'triangle') surrogate = { kind: 'triangle', width: 1 / slope, scale: slope };
  else if (surrogateKind === 'fast-sigmoid' || surrogateKind === 'sigmoid')
    surrogate = { kind: surrogateKind, slope };
  else
    throw new ValidationError(
      'params.surrogate',
      surrogateKind,
      'expected fast-sigmoid, arctan, sigmoid or triangle',
    );
  const common = {
    beta: num('beta'),
    threshold: num('threshold'),
    reset: str('reset') as 'subtract' | 'zero',
    refractory: Math.round(num('refractory')),
    detachReset: true,
    surrogate,
  };
  const neuron: NeuronSpec =
    str('neuron') === 'alif'
      ? { ...common, model: 'alif', rho: num('rho'), adaptation: num('adaptation') }
      : { ...common, model: 'lif' };
  const lossKind = str('loss');
  let loss: LossSpec;
  if (lossKind === 'rate-mse')
    loss = { kind: 'rate-mse', correctRate: num('correctRate'), incorrectRate: num('incorrectRate') };
  else if (lossKind === 'count-ce' || lossKind === 'membrane-ce') loss = { kind: lossKind };
  else throw new ValidationError('params.loss', lossKind, 'expected count-ce, membrane-ce or rate-mse');
  const encKind = str('encoder');
  let encoder: EncoderSpec;
  if (encKind === 'poisson') encoder = { kind: 'poisson', gain: num('gain') };
  else if (encKind === 'latency' || encKind === 'direct') encoder = { kind: encKind };
  else throw new ValidationError('params.encoder', encKind, 'expected poisson, latency or direct');
  return {
    network: { hidden: architecture(all), neuron },
    encoder,
    steps: Math.round(num('steps')),
    batchSize: Math.round(num('batchSize')),
    epochs: Math.round(num('epochs')),
    lr: num('lr'),
    weightDecay: num('weightDecay'),
    loss,
    seed,
  };
}

function architecture(all: Record<string, ParamValue>): LayerSpec[] {
  const dropout = typeof all.dropout === 'number' ? all.dropout : 0;
  const drop = (): LayerSpec[] => (dropout > 0 ? [{ kind: 'dropout', p: dropout }] : []);
  const intOf = (k: string): number => {
    const v = all[k];
    if (typeof v !== 'number')
      throw new ValidationError(`params.${k}`, v, 'expected a number (architecture)');
    return Math.round(v);
  };
  if (typeof all.convLayers === 'number') {
    const layers: LayerSpec[] = [];
    for (let i = 1; i <= all.convLayers; i++) {
      const kernel = intOf(`kernel${i}`);
      layers.push(
        { kind: 'conv', filters: intOf(`filters${i}`), kernel, padding: kernel >> 1 },
        { kind: 'pool', size: 2 },
      );
    }
    layers.push(...drop());
    if (typeof all.dense === 'number' && all.dense > 0)
      layers.push({ kind: 'dense', units: Math.round(all.dense) }, ...drop());
    return layers;
  }
  if (typeof all.layers === 'number') {
    const layers: LayerSpec[] = [];
    for (let i = 1; i <= all.layers; i++)
      layers.push({ kind: 'dense', units: intOf(`width${i}`) }, ...drop());
    return layers;
  }
  return [...parseArchitecture(String(all.hidden), 'params.hidden'), ...drop()];
}

export interface SgObjectiveOptions {
  readonly data: DataSplits;
  /** Fixed values for parameters that are not searched. */
  readonly base?: Readonly<Record<string, ParamValue>>;
  /** The study's objectives, in order. */
  readonly objectives: readonly SgObjectiveName[];
  /** Spike reports every this many training samples (default 1024). */
  readonly reportEvery?: number;
}

export function sgObjective(opts: SgObjectiveOptions): Objective {
  return async (params, ctx) => {
    const config = sgConfigFromParams(params, opts.base ?? {}, ctx.seed);
    let stopped = false;
    const probe = ctx.probe;
    const report = await runSg(config, opts.data, {
      reportEvery: opts.reportEvery ?? 1024,
      skipTest: true,
      ...(ctx.evaluateStopped === true ? { evaluateStopped: true } : {}),
      ...(probe !== undefined
        ? {
            probe: {
              samples: probe.samples,
              judge: (layers) => {
                const spikes: Record<string, Int32Array> = {};
                for (const l of layers) spikes[l.name] = l.sampleSpikes;
                const d = probe.judge(spikes);
                if (d === 'stop') stopped = true;
                return d;
              },
            },
          }
        : {}),
      onReport: (r) => {
        if (ctx.signal.aborted) return 'stop';
        const sampleSpikes: Record<string, Int32Array> = {};
        for (const l of r.layers) sampleSpikes[l.name] = l.sampleSpikes;
        const d = ctx.report({ step: r.samplesSeen, sampleSpikes, metrics: { loss: r.loss } });
        if (d === 'stop') stopped = true;
        return d;
      },
    });
    const metrics: Record<string, number> = {
      trainLoss: report.train.trainLoss,
      trainAccuracy: report.train.trainAccuracy,
      samplesPerSec: report.train.samplesPerSec,
      trainSeconds: report.train.seconds,
    };
    if (report.holdoutAccuracy === null) return { status: 'stopped', metrics };
    metrics.holdoutAccuracy = report.holdoutAccuracy;
    if (report.inferenceSamplesPerSec !== null)
      metrics.evalSeconds = opts.data.holdout.count / report.inferenceSamplesPerSec;
    let spikes = 0;
    for (const a of report.holdoutActivity ?? report.train.activity) spikes += a.spikesPerSample;
    metrics.spikesPerSample = spikes;
    const values = opts.objectives.map((o) =>
      o === 'accuracy' ? (report.holdoutAccuracy as number) : spikes,
    );
    // Stopped, and evaluated anyway (evaluateStopped): the values go with the stopped trial.
    if (stopped || report.train.status === 'stopped') return { status: 'stopped', values, metrics };
    return { status: 'complete', values, metrics };
  };
}
