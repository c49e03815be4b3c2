/**
 * What the SQLite and PostgreSQL backends share: input validation (JSON-safe, finite values), the
 * mapping from rows to frozen `Trial` snapshots, and the wording of state errors. Both schemas use the
 * same table and column names, so rows look alike (JSON is stored as text in both).
 */
import { ValidationError } from '../core/errors.ts';
import { checkInt, checkNumber, checkOneOf } from '../core/validate.ts';
import type { ParamValues } from '../space/index.ts';
import type { Report, StudyConfig, Trial, TrialState } from '../study/model.ts';
import { bestValue, checkJson, freezeTrial, trialStates } from '../study/model.ts';
import { TrialStateError } from './errors.ts';
import type {
  CreateTrialOptions,
  FinishTrialInput,
  ReportInput,
  Study,
  StudySummary,
  TrialQuery,
} from './storage.ts';

export interface StudyRow {
  id: number;
  name: string;
  config: string;
  created_at: number;
}

export interface TrialRow {
  id: number;
  study_id: number;
  number: number;
  params: string;
  state: TrialState;
  objective_values: string | null;
  constraint_values: string | null;
  error: string | null;
  worker: string | null;
  attempt: number;
  user_attrs: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  heartbeat_at: number | null;
}

export interface ReportRow {
  trial_id: number;
  step: number;
  spikes: string;
  metrics: string;
  at: number;
}

export function rowToStudy(r: StudyRow): Study {
  return Object.freeze({
    id: r.id,
    name: r.name,
    config: JSON.parse(r.config) as StudyConfig,
    createdAt: r.created_at,
  });
}

export function rowToReport(r: ReportRow): Report {
  return { step: r.step, spikes: JSON.parse(r.spikes), metrics: JSON.parse(r.metrics), at: r.at };
}

export function rowToTrial(r: TrialRow, reports: Report[]): Trial {
  return freezeTrial({
    id: r.id,
    studyId: r.study_id,
    number: r.number,
    params: JSON.parse(r.params) as ParamValues,
    state: r.state,
    values: r.objective_values === null ? null : (JSON.parse(r.objective_values) as number[]),
    constraints: r.constraint_values === null ? null : (JSON.parse(r.constraint_values) as number[]),
    reports,
    error: r.error,
    worker: r.worker,
    attempt: r.attempt,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    heartbeatAt: r.heartbeat_at,
    userAttrs: JSON.parse(r.user_attrs) as Record<string, unknown>,
  });
}

/** Groups report rows (ordered) by trial id. */
export function groupReports(rows: readonly ReportRow[]): Map<number, Report[]> {
  const m = new Map<number, Report[]>();
  for (const r of rows) {
    const list = m.get(r.trial_id);
    if (list) list.push(rowToReport(r));
    else m.set(r.trial_id, [rowToReport(r)]);
  }
  return m;
}

export function checkId(field: string, id: number): number {
  return checkInt(field, id, 1);
}

export function checkWorker(worker: unknown): string {
  if (typeof worker !== 'string' || worker.length === 0 || worker.length > 200) {
    throw new ValidationError('worker', worker, 'expected a non-empty string of at most 200 characters');
  }
  return worker;
}

/** Params as JSON text: values must be finite numbers, strings or booleans. */
export function paramsJson(params: ParamValues): string {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ValidationError('params', params, 'expected an object of parameter values');
  }
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'number') checkNumber(`params.${k}`, v);
    else if (typeof v !== 'string' && typeof v !== 'boolean') {
      throw new ValidationError(`params.${k}`, v, 'expected a finite number, a string or a boolean');
    }
  }
  return JSON.stringify(params);
}

export interface TrialInsert {
  params: string;
  state: 'queued' | 'running';
  worker: string | null;
  attempt: number;
  userAttrs: string;
}

export function checkCreateTrial(params: ParamValues, o: CreateTrialOptions): TrialInsert {
  if (o.state !== 'queued' && o.state !== 'running') {
    throw new ValidationError('state', o.state, "expected 'queued' or 'running' for a new trial");
  }
  if (o.state === 'queued' && o.worker !== undefined) {
    throw new ValidationError(
      'worker',
      o.worker,
      'a queued trial has no worker (it is given one when claimed)',
    );
  }
  return {
    params: paramsJson(params),
    state: o.state,
    worker: o.worker === undefined ? null : checkWorker(o.worker),
    attempt: checkInt('attempt', o.attempt ?? 1, 1),
    userAttrs: JSON.stringify(checkJson('userAttrs', o.userAttrs ?? {})),
  };
}

function finiteRecord(field: string, rec: unknown): string {
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
    throw new ValidationError(field, rec, 'expected an object of name → number');
  }
  for (const [k, v] of Object.entries(rec)) checkNumber(`${field}.${k}`, v as number);
  return JSON.stringify(rec);
}

export interface ReportInsert {
  step: number;
  spikes: string;
  metrics: string;
  at: number;
}

export function checkReport(r: ReportInput, now: number): ReportInsert {
  return {
    step: checkInt('report.step', r.step, 0),
    spikes: finiteRecord('report.spikes', r.spikes),
    metrics: finiteRecord('report.metrics', r.metrics ?? {}),
    at: r.at === undefined ? now : Math.round(checkNumber('report.at', r.at, 0)),
  };
}

