/**
 * Declarative search-space specs (YAML, JSON text, or an object), checked with zod for shape and then
 * with the same definition checks the builder uses (params.ts).
 *
 * Two forms are accepted; in the map form the key order is the parameter order:
 *
 * ```yaml
 * params:
 *   lr: {type: float, low: 1e-4, high: 1e-1, log: true}
 *   layers: {type: int, low: 1, high: 3}
 *   width2: {type: int, low: 16, high: 512, log: true, condition: {parent: layers, op: gte, value: 2}}
 *   surrogate: {type: categorical, choices: [fast-sigmoid, arctan]}
 * ```
 *
 * ```yaml
 * params:
 *   - {name: lr, type: float, low: 1e-4, high: 1e-1, log: true}
 *   - {name: layers, type: int, low: 1, high: 3}
 * ```
 *
 * Every error is a `ValidationError` whose field names the parameter and the field:
 * `invalid params.lr.low: 0 (log scale needs low > 0)`.
 */
import { isMap, isScalar, parseDocument } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import type { ParamDefInput } from './params.ts';
import { conditionOps, paramTypes } from './params.ts';
import { SearchSpace } from './space.ts';

const scalarSchema = z.union([z.string(), z.number(), z.boolean()]);

export const conditionSchema = z.strictObject({
  parent: z.string(),
  op: z.enum(conditionOps),
  value: z.union([scalarSchema, z.array(scalarSchema)]),
});

const numericFields = {
  low: z.number(),
  high: z.number(),
  log: z.boolean().optional(),
  condition: conditionSchema.optional(),
};

/** One parameter in the map form (no `name`: the key is the name). */
export const paramSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('float'), ...numericFields }),
  z.strictObject({ type: z.literal('int'), ...numericFields }),
  z.strictObject({
    type: z.literal('categorical'),
    choices: z.array(scalarSchema),
    condition: conditionSchema.optional(),
  }),
  z.strictObject({ type: z.literal('fixed'), value: scalarSchema, condition: conditionSchema.optional() }),
]);

/** One parameter in the map form of a spec. */
export type ParamSpec = z.input<typeof paramSpecSchema>;
/** One parameter in the list form of a spec. */
export type NamedParamSpec = ParamSpec & { name: string };
/** A search-space spec as an object (what the YAML or JSON text parses to). */
export interface SpaceSpec {
  params: Record<string, ParamSpec> | NamedParamSpec[];
}

const fieldsByType: Record<(typeof paramTypes)[number], string> = {
  float: 'type, low, high, log, condition',
  int: 'type, low, high, log, condition',
  categorical: 'type, choices, condition',
  fixed: 'type, value, condition',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let s = prefix;
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : `.${String(k)}`;
  return s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Turns the most useful zod issue into a `ValidationError` on `prefix` (`params.lr`). */
function issueError(prefix: string, raw: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]) {
  // An unknown field explains a "missing" one better (a typo such as `lo` for `low`), so report it first.
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  const typeFields = fieldsByType[raw.type as keyof typeof fieldsByType] as string | undefined;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0];
      const path = [...issue.path, key];
      const inCondition = issue.path.length > 0 && issue.path[issue.path.length - 1] === 'condition';
      const takes = inCondition
        ? 'a condition has parent, op, value'
        : typeFields
          ? `${String(raw.type)} parameters take ${typeFields}`
          : 'unexpected';
      return new ValidationError(joinPath(prefix, path), valueAt(raw, path), `unknown field; ${takes}`);
    }
    case 'invalid_union': {
      if (issue.path.length === 1 && issue.path[0] === 'type') {
        return new ValidationError(`${prefix}.type`, raw.type, `expected one of ${paramTypes.join(', ')}`);
      }
      const field = joinPath(prefix, issue.path);
      const last = issue.path[issue.path.length - 1];
      const expected =
        last === 'value' && issue.path.length === 2
          ? 'expected a string, number, boolean, or (for "in") a list of them'
          : 'expected a string, number or boolean';
      return new ValidationError(field, valueAt(raw, issue.path), expected);
    }
    case 'invalid_value':
      return new ValidationError(
        joinPath(prefix, issue.path),
        valueAt(raw, issue.path),
        `expected one of ${issue.values.map((v) => String(v)).join(', ')}`,
      );
    case 'invalid_type': {
      const v = valueAt(raw, issue.path);
      const what =
        issue.expected === 'number'
          ? 'a finite number'
          : issue.expected === 'boolean'
            ? 'true or false'
            : issue.expected === 'array'
              ? 'a list'
              : issue.expected === 'object'
                ? 'an object'
                : `a ${issue.expected}`;
      return new ValidationError(
        joinPath(prefix, issue.path),
        v,
        `${v === undefined ? 'missing; ' : ''}expected ${what}`,
      );
    }
    default:
      return new ValidationError(joinPath(prefix, issue.path), valueAt(raw, issue.path), issue.message);
  }
}

