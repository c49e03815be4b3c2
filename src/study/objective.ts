/**
 * What a study optimizes: an objective is an async function of a trial's parameters that reports while
 * it trains and returns its values. `report` feeds the trial's early stopper and returns 'stop' when a
 * rule fires; the objective must then stop training promptly and return `{ status: 'stopped' }`
 * without evaluating (a stopped network is not tested on the hold-out set) — unless
 * `evaluateStopped` is set (the seed paper's behaviour, kept for the ablation): then it evaluates the
 * stopped network and returns `{ status: 'stopped', values }`.
 */
import type { ParamValues } from '../space/index.ts';
import type { TrainingReport } from './early-stopping.ts';

/** The silence probe as an objective sees it (see SilenceProbeConfig). */
export interface ObjectiveProbe {
  /** How many training samples to run the untrained network on. */
  readonly samples: number;
  /**
   * Judges per-sample spike counts of the untrained network, per monitored layer; 'stop' means the
   * network is predicted silent and must not be trained (return `{ status: 'stopped' }`).
   */
  judge(sampleSpikes: Readonly<Record<string, ArrayLike<number>>>): 'stop' | undefined;
}

export interface ObjectiveContext {
  readonly trialNumber: number;
  /** Seed for this trial's own randomness (derived from the study seed and trial number). */
  readonly seed: number;
  /** Feeds a report to the early stopper; 'stop' means: stop training now. */
  report(r: TrainingReport): 'stop' | undefined;
  /** Aborted when the study is interrupted or the trial times out. */
  readonly signal: AbortSignal;
  /** Evaluate a network stopped by `report` anyway (the seed paper's behaviour; default false). */
  readonly evaluateStopped?: boolean;
  /** Present when the study runs the silence probe; objectives that cannot run it ignore it. */
  readonly probe?: ObjectiveProbe;
}

export type ObjectiveOutcome =
  /** values: one per study objective, in order; metrics: anything else worth keeping. */
  | {
      readonly status: 'complete';
      readonly values: readonly number[];
      readonly metrics?: Readonly<Record<string, number>>;
    }
  | {
      readonly status: 'stopped';
      /** Only with `evaluateStopped`: the stopped network's values. */
      readonly values?: readonly number[];
      readonly metrics?: Readonly<Record<string, number>>;
    };

export type Objective = (params: ParamValues, ctx: ObjectiveContext) => Promise<ObjectiveOutcome>;
