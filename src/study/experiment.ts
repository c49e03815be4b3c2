/**
 * Experiments: one base study run under several *arms* (sampler and early-stopping variants) and
 * several seeds, each run a study of its own with the same compute budget, then summarised side by
 * side. This is how spiketune measures its own method (docs/results.md): SCBO + silent stopping
 * against SCBO with no stopping, random search, and the seed paper's behaviour of testing stopped
 * networks in full.
 *
 * An experiment file (YAML or JSON):
 * ```yaml
 * name: ablation-mnist
 * study: ablation-study.yaml          # the base study file, relative to this file
 * seeds: [1, 2, 3]
 * budget: { totalTrialSeconds: 180 }  # replaces the base budget in every run: equal compute
 * arms:
 *   - { name: scbo-stop, label: "SCBO + silent stopping" }
 *   - { name: scbo-nostop, earlyStopping: { action: observe } }   # merged into the base rules
 *   - { name: random-stop, sampler: { kind: random } }            # replaces the base sampler
 * retrain: { epochs: 1 }             # the best configuration of each run, on the full training set
 * reference: scbo-nostop              # compute the other arms need to reach its best
 * ```
 * Runs are named `<name>.<arm>.s<seed>`; they share one storage, and a re-run resumes (a finished run
 * is not run again).
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import YAML from 'yaml';
import { DataError, ValidationError } from '../core/errors.ts';
import { checkInt } from '../core/validate.ts';
import { loadStudyFile, parseStudy, readStudyRaw } from './config-file.ts';
import { isFeasible, type StudyConfig, type Trial, trialSeconds } from './model.ts';

export interface ArmSpec {
  readonly name: string;
  readonly label: string;
  /** Replaces the base study's sampler. */
  readonly sampler?: Readonly<Record<string, unknown>>;
  /** Merged over the base study's early stopping (`rules` replaced when given). */
  readonly earlyStopping?: Readonly<Record<string, unknown>>;
}

export interface RetrainSpec {
  /** Epochs of the retraining (default: the configuration's own). */
  readonly epochs?: number;
}

export interface ExperimentSpec {
  readonly name: string;
  /** The base study, as a raw study file (parsed again per arm). */
  readonly base: Readonly<Record<string, unknown>>;
  readonly seeds: readonly number[];
  readonly budget: Readonly<Record<string, number>>;
  readonly arms: readonly ArmSpec[];
  /** Null: no retraining. */
  readonly retrain: RetrainSpec | null;
  /** The arm the others are compared to (compute to reach its best), if any. */
  readonly reference: string | null;
  /** Default storage: `<name>.db` beside the experiment file. */
  readonly storage: string;
}

export interface ExperimentRun {
  readonly arm: ArmSpec;
  readonly seed: number;
  readonly config: StudyConfig;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Reads and checks an experiment file; the base study is read from `study:` (or inline `base:`). */
export function loadExperimentFile(path: string): ExperimentSpec {
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = extname(path) === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new DataError(path, `cannot read the experiment file (${(e as Error).message})`);
  }
  const dir = dirname(resolve(path));
  if (!isObject(raw)) throw new ValidationError('experiment', raw, `${path}: expected a mapping`);
  let base: Record<string, unknown>;
  if (typeof raw.study === 'string') {
    const studyPath = resolve(dir, raw.study);
    loadStudyFile(studyPath); // checks it, with errors naming its file
    base = readStudyRaw(studyPath) as Record<string, unknown>;
  } else if (isObject(raw.base)) base = raw.base;
  else throw new ValidationError('experiment.study', raw.study, 'expected the path of the base study file');
  const storage =
    typeof raw.storage === 'string'
      ? raw.storage.includes('://') || raw.storage.startsWith('sqlite:')
        ? raw.storage
        : `sqlite:${resolve(dir, raw.storage)}`
      : `sqlite:${resolve(dir, `${String(raw.name)}.db`)}`;
  return checkExperiment({ ...raw, base, storage });
}

