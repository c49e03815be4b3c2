/**
 * The study and trial model shared by the storage backends, the study runner and the dashboard: a
 * study's configuration (plain JSON, stored once), the trial lifecycle and small pure helpers.
 *
 * Trial lifecycle: `queued` → `running` → `complete` | `stopped` | `failed`, or created directly as
 * `running` (ask-and-run). `stopped` means stopped early (e.g. a silent network): its constraints are
 * real, its objective values are not results. A failed trial may be re-queued as a *new* trial with the
 * same params and `attempt + 1`.
 */
import { formatValue, ValidationError } from '../core/errors.ts';
import { checkInt, checkNumber, checkOneOf } from '../core/validate.ts';
import type { Direction, ObjectiveSpec, Observation, Problem } from '../optim/types.ts';
import type { ParamValues, SpaceSpec, SpaceSpecJson } from '../space/index.ts';
import { parseSpace } from '../space/index.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface BudgetConfig {
  /** Total number of trials (all states, retries included). */
  readonly trials?: number;
  /** Wall-clock limit of the whole study, in seconds. */
  readonly wallSeconds?: number;
  /** Wall-clock limit of one trial, in seconds. */
  readonly trialSeconds?: number;
  /** Limit on the summed run time of all trials (compute spent), in seconds. */
  readonly totalTrialSeconds?: number;
}

/** Everything that defines a study. Plain JSON: it is stored as is, and compared to resume a study. */
export interface StudyConfig {
  readonly name: string;
  /** The search space, list form (`space.toJSON()`; `parseSpace` reads it back). */
  readonly space: SpaceSpecJson;
  readonly objectives: readonly ObjectiveSpec[];
  /** Names of the constraints (c ≤ 0 feasible). */
  readonly constraints: readonly string[];
  /** Sampler configuration (opaque here; see optim/index.ts). */
  readonly sampler: JsonObject;
  /** Early-stopping rules (opaque here). */
  readonly earlyStopping: JsonValue;
  /** What a trial trains and evaluates (opaque here). */
  readonly objective: JsonValue;
  readonly budget: BudgetConfig;
  /** How many times a trial whose worker was lost is re-queued. */
  readonly maxRetries: number;
  readonly seed: number;
}

/** A study config as a user writes it: any spec form of the space; the optional fields take defaults. */
export type StudyConfigInput = Pick<StudyConfig, 'name' | 'objectives'> & {
  readonly space: SpaceSpecJson | SpaceSpec;
} & Partial<Omit<StudyConfig, 'name' | 'space' | 'objectives'>>;

export const trialStates = ['queued', 'running', 'complete', 'stopped', 'failed'] as const;
export type TrialState = (typeof trialStates)[number];
export const finishedStates = ['complete', 'stopped', 'failed'] as const;
export type FinishedState = (typeof finishedStates)[number];

/** An intermediate report of a running trial. */
export interface Report {
  /** Progress: samples seen, batch or epoch (an integer ≥ 0, chosen by the runner). */
  readonly step: number;
  /** Per layer: e.g. mean spikes per sample, or the silent fraction of the output layer. */
  readonly spikes: Readonly<Record<string, number>>;
  readonly metrics: Readonly<Record<string, number>>;
  /** When it was made, ms since the epoch. */
  readonly at: number;
}

/** A trial as stored: a frozen snapshot (read it again to see later changes). */
export interface Trial {
  /** Storage-wide id (use it for every trial operation). */
  readonly id: number;
  readonly studyId: number;
  /** 0, 1, 2… per study, unique and dense. */
  readonly number: number;
  readonly params: Readonly<ParamValues>;
  readonly state: TrialState;
  /** One per objective (complete; may be partial for stopped), else null. */
  readonly values: readonly number[] | null;
  /** One per constraint, or null. */
  readonly constraints: readonly number[] | null;
  readonly reports: readonly Report[];
  /** Why it failed, or null. */
  readonly error: string | null;
  /** The worker that ran (runs) it. */
  readonly worker: string | null;
  /** 1 + number of retries before this one. */
  readonly attempt: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly heartbeatAt: number | null;
  readonly userAttrs: Readonly<Record<string, unknown>>;
}

