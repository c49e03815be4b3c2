/** Trial classification and study summaries shared by the charts and the trials table. */
import type { ChartParamSpec, ChartStudy, ChartTrial, TrialClass, TrialState } from './types.ts';

/** True when every constraint is ≤ 0 (no constraints: feasible); as `isFeasible` in study/model.ts. */
export function isFeasibleTrial(study: ChartStudy, t: Pick<ChartTrial, 'constraints'>): boolean {
  const n = study.config.constraints.length;
  if (n === 0) return true;
  if (t.constraints === null || t.constraints.length < n) return false;
  return t.constraints.every((c) => c <= 0);
}

export function trialClass(study: ChartStudy, t: Pick<ChartTrial, 'state' | 'constraints'>): TrialClass {
  if (t.state === 'complete') return isFeasibleTrial(study, t) ? 'feasible' : 'infeasible';
  return t.state;
}

/** The varying parameters of the space (fixed ones carry no information). */
export function chartParams(study: ChartStudy): ChartParamSpec[] {
  return study.config.space.params.filter((p) => p.type !== 'fixed');
}

/** Best value of the first objective among complete feasible trials, as in study/model.ts. */
export function bestFeasible(study: ChartStudy, trials: readonly ChartTrial[]): ChartTrial | null {
  const sign = study.config.objectives[0]?.direction === 'maximize' ? 1 : -1;
  let best: ChartTrial | null = null;
  for (const t of trials) {
    const v = t.values?.[0];
    if (t.state !== 'complete' || v === undefined || !isFeasibleTrial(study, t)) continue;
    if (best === null || sign * v > sign * (best.values as readonly number[])[0]) best = t;
  }
  return best;
}

/** Trials per state. */
export function countStates(trials: readonly Pick<ChartTrial, 'state'>[]): Record<TrialState, number> {
  const c: Record<TrialState, number> = { queued: 0, running: 0, complete: 0, stopped: 0, failed: 0 };
  for (const t of trials) c[t.state]++;
  return c;
}

export function studyStart(trials: readonly ChartTrial[]): number {
  let t0 = Number.POSITIVE_INFINITY;
  for (const t of trials) t0 = Math.min(t0, t.startedAt ?? t.createdAt);
  return Number.isFinite(t0) ? t0 : 0;
}

export function countsLine(trials: readonly ChartTrial[]): string {
  const c = countStates(trials);
  const parts = [`${c.complete} complete`, `${c.stopped} silent (stopped)`, `${c.failed} failed`];
  if (c.running > 0) parts.push(`${c.running} running`);
  if (c.queued > 0) parts.push(`${c.queued} queued`);
  return parts.join(' · ');
}
