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
  probeVerdict,
  type SilentRule,
  silentConstraintNames,
  type TrainingReport,
} from './early-stopping.ts';
import type { Objective, ObjectiveContext, ObjectiveOutcome } from './objective.ts';

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
  /**
   * Stored with the trial (its `userAttrs`): `metrics` (the objective's), `stop` or, with action
   * 'observe', `wouldStop` ({step, seconds into the trial, reason}), `probe` ({silent, fractions,
   * seconds}) and `evaluatedAfterStop`.
   */
  readonly attrs: Record<string, unknown>;
}

/** When a rule fired: training samples seen, seconds since the trial started, why. */
export interface StopMark {
  readonly step: number;
  readonly seconds: number;
  readonly reason: string;
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
  const action = earlyStopping.action ?? 'stop';
  const t0 = performance.now();
  const since = (): number => Math.round(performance.now() - t0) / 1000;
  let mark: StopMark | null = null;
  let probe: { silent: boolean; fractions: Record<string, number>; seconds: number } | null = null;
  let probeReason: string | null = null;
  const ctx: ObjectiveContext = {
    trialNumber,
    seed,
    signal,
    report: (r) => {
      const d = stopper.observe(r);
      onReport(summarizeReport(r, stopper, names));
      if (d.stop && mark === null) mark = { step: r.step, seconds: since(), reason: d.reason };
      return mark !== null && action !== 'observe' ? 'stop' : undefined;
    },
    ...(action === 'stop-and-evaluate' ? { evaluateStopped: true } : {}),
    ...(earlyStopping.probe !== undefined
      ? {
          probe: {
            samples: earlyStopping.probe.samples,
            judge: (sampleSpikes) => {
              const v = probeVerdict(earlyStopping, sampleSpikes);
              probe = { silent: v.silent, fractions: v.fractions, seconds: since() };
              if (v.silent && earlyStopping.probe?.act === true) {
                probeReason = v.reason;
                return 'stop';
              }
              return undefined;
            },
          },
        }
      : {}),
  };
  const outcome = await objective(params, ctx);
  const attrs: Record<string, unknown> = {};
  if (outcome.metrics !== undefined) attrs.metrics = outcome.metrics;
  const m = mark as StopMark | null;
  if (m !== null) attrs[action === 'observe' ? 'wouldStop' : 'stop'] = m;
  if (probe !== null) attrs.probe = probe;
  if (outcome.status === 'stopped' && outcome.values !== undefined) attrs.evaluatedAfterStop = true;
  const stopReason =
    outcome.status !== 'stopped'
      ? null
      : (probeReason ?? (action === 'observe' ? null : (m?.reason ?? null)));
  const constraints = stopper.finalConstraints();
  // A network stopped by the probe was never trained: its constraints are the probe's fractions.
  const p = probe as { fractions: Record<string, number> } | null;
  if (probeReason !== null && p !== null) {
    const silentRules = earlyStopping.rules.filter((r): r is SilentRule => r.kind === 'silent');
    constraints.forEach((c, i) => {
      const r = silentRules[i];
      const f = r === undefined ? undefined : p.fractions[r.layer];
      if (c === null && r !== undefined && f !== undefined) constraints[i] = f - r.maxSilentFraction;
    });
  }
  return { outcome, constraints, stopReason, attrs };
}
