/**
 * Study files (YAML or JSON): everything that defines a study, validated with errors naming the
 * field. The constraints of a study are those of its silent-network rules ("silent:<layer>").
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { DataError, ValidationError } from '../core/errors.ts';
import { samplerKinds } from '../optim/index.ts';
import { type EarlyStoppingConfig, silentConstraintNames, validateEarlyStopping } from './early-stopping.ts';
import {
  checkStudyConfig,
  type JsonObject,
  type JsonValue,
  type StudyConfig,
  type StudyConfigInput,
} from './model.ts';
import { validateObjectiveDef } from './objective-def.ts';

export interface StudyFile {
  readonly config: StudyConfig;
  /** Storage URL: the file's `storage`, else a SQLite file next to it named after the study. */
  readonly storage: string;
}

export function parseStudy(raw: unknown, where: string): StudyConfig {
  if (typeof raw !== 'object' || raw === null)
    throw new ValidationError('study', raw, `${where}: expected a mapping`);
  const r = raw as Record<string, unknown>;
  const earlyStopping = validateEarlyStopping((r.earlyStopping ?? { rules: [] }) as EarlyStoppingConfig);
  const sampler = (r.sampler ?? { kind: 'scbo' }) as Record<string, unknown>;
  if (!(samplerKinds as readonly unknown[]).includes(sampler.kind)) {
    throw new ValidationError(
      'study.sampler.kind',
      sampler.kind,
      `expected one of ${samplerKinds.join(', ')}`,
    );
  }
  const objectives = r.objectives as StudyConfigInput['objectives'];
  // `space:` may hold the parameters directly, or a full spec `{params: …}`.
  const space =
    typeof r.space === 'object' && r.space !== null && !Array.isArray(r.space) && !('params' in r.space)
      ? { params: r.space }
      : Array.isArray(r.space)
        ? { params: r.space }
        : r.space;
  const input: StudyConfigInput = {
    name: r.name as string,
    space: space as StudyConfigInput['space'],
    objectives,
    constraints: silentConstraintNames(earlyStopping),
    sampler: sampler as JsonObject,
    earlyStopping: earlyStopping as unknown as JsonValue,
    objective: (r.objective ?? null) as JsonValue,
    budget: (r.budget ?? {}) as StudyConfigInput['budget'] & object,
    ...(r.maxRetries !== undefined ? { maxRetries: r.maxRetries as number } : {}),
    ...(r.seed !== undefined ? { seed: r.seed as number } : {}),
  };
  const config = checkStudyConfig(input);
  const def = validateObjectiveDef(
    config.objective,
    config.objectives.map((o) => o.name),
    'study.objective',
  );
  // Evaluating a stopped network and the silence probe need the built-in SG trainer's hooks.
  if (def.kind !== 'sg' && earlyStopping.action === 'stop-and-evaluate') {
    throw new ValidationError(
      'study.earlyStopping.action',
      earlyStopping.action,
      `only the sg objective can evaluate a stopped network (objective kind is ${def.kind})`,
    );
  }
  if (def.kind !== 'sg' && earlyStopping.probe !== undefined) {
    throw new ValidationError(
      'study.earlyStopping.probe',
      earlyStopping.probe,
      `the silence probe runs with the sg objective only (objective kind is ${def.kind})`,
    );
  }
  return config;
}

/**
 * Reads a study file as a raw mapping (YAML or JSON), with a command's relative `cwd` made relative to
 * the file (as its storage is), wherever spiketune runs. `parseStudy` checks it.
 */
export function readStudyRaw(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(path, `cannot read the study file (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new DataError(
      path,
      `not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
  const obj = (raw as { objective?: { kind?: unknown; cwd?: unknown } } | null)?.objective;
  if (obj?.kind === 'command' && typeof obj.cwd === 'string' && !obj.cwd.startsWith('/')) {
    obj.cwd = join(dirname(resolve(path)), obj.cwd);
  }
  return raw;
}

export function loadStudyFile(path: string): StudyFile {
  const raw = readStudyRaw(path);
  const config = parseStudy(raw, path);
  const storage =
    typeof (raw as { storage?: unknown }).storage === 'string'
      ? resolveStorage((raw as { storage: string }).storage, dirname(resolve(path)))
      : `sqlite:${join(dirname(resolve(path)), `${basename(path, extname(path))}.db`)}`;
  return { config, storage };
}

/** Relative SQLite paths in a study file are relative to the file. */
function resolveStorage(url: string, dir: string): string {
  if (url.startsWith('sqlite:')) {
    const p = url.slice('sqlite:'.length);
    return `sqlite:${p.startsWith('/') ? p : join(dir, p)}`;
  }
  if (url.endsWith('.db') && !url.includes('://'))
    return `sqlite:${url.startsWith('/') ? url : join(dir, url)}`;
  return url;
}