/** Checks a raw experiment (with `base` inline) and every run's study config. */
export function checkExperiment(raw: Record<string, unknown>): ExperimentSpec {
  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ValidationError('experiment.name', name, 'expected 1-64 letters, digits, _ or -');
  }
  const seeds = raw.seeds ?? [1];
  if (!Array.isArray(seeds) || seeds.length === 0) {
    throw new ValidationError('experiment.seeds', seeds, 'expected a non-empty list of integers');
  }
  seeds.forEach((s, i) => {
    checkInt(`experiment.seeds[${i}]`, s, 0);
  });
  if (!isObject(raw.budget) || Object.keys(raw.budget).length === 0) {
    throw new ValidationError(
      'experiment.budget',
      raw.budget,
      'expected the budget every run gets, e.g. {totalTrialSeconds: 180}',
    );
  }
  if (!Array.isArray(raw.arms) || raw.arms.length === 0) {
    throw new ValidationError('experiment.arms', raw.arms, 'expected a non-empty list of arms');
  }
  const arms: ArmSpec[] = raw.arms.map((a: unknown, i: number) => {
    const f = `experiment.arms[${i}]`;
    if (!isObject(a)) throw new ValidationError(f, a, 'expected {name, sampler?, earlyStopping?}');
    if (typeof a.name !== 'string' || !NAME.test(a.name)) {
      throw new ValidationError(`${f}.name`, a.name, 'expected 1-64 letters, digits, _ or -');
    }
    for (const k of Object.keys(a)) {
      if (!['name', 'label', 'sampler', 'earlyStopping'].includes(k)) {
        throw new ValidationError(
          `${f}.${k}`,
          a[k],
          'unknown arm field (name, label, sampler, earlyStopping)',
        );
      }
    }
    if (a.sampler !== undefined && !isObject(a.sampler))
      throw new ValidationError(`${f}.sampler`, a.sampler, 'expected a sampler config');
    if (a.earlyStopping !== undefined && !isObject(a.earlyStopping))
      throw new ValidationError(`${f}.earlyStopping`, a.earlyStopping, 'expected an early-stopping config');
    return {
      name: a.name,
      label: typeof a.label === 'string' ? a.label : a.name,
      ...(a.sampler !== undefined ? { sampler: a.sampler as Record<string, unknown> } : {}),
      ...(a.earlyStopping !== undefined ? { earlyStopping: a.earlyStopping as Record<string, unknown> } : {}),
    };
  });
  const dup = arms.find((a, i) => arms.findIndex((b) => b.name === a.name) !== i);
  if (dup !== undefined) throw new ValidationError('experiment.arms', dup.name, 'arm names must be unique');
  let retrain: RetrainSpec | null = null;
  if (raw.retrain !== undefined && raw.retrain !== false && raw.retrain !== null) {
    const r = raw.retrain;
    if (!isObject(r)) throw new ValidationError('experiment.retrain', r, 'expected {epochs?}');
    if (r.epochs !== undefined) checkInt('experiment.retrain.epochs', r.epochs as number, 1);
    retrain = r.epochs === undefined ? {} : { epochs: r.epochs as number };
  }
  const reference = raw.reference ?? null;
  if (reference !== null && !arms.some((a) => a.name === reference)) {
    throw new ValidationError(
      'experiment.reference',
      reference,
      `expected one of the arms (${arms.map((a) => a.name).join(', ')})`,
    );
  }
  const spec: ExperimentSpec = {
    name,
    reference: reference as string | null,
    base: raw.base as Record<string, unknown>,
    seeds: seeds as number[],
    budget: raw.budget as Record<string, number>,
    arms,
    retrain,
    storage: String(raw.storage ?? `sqlite:${name}.db`),
  };
  const runs = experimentRuns(spec); // every run's study config must be valid
  const kind = (runs[0]?.config.objective as { kind?: unknown } | null)?.kind;
  if (retrain !== null && kind !== 'sg' && kind !== 'stdp') {
    throw new ValidationError(
      'experiment.retrain',
      raw.retrain,
      `retraining needs a built-in trainer (sg or stdp); the objective kind is ${String(kind)}`,
    );
  }
  return spec;
}

/** The runs of an experiment, seed by seed (arms interleaved, so that load drift hits all alike). */
export function experimentRuns(spec: ExperimentSpec): ExperimentRun[] {
  const runs: ExperimentRun[] = [];
  for (const seed of spec.seeds) {
    for (const arm of spec.arms) {
      const base = spec.base;
      const es = isObject(base.earlyStopping) ? base.earlyStopping : { rules: [] };
      const raw = {
        ...base,
        name: runName(spec.name, arm.name, seed),
        seed,
        budget: spec.budget,
        ...(arm.sampler !== undefined ? { sampler: arm.sampler } : {}),
        earlyStopping: { ...es, ...(arm.earlyStopping ?? {}) },
      };
      let config: StudyConfig;
      try {
        config = parseStudy(raw, `experiment ${spec.name}, arm ${arm.name}`);
      } catch (e) {
        throw e instanceof ValidationError ? e.under(`experiment.arms.${arm.name}`) : e;
      }
      runs.push({ arm, seed, config });
    }
  }
  return runs;
}

export function runName(experiment: string, arm: string, seed: number): string {
  return `${experiment}.${arm}.s${seed}`;
}

interface Mark {
  readonly step: number;
  readonly seconds: number;
}

function markOf(x: unknown): Mark | null {
  if (!isObject(x) || typeof x.step !== 'number' || typeof x.seconds !== 'number') return null;
  return { step: x.step, seconds: x.seconds };
}

/** Whether the silent rule fired on the trial: it was stopped as silent, or would have been ('observe'). */
export function ruleFired(t: Trial): boolean {
  if (markOf(t.userAttrs.wouldStop) !== null) return true;
  return t.state === 'stopped' && (markOf(t.userAttrs.stop) !== null || isObject(t.userAttrs.probe));
}

