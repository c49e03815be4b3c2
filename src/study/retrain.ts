/**
 * Retraining a study's best configuration on the full training set (no hold-out) and testing it on
 * the test set — the number to quote for a search, never used during the search itself.
 */
import { ValidationError } from '../core/errors.ts';
import { type DataSplits, loadSplits } from '../data/index.ts';
import type { ParamValues } from '../space/index.ts';
import { runSg } from '../train/sg/run.ts';
import { stdpConfigFromParams } from '../train/stdp/objective.ts';
import { runStdp } from '../train/stdp/run.ts';
import { type BuiltinObjectiveDef, datasetSpecOf, type ObjectiveDef } from './objective-def.ts';
import { sgConfigFromParams } from './objectives/sg.ts';

export interface RetrainResult {
  readonly testAccuracy: number;
  readonly trainSamples: number;
  readonly testSamples: number;
  readonly epochs: number;
  readonly seconds: number;
  /** STDP: the test accuracy of every decoder (the configuration's own is `testAccuracy`). */
  readonly byDecoder?: Readonly<Record<string, number>>;
}

export interface RetrainOptions {
  /** Epochs (default: the configuration's own). */
  readonly epochs?: number;
  readonly seed: number;
  /** Data to use instead of the full training and test sets (tests). */
  readonly data?: DataSplits;
}

/** The full training set and the full test set of the objective's dataset (or their first samples). */
export function fullSplits(
  def: BuiltinObjectiveDef,
  limits: { readonly train?: number; readonly test?: number } = {},
): DataSplits {
  return loadSplits(datasetSpecOf(def), {
    holdout: 0,
    seed: 0,
    ...(limits.train !== undefined ? { limitTrain: limits.train } : {}),
    ...(limits.test !== undefined ? { limitTest: limits.test } : {}),
  });
}

/** Trains `params` (over the study's fixed parameters) on the full training set; test accuracy. */
export async function retrainBest(
  def: ObjectiveDef,
  params: ParamValues,
  opts: RetrainOptions,
): Promise<RetrainResult> {
  if (def.kind !== 'sg' && def.kind !== 'stdp') {
    throw new ValidationError('objective.kind', def.kind, 'retraining needs a built-in trainer (sg or stdp)');
  }
  const data = opts.data ?? fullSplits(def);
  const fixed = def.fixed ?? {};
  const epochs = opts.epochs !== undefined ? { epochs: opts.epochs } : {};
  const t0 = performance.now();
  if (def.kind === 'sg') {
    const config = sgConfigFromParams({ ...params, ...epochs }, fixed, opts.seed);
    const r = await runSg(config, { ...data, holdout: { ...data.holdout, count: 0 } }, {});
    if (r.testAccuracy === null) throw new Error('retraining produced no test accuracy');
    return {
      testAccuracy: r.testAccuracy,
      trainSamples: data.train.count,
      testSamples: data.test.count,
      epochs: config.epochs,
      seconds: (performance.now() - t0) / 1000,
    };
  }
  const config = stdpConfigFromParams({ ...params, ...epochs }, fixed, opts.seed);
  const { report } = await runStdp(config, { ...data, holdout: { ...data.holdout, count: 0 } }, {});
  if (report.testAccuracy === null) throw new Error('retraining produced no test accuracy');
  return {
    testAccuracy: report.testAccuracy,
    trainSamples: data.train.count,
    testSamples: data.test.count,
    epochs: report.config.epochs,
    seconds: (performance.now() - t0) / 1000,
    ...(report.test !== null ? { byDecoder: { ...report.test.accuracy } } : {}),
  };
}