export function isFinished(state: TrialState): state is FinishedState {
  return state === 'complete' || state === 'stopped' || state === 'failed';
}

const STUDY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
const directions: readonly Direction[] = ['maximize', 'minimize'];

/** Checks a study config and returns it normalized (defaults filled, a deep copy). */
export function checkStudyConfig(input: StudyConfigInput): StudyConfig {
  if (typeof input !== 'object' || input === null)
    throw new ValidationError('study', input, 'expected an object');
  const name = input.name;
  if (typeof name !== 'string' || !STUDY_NAME.test(name)) {
    throw new ValidationError('study.name', name, 'expected 1-128 characters among letters, digits and _.:-');
  }
  let space: SpaceSpecJson;
  try {
    space = parseSpace(input.space).toJSON();
  } catch (e) {
    throw e instanceof ValidationError ? e.under('study.space') : e;
  }
  if (!Array.isArray(input.objectives) || input.objectives.length === 0) {
    throw new ValidationError(
      'study.objectives',
      input.objectives,
      'expected a non-empty list of {name, direction}',
    );
  }
  const objectives = input.objectives.map((o, i) => {
    checkName(`study.objectives[${i}].name`, o?.name);
    return {
      name: o.name,
      direction: checkOneOf(`study.objectives[${i}].direction`, o.direction, directions),
    };
  });
  const constraints = [...(input.constraints ?? [])];
  constraints.forEach((c, i) => {
    checkName(`study.constraints[${i}]`, c);
  });
  checkUnique(
    'study.objectives',
    objectives.map((o) => o.name),
  );
  checkUnique('study.constraints', constraints);
  const sampler = checkJson('study.sampler', input.sampler ?? {});
  if (typeof sampler !== 'object' || sampler === null || Array.isArray(sampler)) {
    throw new ValidationError('study.sampler', sampler, 'expected an object');
  }
  const b = input.budget ?? {};
  const budget: { trials?: number; wallSeconds?: number; trialSeconds?: number; totalTrialSeconds?: number } =
    {};
  if (b.trials !== undefined) budget.trials = checkInt('study.budget.trials', b.trials, 1);
  if (b.wallSeconds !== undefined) budget.wallSeconds = positive('study.budget.wallSeconds', b.wallSeconds);
  if (b.trialSeconds !== undefined)
    budget.trialSeconds = positive('study.budget.trialSeconds', b.trialSeconds);
  if (b.totalTrialSeconds !== undefined)
    budget.totalTrialSeconds = positive('study.budget.totalTrialSeconds', b.totalTrialSeconds);
  return {
    name,
    space,
    objectives,
    constraints,
    sampler,
    earlyStopping: checkJson('study.earlyStopping', input.earlyStopping ?? null),
    objective: checkJson('study.objective', input.objective ?? null),
    budget,
    maxRetries: checkInt('study.maxRetries', input.maxRetries ?? 0, 0, 1000),
    seed: checkInt('study.seed', input.seed ?? 0, 0, 2 ** 32 - 1),
  };
}

function positive(field: string, v: number): number {
  checkNumber(field, v);
  if (v <= 0) throw new ValidationError(field, v, 'expected a positive number');
  return v;
}

function checkName(field: string, v: unknown): void {
  if (typeof v !== 'string' || v.length === 0)
    throw new ValidationError(field, v, 'expected a non-empty string');
}

function checkUnique(field: string, names: readonly string[]): void {
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new ValidationError(field, dup, 'expected unique names');
}

/**
 * Checks that `value` is plain JSON that survives a round trip (finite numbers only: NaN and ±Infinity
 * would silently become null) and returns a deep copy.
 */
