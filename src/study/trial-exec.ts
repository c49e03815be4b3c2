/**
 * Runs one trial's objective with its early stopper, wherever it runs (a worker thread for the
 * built-in trainer, the main thread for external commands): turns each training report into a stored
 * report (mean spikes per sample per layer, metrics) and yields the outcome with the constraint values
 * of the silent rules.
 */
import type { ParamValues } from '../space/index.ts';
import {
  EarlyStopper,
  type EarlyStoppingConfig,
  silentConstraintNames,
  type TrainingReport,
} from './early-stopping.ts';
import type { Objective, ObjectiveOutcome } from './objective.ts';

/** A report as it is stored with the trial. */
export interface StoredReport {
  readonly step: number;
  readonly spikes: Record<string, number>;
  readonly metrics: Record<string, number>;
}

export interface TrialExecResult {
  readonly outcome: ObjectiveOutcome;
  /** One per silent rule (study constraint order); null when never measured. */
  readonly constraints: (number | null)[];
  /** Why it was stopped, when it was. */
  readonly stopReason: string | null;
}

export function summarizeReport(
  r: TrainingReport,
  stopper: EarlyStopper,
  names: readonly string[],
): StoredReport {
  const spikes: Record<string, number> = {};
  if (r.sampleSpikes !== undefined) {
    for (const [layer, counts] of Object.entries(r.sampleSpikes)) {
      let s = 0;
      for (let i = 0; i < counts.length; i++) s += counts[i];
      spikes[layer] = counts.length > 0 ? s / counts.length : 0;
    }
  }
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.metrics ?? {})) if (Number.isFinite(v)) metrics[k] = v;
  // The silent rules' current constraint values (fraction − max), as measured at their last check.
  stopper.constraints().forEach((c, i) => {
    if (c !== null) metrics[names[i]] = c;
  });
  return { step: Math.round(r.step), spikes, metrics };
}

export async function executeTrial(
  objective: Objective,
  earlyStopping: EarlyStoppingConfig,
  params: ParamValues,
  trialNumber: number,
  seed: number,
  signal: AbortSignal,
  onReport: (r: StoredReport) => void,
): Promise<TrialExecResult> {
  const stopper = new EarlyStopper(earlyStopping);
  const names = silentConstraintNames(earlyStopping);
  let stopReason: string | null = null;
  const outcome = await objective(params, {
    trialNumber,
    seed,
    signal,
    report: (r) => {
      const d = stopper.observe(r);
      onReport(summarizeReport(r, stopper, names));
      if (d.stop) {
        stopReason = d.reason;
        return 'stop';
      }
      return undefined;
    },
  });
  return { outcome, constraints: stopper.finalConstraints(), stopReason };
}
