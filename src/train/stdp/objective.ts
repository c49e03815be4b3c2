/**
 * The built-in STDP objective: a trial's parameters configure one `runStdp` run (Diehl & Cook 2015,
 * unsupervised), whose excitatory and inhibitory spike counts per sample feed the early stopper
 * (layers 'excitatory' and 'inhibitory': the seed paper's silent rule is fewer than 5 excitatory or
 * fewer than 1 inhibitory spike per sample); a run that completes is evaluated on the hold-out set
 * with the chosen decoder (never on the test set during a search). A stopped run is not evaluated.
 *
 * Parameter names: every `StdpConfig` field (see config.ts; `stdpSeedRanges` lists the seed paper's
 * 18), any of them searched or fixed in `base`. Integer fields (mapSize, epochs, time, excRefractory,
 * inhRefractory, labelSamples, logregEpochs) are rounded; `oneSpike` accepts a boolean or 0 / 1.
 * Objectives: 'accuracy' (hold-out accuracy, maximize) and 'spikes' (excitatory + inhibitory spikes
 * per hold-out sample, minimize — an energy proxy).
 */
import { ValidationError } from '../../core/errors.ts';
import type { DataSplits } from '../../data/dataset.ts';
import type { ParamValue, ParamValues } from '../../space/index.ts';
import type { Objective } from '../../study/objective.ts';
import { type StdpConfig, type StdpConfigInput, stdpDefaults } from './config.ts';
import { runStdp } from './run.ts';

export const stdpObjectiveNames = ['accuracy', 'spikes'] as const;
export type StdpObjectiveName = (typeof stdpObjectiveNames)[number];

/** Monitored layer names, as the early stopper's silent rules refer to them. */
export const STDP_LAYERS = { excitatory: 'excitatory', inhibitory: 'inhibitory' } as const;

const INTEGER_FIELDS = new Set([
  'mapSize',
  'epochs',
  'time',
  'excRefractory',
  'inhRefractory',
  'labelSamples',
  'logregEpochs',
  'seed',
]);
const STRING_FIELDS = new Set(['decoder']);
const BOOLEAN_FIELDS = new Set(['oneSpike']);
const FIELDS = new Set([...Object.keys(stdpDefaults), 'labelSamples']);

/**
 * The run configuration of a trial: parameters over `base` over the defaults; `seed` is the trial's
 * unless fixed in `base` or the parameters. Unknown names are rejected (naming them).
 */
export function stdpConfigFromParams(
  params: ParamValues,
  base: Readonly<Record<string, ParamValue>>,
  seed: number,
): StdpConfigInput {
  const all: Record<string, ParamValue> = { seed, ...base, ...params };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) {
    if (!FIELDS.has(k)) {
      throw new ValidationError(
        `params.${k}`,
        v,
        `unknown STDP parameter (expected one of ${[...FIELDS].join(', ')})`,
      );
    }
    if (STRING_FIELDS.has(k)) {
      if (typeof v !== 'string') throw new ValidationError(`params.${k}`, v, 'expected a string');
      out[k] = v;
    } else if (BOOLEAN_FIELDS.has(k)) {
      if (typeof v === 'boolean') out[k] = v;
      else if (v === 0 || v === 1) out[k] = v === 1;
      else throw new ValidationError(`params.${k}`, v, 'expected a boolean (or 0 / 1)');
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new ValidationError(`params.${k}`, v, 'expected a number');
      }
      out[k] = INTEGER_FIELDS.has(k) ? Math.round(v) : v;
    }
  }
  return out as Partial<StdpConfig>;
}

export interface StdpObjectiveOptions {
  readonly data: DataSplits;
  /** Fixed values for parameters that are not searched. */
  readonly base?: Readonly<Record<string, ParamValue>>;
  /** The study's objectives, in order. */
  readonly objectives: readonly StdpObjectiveName[];
  /** Spike reports every this many training samples (default 1000). */
  readonly reportEvery?: number;
}

export function stdpObjective(opts: StdpObjectiveOptions): Objective {
  for (const o of opts.objectives) {
    if (!(stdpObjectiveNames as readonly string[]).includes(o)) {
      throw new ValidationError(
        'objectives',
        o,
        `the stdp objective provides ${stdpObjectiveNames.join(', ')}`,
      );
    }
  }
  return async (params, ctx) => {
    const config = stdpConfigFromParams(params, opts.base ?? {}, ctx.seed);
    let stopped = false;
    const { report } = await runStdp(config, opts.data, {
      reportEvery: opts.reportEvery ?? 1000,
      skipTest: true,
      onReport: (r) => {
        if (ctx.signal.aborted) {
          stopped = true;
          return 'stop';
        }
        const d = ctx.report({
          step: r.samplesSeen,
          sampleSpikes: { [STDP_LAYERS.excitatory]: r.excitatory, [STDP_LAYERS.inhibitory]: r.inhibitory },
        });
        if (d === 'stop') stopped = true;
        return d;
      },
    });
    const metrics: Record<string, number> = {
      trainSamplesPerSec: report.train.samplesPerSec,
      trainSeconds: report.train.seconds,
      trainExcSpikesPerSample: report.train.excSpikesPerSample,
      trainInhSpikesPerSample: report.train.inhSpikesPerSample,
    };
    if (
      stopped ||
      report.status === 'stopped' ||
      report.holdout === null ||
      report.holdoutAccuracy === null
    ) {
      return { status: 'stopped', metrics };
    }
    const h = report.holdout;
    for (const [d, a] of Object.entries(h.accuracy)) metrics[`holdoutAccuracy_${d}`] = a;
    metrics.holdoutAccuracy = report.holdoutAccuracy;
    const spikes = h.excSpikesPerSample + h.inhSpikesPerSample;
    metrics.spikesPerSample = spikes;
    metrics.assignedNeurons = report.assignedNeurons ?? 0;
    const values = opts.objectives.map((o) =>
      o === 'accuracy' ? (report.holdoutAccuracy as number) : spikes,
    );
    return { status: 'complete', values, metrics };
  };
}
