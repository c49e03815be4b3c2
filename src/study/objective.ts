/**
 * What a study optimizes: an objective is an async function of a trial's parameters that reports while
 * it trains and returns its values. `report` feeds the trial's early stopper and returns 'stop' when a
 * rule fires; the objective must then return `{ status: 'stopped' }` promptly without evaluating
 * (a stopped network is not tested on the hold-out set).
 */
import type { ParamValues } from '../space/index.ts';
import type { TrainingReport } from './early-stopping.ts';

export interface ObjectiveContext {
  readonly trialNumber: number;
  /** Seed for this trial's own randomness (derived from the study seed and trial number). */
  readonly seed: number;
  /** Feeds a report to the early stopper; 'stop' means: stop training now. */
  report(r: TrainingReport): 'stop' | undefined;
  /** Aborted when the study is interrupted or the trial times out. */
  readonly signal: AbortSignal;
}

export type ObjectiveOutcome =
  /** values: one per study objective, in order; metrics: anything else worth keeping. */
  | {
      readonly status: 'complete';
      readonly values: readonly number[];
      readonly metrics?: Readonly<Record<string, number>>;
    }
  | { readonly status: 'stopped'; readonly metrics?: Readonly<Record<string, number>> };

export type Objective = (params: ParamValues, ctx: ObjectiveContext) => Promise<ObjectiveOutcome>;