export function checkJson(field: string, value: unknown): JsonValue {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): JsonValue => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        throw new ValidationError(path, v, 'expected a finite number (NaN/Infinity are not JSON)');
      return v;
    }
    if (typeof v !== 'object') throw new ValidationError(path, v, `expected JSON, not a ${typeof v}`);
    if (seen.has(v)) throw new ValidationError(path, '[circular]', 'expected JSON without cycles');
    seen.add(v);
    let out: JsonValue;
    if (Array.isArray(v)) out = v.map((x, i) => walk(x, `${path}[${i}]`));
    else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new ValidationError(path, formatValue(v), 'expected a plain object');
      }
      const o: JsonObject = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = walk(x, `${path}.${k}`);
      out = o;
    }
    seen.delete(v);
    return out;
  };
  return walk(value, field);
}

/** JSON with object keys sorted: equal values give equal strings (used to compare configs). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]),
    );
  });
}

/** The top-level fields in which two configs differ (empty when identical). */
export function configDiff(a: StudyConfig, b: StudyConfig): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter(
    (k) => canonicalJson((a as unknown as JsonObject)[k]) !== canonicalJson((b as unknown as JsonObject)[k]),
  );
}

/** The optimization problem of a study, as samplers take it. */
export function studyProblem(config: StudyConfig): Problem {
  return { space: parseSpace(config.space), objectives: config.objectives, constraints: config.constraints };
}

/**
 * A finished trial as samplers see it (see `Observation`): a stopped trial keeps its constraints but
 * not its (partial) values; a failed one has neither. Throws for a queued or running trial.
 */
export function toObservation(trial: Trial): Observation {
  const { state } = trial;
  if (!isFinished(state)) {
    throw new ValidationError(
      'trial.state',
      state,
      `trial #${trial.number} is not finished (no observation yet)`,
    );
  }
  return {
    params: trial.params,
    state,
    values: state === 'complete' ? trial.values : null,
    constraints: state === 'failed' ? null : trial.constraints,
  };
}

/** The sampler's inputs from a study's trials: finished ones as history, queued and running as pending. */
export function samplerInputs(trials: readonly Trial[]): { history: Observation[]; pending: ParamValues[] } {
  const history: Observation[] = [];
  const pending: ParamValues[] = [];
  for (const t of trials) {
    if (isFinished(t.state)) history.push(toObservation(t));
    else pending.push(t.params);
  }
  return { history, pending };
}

/** Seconds a trial has run: to its end, or to `now` while it runs (0 if it never started). */
export function trialSeconds(t: Pick<Trial, 'startedAt' | 'finishedAt'>, now = Date.now()): number {
  return t.startedAt === null ? 0 : Math.max(0, ((t.finishedAt ?? now) - t.startedAt) / 1000);
}

/** True when every constraint is ≤ 0 (no constraints: feasible). */
export function isFeasible(constraints: readonly number[] | null, nConstraints: number): boolean {
  if (nConstraints === 0) return true;
  if (constraints === null || constraints.length < nConstraints) return false;
  return constraints.every((c) => c <= 0);
}

/** Best value of the first objective among complete, feasible trials; null if none. */
export function bestValue(
  config: Pick<StudyConfig, 'objectives' | 'constraints'>,
  trials: readonly Pick<Trial, 'state' | 'values' | 'constraints'>[],
): number | null {
  const sign = config.objectives[0]?.direction === 'maximize' ? 1 : -1;
  let best: number | null = null;
  for (const t of trials) {
    const v = t.values?.[0];
    if (t.state !== 'complete' || v === undefined || !isFeasible(t.constraints, config.constraints.length))
      continue;
    if (best === null || sign * v > sign * best) best = v;
  }
  return best;
}

/** Freezes a trial snapshot deeply (params, values, reports, user attributes). */
export function freezeTrial(t: Trial): Trial {
  Object.freeze(t.params);
  if (t.values) Object.freeze(t.values);
  if (t.constraints) Object.freeze(t.constraints);
  for (const r of t.reports) {
    Object.freeze(r.spikes);
    Object.freeze(r.metrics);
    Object.freeze(r);
  }
  Object.freeze(t.reports);
  deepFreeze(t.userAttrs);
  return Object.freeze(t);
}

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}