function parseParam(prefix: string, name: string, raw: unknown): ParamDefInput {
  if (!isObject(raw)) throw new ValidationError(prefix, raw, 'expected a parameter definition {type, ...}');
  const r = paramSpecSchema.safeParse(raw);
  if (!r.success) throw issueError(prefix, raw, r.error.issues);
  return { name, ...r.data } as ParamDefInput;
}

/** Converts a spec object to parameter definitions (shape checks only; `SearchSpace` checks the rest). */
export function specToDefs(spec: unknown): ParamDefInput[] {
  if (!isObject(spec)) {
    throw new ValidationError('space', spec, 'expected an object with a "params" field');
  }
  for (const key of Object.keys(spec)) {
    if (key !== 'params') {
      throw new ValidationError(key, spec[key], 'unknown field; a search-space spec has only "params"');
    }
  }
  const params = spec.params;
  if (Array.isArray(params)) {
    return params.map((item: unknown, i) => {
      if (!isObject(item)) throw new ValidationError(`params[${i}]`, item, 'expected {name, type, ...}');
      const { name, ...rest } = item;
      if (typeof name !== 'string') {
        throw new ValidationError(`params[${i}].name`, name, 'missing; list entries need a name');
      }
      return parseParam(`params.${name}`, name, rest);
    });
  }
  if (isObject(params)) {
    return Object.entries(params).map(([name, raw]) => {
      if (isObject(raw) && 'name' in raw) {
        throw new ValidationError(
          `params.${name}.name`,
          raw.name,
          'unknown field; in the map form the key is the name',
        );
      }
      return parseParam(`params.${name}`, name, raw);
    });
  }
  throw new ValidationError(
    'params',
    params,
    params === undefined
      ? 'missing; expected a map or list of parameters'
      : 'expected a map (name: {type, ...}) or a list of {name, type, ...}',
  );
}

/** Parses YAML or JSON text to a spec object; duplicate parameter names are reported by name. */
function parseText(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new ValidationError('space', excerpt(text), `not valid YAML or JSON: ${e.message.split('\n')[0]}`);
  }
  const params = isMap(doc.contents) ? doc.contents.get('params', true) : undefined;
  const seen = new Set<unknown>();
  if (isMap(params)) {
    for (const item of params.items) {
      const key = isScalar(item.key) ? item.key.value : item.key;
      if (seen.has(key)) {
        throw new ValidationError(`params.${String(key)}`, key, 'duplicate parameter name');
      }
      seen.add(key);
    }
  }
  return doc.toJS();
}

function excerpt(text: string): string {
  const t = text.trim();
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/**
 * Builds a `SearchSpace` from YAML or JSON text, or from an already-parsed spec object (map or list
 * form). Throws a `ValidationError` naming the parameter and field on any problem.
 */
export function parseSpace(input: string | SpaceSpec | object): SearchSpace {
  const spec = typeof input === 'string' ? parseText(input) : input;
  return new SearchSpace(specToDefs(spec));
}
