/**
 * One complete surrogate-gradient run: train, then (unless stopped early) evaluate on the hold-out and
 * test sets. What the CLI prints and what a study objective records.
 */
import type { DataSplits } from '../../data/dataset.ts';
import { denseKernelsName } from '../../snn/kernels.ts';
import type { SgConfig } from './config.ts';
import {
  type BatchProgress,
  evaluate,
  type LayerActivity,
  type SpikeReport,
  type TrainCallbacks,
  type TrainResult,
  trainSg,
} from './train.ts';

export interface SgRunOptions {
  readonly onBatch?: (p: BatchProgress) => void;
  readonly onReport?: (r: SpikeReport) => 'stop' | undefined;
  readonly reportEvery?: number;
  /** Skip the test set (a study's objective is the hold-out accuracy). */
  readonly skipTest?: boolean;
  /** The silence probe (see TrainCallbacks.probe). */
  readonly probe?: TrainCallbacks['probe'];
  /**
   * Evaluate a network whose training was stopped early (the seed paper's behaviour; default false:
   * a stopped network is not evaluated). A network stopped by the probe is never evaluated.
   */
  readonly evaluateStopped?: boolean;
}

export interface SgRunReport {
  readonly train: TrainResult;
  /** Null when training was stopped early: a stopped network is not evaluated. */
  readonly holdoutAccuracy: number | null;
  readonly testAccuracy: number | null;
  readonly inferenceSamplesPerSec: number | null;
  /** Spike activity per layer on the hold-out set (null when not evaluated). */
  readonly holdoutActivity: readonly LayerActivity[] | null;
  readonly peakRssMiB: number;
  /** Dense-kernel implementation used: 'wasm-simd' or 'js'. */
  readonly kernels: string;
}

export async function runSg(
  config: SgConfig,
  data: DataSplits,
  opts: SgRunOptions = {},
): Promise<SgRunReport> {
  const { network, result } = trainSg(config, data.train, {
    ...(opts.onBatch ? { onBatch: opts.onBatch } : {}),
    ...(opts.onReport ? { onReport: opts.onReport } : {}),
    ...(opts.reportEvery !== undefined ? { reportEvery: opts.reportEvery } : {}),
    ...(opts.probe !== undefined ? { probe: opts.probe } : {}),
  });
  let holdoutAccuracy: number | null = null;
  let testAccuracy: number | null = null;
  let inference: number | null = null;
  let holdoutActivity: readonly LayerActivity[] | null = null;
  if (result.status === 'completed' || (opts.evaluateStopped === true && result.samplesSeen > 0)) {
    const evalOpts = {
      encoder: config.encoder,
      steps: config.steps,
      batchSize: config.batchSize,
      loss: config.loss,
      seed: config.seed + 1,
    };
    let samples = 0;
    let seconds = 0;
    if (data.holdout.count > 0) {
      const h = evaluate(network, data.holdout, evalOpts);
      holdoutAccuracy = h.accuracy;
      holdoutActivity = h.activity;
      samples += h.samples;
      seconds += h.seconds;
    }
    if (opts.skipTest !== true && data.test.count > 0) {
      const t = evaluate(network, data.test, evalOpts);
      testAccuracy = t.accuracy;
      samples += t.samples;
      seconds += t.seconds;
    }
    if (samples > 0) inference = samples / seconds;
  }
  return {
    train: result,
    holdoutAccuracy,
    testAccuracy,
    inferenceSamplesPerSec: inference,
    holdoutActivity,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    kernels: denseKernelsName(),
  };
}
