/**
 * The objective of a study as stored in its config (plain JSON), and how to build the runnable
 * `Objective` from it. Built-in: the surrogate-gradient trainer on MNIST / Fashion-MNIST. External:
 * any command speaking the JSON-lines protocol (src/workers/command.ts).
 */
import { ValidationError } from '../core/errors.ts';
import { checkInt } from '../core/validate.ts';
import { type DatasetSpec, loadSplits } from '../data/index.ts';
import type { ParamValue } from '../space/index.ts';
import { type StdpObjectiveName, stdpObjective, stdpObjectiveNames } from '../train/stdp/objective.ts';
import { validateCommandSpec } from '../workers/command.ts';
import type { Objective } from './objective.ts';
import { type SgObjectiveName, sgObjective, sgObjectiveNames } from './objectives/sg.ts';

export interface SgObjectiveDef {
  readonly kind: 'sg';
  readonly dataset: 'mnist' | 'fashion-mnist';
  /** Directory of the Fashion-MNIST IDX files (default: the Debian path). */
  readonly dataDir?: string;
  /** Training images held out as the objective (the seed paper: 12,000 of 60,000). */
  readonly holdout: number;
  readonly trainLimit?: number;
  readonly holdoutLimit?: number;
  /** Seed of the hold-out split (fixed for the whole study). */
  readonly splitSeed?: number;
  /** Fixed training parameters (anything not searched). */
  readonly fixed?: Readonly<Record<string, ParamValue>>;
  /** Spike reports every this many training samples. */
  readonly reportEvery?: number;
}

export interface CommandObjectiveDef {
  readonly kind: 'command';
  readonly command: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutSeconds?: number;
  readonly graceSeconds?: number;
  /** Result fields giving the study's objective values, in order. */
  readonly values: readonly string[];
}

/** The unsupervised STDP trainer (Diehl & Cook 2015, src/train/stdp); same data fields as `sg`. */
export interface StdpObjectiveDef extends Omit<SgObjectiveDef, 'kind'> {
  readonly kind: 'stdp';
}

export type ObjectiveDef = SgObjectiveDef | StdpObjectiveDef | CommandObjectiveDef;

/** Objective kinds that run the built-in trainers in worker threads. */
export type BuiltinObjectiveDef = SgObjectiveDef | StdpObjectiveDef;

const BUILTIN_KEYS = new Set([
  'kind',
  'dataset',
  'dataDir',
  'holdout',
  'trainLimit',
  'holdoutLimit',
  'splitSeed',
  'fixed',
  'reportEvery',
]);

export function validateObjectiveDef(
  def: unknown,
  objectiveNames: readonly string[],
  field = 'objective',
): ObjectiveDef {
  if (typeof def !== 'object' || def === null) throw new ValidationError(field, def, 'expected an object');
  const d = def as { kind?: unknown };
  if (d.kind === 'sg' || d.kind === 'stdp') {
    const s = def as BuiltinObjectiveDef;
    const provided: readonly string[] = d.kind === 'sg' ? sgObjectiveNames : stdpObjectiveNames;
    if (s.dataset !== 'mnist' && s.dataset !== 'fashion-mnist') {
      throw new ValidationError(`${field}.dataset`, s.dataset, 'expected mnist or fashion-mnist');
    }
    for (const k of Object.keys(s)) {
      if (!BUILTIN_KEYS.has(k)) {
        throw new ValidationError(
          `${field}.${k}`,
          (s as unknown as Record<string, unknown>)[k],
          `unknown field (known: ${[...BUILTIN_KEYS].join(', ')})`,
        );
      }
    }
    checkInt(`${field}.holdout`, s.holdout, 1);
    if (s.trainLimit !== undefined) checkInt(`${field}.trainLimit`, s.trainLimit, 1);
    if (s.holdoutLimit !== undefined) checkInt(`${field}.holdoutLimit`, s.holdoutLimit, 1);
    if (s.reportEvery !== undefined) checkInt(`${field}.reportEvery`, s.reportEvery, 1);
    for (const n of objectiveNames) {
      if (!provided.includes(n)) {
        throw new ValidationError('objectives', n, `the ${d.kind} objective provides ${provided.join(', ')}`);
      }
    }
    return s;
  }
  if (d.kind === 'command') {
    const c = def as CommandObjectiveDef;
    if (!Array.isArray(c.command) || c.command.length === 0 || c.command.some((x) => typeof x !== 'string')) {
      throw new ValidationError(`${field}.command`, c.command, 'expected a non-empty list of strings (argv)');
    }
    if (!Array.isArray(c.values) || c.values.length !== objectiveNames.length) {
      throw new ValidationError(
        `${field}.values`,
        c.values,
        `expected ${objectiveNames.length} result field name(s), one per objective`,
      );
    }
    validateCommandSpec(c, field); // every field, so that a typo fails when the study is loaded
    return c;
  }
  throw new ValidationError(`${field}.kind`, d.kind, 'expected sg, stdp or command');
}

/** The dataset a built-in definition trains on. */
export function datasetSpecOf(def: BuiltinObjectiveDef): DatasetSpec {
  if (def.dataset === 'mnist') return { name: 'mnist' };
  return def.dataDir === undefined ? { name: 'fashion-mnist' } : { name: 'fashion-mnist', dir: def.dataDir };
}

/** Builds the runnable objective of a built-in definition (loads the data: call once per thread). */
export function buildBuiltinObjective(
  def: BuiltinObjectiveDef,
  objectiveNames: readonly string[],
): Objective {
  const data = loadSplits(datasetSpecOf(def), {
    holdout: def.holdout,
    seed: def.splitSeed ?? 0,
    ...(def.trainLimit !== undefined ? { limitTrain: def.trainLimit } : {}),
    ...(def.holdoutLimit !== undefined ? { limitHoldout: def.holdoutLimit } : {}),
    limitTest: 1,
  });
  if (def.kind === 'stdp') {
    return stdpObjective({
      data,
      objectives: objectiveNames as readonly StdpObjectiveName[],
      ...(def.fixed !== undefined ? { base: def.fixed } : {}),
      ...(def.reportEvery !== undefined ? { reportEvery: def.reportEvery } : {}),
    });
  }
  return sgObjective({
    data,
    objectives: objectiveNames as readonly SgObjectiveName[],
    ...(def.fixed !== undefined ? { base: def.fixed } : {}),
    ...(def.reportEvery !== undefined ? { reportEvery: def.reportEvery } : {}),
  });
}