/** Finite numbers, `n` of them, as JSON text; null stays null. */
function finiteList(
  field: string,
  list: readonly number[] | null | undefined,
  n: number,
  what: string,
): string | null {
  if (list === null || list === undefined) return null;
  if (!Array.isArray(list) || list.length !== n) {
    throw new ValidationError(field, list, `expected ${n} number(s), one per ${what}`);
  }
  list.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ValidationError(
        `${field}[${i}]`,
        v,
        'expected a finite number: NaN/Infinity cannot be stored, fail the trial with the reason instead',
      );
    }
  });
  return JSON.stringify(list);
}

export interface FinishUpdate {
  state: 'complete' | 'stopped' | 'failed';
  values: string | null;
  constraints: string | null;
  error: string | null;
  /** JSON object to merge into the trial's attributes, or null. */
  userAttrs: string | null;
}

/** Checks a result against the study: lengths, finiteness (a NaN objective: fail the trial instead). */
export function checkFinish(config: StudyConfig, r: FinishTrialInput): FinishUpdate {
  const { state } = r;
  if (state !== 'complete' && state !== 'stopped' && state !== 'failed') {
    throw new ValidationError('result.state', state, "expected 'complete', 'stopped' or 'failed'");
  }
  const values = finiteList('result.values', r.values, config.objectives.length, 'objective');
  const constraints = finiteList(
    'result.constraints',
    r.constraints,
    config.constraints.length,
    'constraint',
  );
  if (state === 'complete' && values === null) {
    throw new ValidationError('result.values', r.values, 'a complete trial needs its objective values');
  }
  if (state === 'complete' && constraints === null && config.constraints.length > 0) {
    throw new ValidationError(
      'result.constraints',
      r.constraints,
      'a complete trial needs its constraint values',
    );
  }
  const error = r.error ?? null;
  if (state === 'failed' && (typeof error !== 'string' || error.length === 0)) {
    throw new ValidationError('result.error', error, 'a failed trial needs a reason');
  }
  if (error !== null && typeof error !== 'string')
    throw new ValidationError('result.error', error, 'expected a string');
  const attrs = r.userAttrs;
  if (attrs !== undefined && (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs))) {
    throw new ValidationError('result.userAttrs', attrs, 'expected an object');
  }
  return { state, values, constraints, error, userAttrs: attrs === undefined ? null : JSON.stringify(attrs) };
}

function describeTrial(t: Pick<TrialRow, 'id' | 'number' | 'study_id'>): string {
  return `trial ${t.id} (#${t.number} of study ${t.study_id})`;
}

/**
 * The error for an operation (`finish`, `heartbeat`, `report`) on a trial that is not running, or is
 * held by another worker than `worker`.
 */
export function trialStateError(op: string, t: TrialRow, worker: string | undefined): TrialStateError {
  let why: string;
  if (t.state === 'running') {
    why = `it is running on worker "${t.worker}", not "${worker}" (it was given to another worker)`;
  } else if (t.state === 'queued') {
    why = 'it is queued, not running (claim it first)';
  } else {
    const when = t.finished_at === null ? '' : ` at ${new Date(t.finished_at).toISOString()}`;
    const reason = t.error === null ? '' : ` (${t.error})`;
    const held = t.worker === null ? '' : `; it was held by worker "${t.worker}"`;
    why = `it is no longer running: already ${t.state}${when}${reason}${held}; ${op.startsWith('finish') ? 'this result is not recorded' : 'stop running it'}`;
  }
  return new TrialStateError(t.id, t.state, t.worker, `cannot ${op} ${describeTrial(t)}: ${why}`);
}

/** "worker lost (no heartbeat for N s)". */
export function staleReason(ageMs: number): string {
  const s = ageMs / 1000;
  return `worker lost (no heartbeat for ${s < 10 ? s.toFixed(1) : Math.round(s)} s)`;
}

export function emptyCounts(): Record<TrialState, number> {
  return Object.fromEntries(trialStates.map((s) => [s, 0])) as Record<TrialState, number>;
}

/** Builds study summaries from per-state counts and the complete trials' values. */
export function summarize(
  studies: readonly Study[],
  counts: readonly { study_id: number; state: TrialState; n: number }[],
  complete: readonly Pick<TrialRow, 'study_id' | 'objective_values' | 'constraint_values'>[],
): StudySummary[] {
  return studies.map((study) => {
    const c = emptyCounts();
    for (const r of counts) if (r.study_id === study.id) c[r.state] = Number(r.n);
    const trials = complete
      .filter((r) => r.study_id === study.id)
      .map((r) => ({
        state: 'complete' as const,
        values: r.objective_values === null ? null : (JSON.parse(r.objective_values) as number[]),
        constraints: r.constraint_values === null ? null : (JSON.parse(r.constraint_values) as number[]),
      }));
    return { study, counts: c, best: bestValue(study.config, trials) };
  });
}

/** Checks a `getTrials` query. */
export function checkQuery(q: TrialQuery): TrialQuery {
  q.states?.forEach((st, i) => {
    checkOneOf(`query.states[${i}]`, st, trialStates);
  });
  if (q.sinceNumber !== undefined) checkInt('query.sinceNumber', q.sinceNumber, 0);
  return q;
}

/** Resolves when `ms` have passed. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks a `waitForChange` / `failStaleTrials` duration. */
export function checkMs(field: string, ms: number): number {
  return checkNumber(field, ms, 0);
}

/** A per-key mutex within one process (callers queue in order). */
export class KeyedMutex {
  private readonly tails = new Map<number, Promise<void>>();

  /** Resolves, once it is this caller's turn, to the function that releases the key. */
  async lock(key: number): Promise<() => void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