/** The probe's verdict recorded on a trial, or null. */
export function probeSaid(t: Trial): boolean | null {
  const p = t.userAttrs.probe;
  return isObject(p) && typeof p.silent === 'boolean' ? p.silent : null;
}

export interface RunSummary {
  readonly arm: string;
  readonly seed: number;
  readonly study: string;
  readonly trials: number;
  readonly complete: number;
  readonly stopped: number;
  readonly failed: number;
  /** Trials the silent rule fired on (stopped, or would have been), over finished trials. */
  readonly silentFraction: number;
  /** Σ trial seconds. */
  readonly computeSeconds: number;
  /** From the first trial's start to the last one's end (trial compute plus the sampler's asks). */
  readonly wallSeconds: number;
  /** Σ seconds of the trials the rule fired on. */
  readonly silentSeconds: number;
  /** 'observe' runs: Σ seconds after the rule would have fired (what stopping would have saved). */
  readonly wouldSaveSeconds: number;
  /** Seconds spent testing stopped networks ('stop-and-evaluate'). */
  readonly evalAfterStopSeconds: number;
  /** Best feasible hold-out value of the first objective. */
  readonly best: number | null;
  readonly bestTrial: number | null;
  readonly bestParams: Readonly<Record<string, unknown>> | null;
  /** Best so far against cumulative compute (trials in finishing order): [seconds, best]. */
  readonly curve: readonly (readonly [number, number])[];
  /** Probe verdicts against the rule, over trials with both: true/false positives/negatives. */
  readonly probe: { tp: number; fp: number; fn: number; tn: number } | null;
}

/** Summarises one finished run. */
export function summarizeRun(
  arm: string,
  seed: number,
  config: StudyConfig,
  trials: readonly Trial[],
): RunSummary {
  const finished = trials
    .filter((t) => t.state === 'complete' || t.state === 'stopped' || t.state === 'failed')
    .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || a.number - b.number);
  const sign = config.objectives[0]?.direction === 'maximize' ? 1 : -1;
  let compute = 0;
  let silentSeconds = 0;
  let wouldSave = 0;
  let evalAfter = 0;
  let fired = 0;
  let best: number | null = null;
  let bestTrial: Trial | null = null;
  const curve: [number, number][] = [];
  let probe: { tp: number; fp: number; fn: number; tn: number } | null = null;
  for (const t of finished) {
    const s = trialSeconds(t);
    compute += s;
    if (ruleFired(t)) {
      fired++;
      silentSeconds += s;
      const w = markOf(t.userAttrs.wouldStop);
      if (w !== null) wouldSave += Math.max(0, s - w.seconds);
    }
    const metrics = isObject(t.userAttrs.metrics) ? t.userAttrs.metrics : {};
    if (t.userAttrs.evaluatedAfterStop === true && typeof metrics.evalSeconds === 'number') {
      evalAfter += metrics.evalSeconds;
    }
    const v = t.values?.[0];
    if (
      t.state === 'complete' &&
      v !== undefined &&
      isFeasible(t.constraints, config.constraints.length) &&
      (best === null || sign * v > sign * best)
    ) {
      best = v;
      bestTrial = t;
    }
    if (best !== null) curve.push([compute, best]);
    const p = probeSaid(t);
    // A trial the probe itself stopped was never judged by the rule: it cannot score the probe.
    const probeStopped = t.state === 'stopped' && markOf(t.userAttrs.stop) === null;
    if (p !== null && t.state !== 'failed' && !probeStopped) {
      probe ??= { tp: 0, fp: 0, fn: 0, tn: 0 };
      const r = ruleFired(t);
      if (p && r) probe.tp++;
      else if (p) probe.fp++;
      else if (r) probe.fn++;
      else probe.tn++;
    }
  }
  const count = (s: Trial['state']): number => trials.filter((t) => t.state === s).length;
  return {
    arm,
    seed,
    study: config.name,
    trials: trials.length,
    complete: count('complete'),
    stopped: count('stopped'),
    failed: count('failed'),
    silentFraction: finished.length > 0 ? fired / finished.length : 0,
    computeSeconds: compute,
    wallSeconds: wallOf(finished),
    silentSeconds,
    wouldSaveSeconds: wouldSave,
    evalAfterStopSeconds: evalAfter,
    best,
    bestTrial: bestTrial?.number ?? null,
    bestParams: bestTrial?.params ?? null,
    curve,
    probe,
  };
}

function wallOf(trials: readonly Trial[]): number {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of trials) {
    if (t.startedAt !== null) first = Math.min(first, t.startedAt);
    if (t.finishedAt !== null) last = Math.max(last, t.finishedAt);
  }
  return last > first ? (last - first) / 1000 : 0;
}

/** Cumulative compute at which a run's best first reached `target` (null: never). */
export function computeToReach(
  run: Pick<RunSummary, 'curve'>,
  target: number,
  direction: 'maximize' | 'minimize',
): number | null {
  for (const [s, b] of run.curve) if (direction === 'maximize' ? b >= target : b <= target) return s;
  return null;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
