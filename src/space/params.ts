/**
 * Parameter definitions of a search space: the kinds (float, int, categorical, fixed), activation
 * conditions on an earlier parameter, and the checks every definition passes, whether it came from a
 * YAML/JSON spec or from the TypeScript builder (both end here, so both give the same errors).
 *
 * Errors are `ValidationError`s whose field is `params.<name>.<field>`, for example
 * `invalid params.lr.low: 0 (log scale needs low > 0)`.
 */
import { formatValue, ValidationError } from '../core/errors.ts';

/** The value of one parameter in a configuration. */
export type ParamValue = number | string | boolean;

/** A configuration: parameter name → value (only active parameters are present). */
export type ParamValues = Record<string, ParamValue>;

export const paramTypes = ['float', 'int', 'categorical', 'fixed'] as const;
export type ParamType = (typeof paramTypes)[number];

export const conditionOps = ['eq', 'neq', 'in', 'gte', 'gt', 'lte', 'lt'] as const;
export type ConditionOp = (typeof conditionOps)[number];
export type OrderOp = 'gte' | 'gt' | 'lte' | 'lt';

/**
 * Makes a parameter active only for some values of `parent`, a parameter declared earlier. A parameter
 * is active when its parent is active and the condition holds for the parent's value, so conditions
 * chain. `in` takes a list of values; the order comparisons take a number.
 */
export type Condition =
  | { readonly parent: string; readonly op: 'eq' | 'neq'; readonly value: ParamValue }
  | { readonly parent: string; readonly op: 'in'; readonly value: readonly ParamValue[] }
  | { readonly parent: string; readonly op: OrderOp; readonly value: number };

interface ParamBase {
  readonly name: string;
  readonly condition?: Condition;
}

/** A real number in [low, high], uniform or (log: true) log-uniform. */
export interface FloatParam extends ParamBase {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
}

/** An integer in [low, high] (both included), uniform or (log: true) log-scaled. */
export interface IntParam extends ParamBase {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
}

/** One of a list of values (unordered). */
export interface CategoricalParam extends ParamBase {
  readonly type: 'categorical';
  readonly choices: readonly ParamValue[];
}

/** A constant: present in every configuration where it is active, never searched. */
export interface FixedParam extends ParamBase {
  readonly type: 'fixed';
  readonly value: ParamValue;
}

/** A checked parameter definition. */
export type ParamDef = FloatParam | IntParam | CategoricalParam | FixedParam;

/** A parameter definition before checking: `log` may be omitted (false). */
export type ParamDefInput =
  | (Omit<FloatParam, 'log'> & { readonly log?: boolean })
  | (Omit<IntParam, 'log'> & { readonly log?: boolean })
  | CategoricalParam
  | FixedParam;

/** Parameter names: a letter or underscore, then letters, digits, `_` or `-`. */
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const opSymbol: Record<ConditionOp, string> = {
  eq: '==',
  neq: '!=',
  in: 'in',
  gte: '>=',
  gt: '>',
  lte: '<=',
  lt: '<',
};

/** Whether `cond` holds for the parent value `v`. */
export function conditionHolds(cond: Condition, v: ParamValue): boolean {
  switch (cond.op) {
    case 'eq':
      return v === cond.value;
    case 'neq':
      return v !== cond.value;
    case 'in':
      return cond.value.includes(v);
    case 'gte':
      return typeof v === 'number' && v >= cond.value;
    case 'gt':
      return typeof v === 'number' && v > cond.value;
    case 'lte':
      return typeof v === 'number' && v <= cond.value;
    case 'lt':
      return typeof v === 'number' && v < cond.value;
  }
}

/** `layers >= 2`, `surrogate == "arctan"`, `layers in [2, 3]`. */
export function formatCondition(cond: Condition): string {
  const value = Array.isArray(cond.value)
    ? `[${(cond.value as readonly ParamValue[]).map(formatValue).join(', ')}]`
    : formatValue(cond.value);
  return `${cond.parent} ${opSymbol[cond.op]} ${value}`;
}

/** `an int in [1, 3] (log)`, `a categorical with choices "a", "b"`: for messages. */
export function describeDomain(p: ParamDef): string {
  switch (p.type) {
    case 'float':
      return `a float in [${p.low}, ${p.high}]${p.log ? ' (log)' : ''}`;
    case 'int':
      return `an int in [${p.low}, ${p.high}]${p.log ? ' (log)' : ''}`;
    case 'categorical':
      return `a categorical with choices ${p.choices.map(formatValue).join(', ')}`;
    case 'fixed':
      return `fixed at ${formatValue(p.value)}`;
  }
}

/** Whether `v` is a value parameter `p` can take. */
export function isPossibleValue(p: ParamDef, v: unknown): boolean {
  switch (p.type) {
    case 'float':
      return typeof v === 'number' && Number.isFinite(v) && v >= p.low && v <= p.high;
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= p.low && v <= p.high;
    case 'categorical':
      return (p.choices as readonly unknown[]).includes(v);
    case 'fixed':
      return v === p.value;
  }
}

function isScalar(v: unknown): v is ParamValue {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function isNumericParam(p: ParamDef): boolean {
  switch (p.type) {
    case 'float':
    case 'int':
      return true;
    case 'categorical':
      return p.choices.every((c) => typeof c === 'number');
    case 'fixed':
      return typeof p.value === 'number';
  }
}

/** Whether some value of `p` satisfies `cond`. */
function satisfiable(p: ParamDef, cond: Condition): boolean {
  if (p.type === 'float' || p.type === 'int') {
    // Ranges are non-empty and contain every value the eq/neq/in checks already required to be possible.
    switch (cond.op) {
      case 'eq':
      case 'in':
        return true;
      case 'neq':
        return true; // low < high: some other value exists
      case 'gte':
        return p.high >= cond.value;
      case 'gt':
        return p.high > cond.value;
      case 'lte':
        return p.low <= cond.value;
      case 'lt':
        return p.low < cond.value;
    }
  }
  const values = p.type === 'categorical' ? p.choices : [p.value];
  return values.some((v) => conditionHolds(cond, v));
}

function fail(field: string, value: unknown, expected: string): never {
  throw new ValidationError(field, value, expected);
}

function checkFinite(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, v, 'expected a finite number');
  return v;
}

function checkBounds(prefix: string, p: { low: unknown; high: unknown; log?: unknown }, isInt: boolean) {
  const low = checkFinite(`${prefix}.low`, p.low);
  const high = checkFinite(`${prefix}.high`, p.high);
  if (isInt) {
    if (!Number.isSafeInteger(low)) fail(`${prefix}.low`, low, 'int bounds must be integers');
    if (!Number.isSafeInteger(high)) fail(`${prefix}.high`, high, 'int bounds must be integers');
  }
  if (low >= high) fail(`${prefix}.low`, low, `must be < high = ${high}`);
  if (p.log !== undefined && typeof p.log !== 'boolean')
    fail(`${prefix}.log`, p.log, 'expected true or false');
  const log = p.log === true;
  if (log && low <= 0) fail(`${prefix}.low`, low, 'log scale needs low > 0');
  return { low, high, log };
}

function checkCondition(
  prefix: string,
  name: string,
  raw: unknown,
  earlier: Map<string, ParamDef>,
  laterNames: ReadonlySet<unknown>,
): Condition {
  const field = `${prefix}.condition`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail(field, raw, 'expected {parent, op, value}');
  }
  const c = raw as { parent?: unknown; op?: unknown; value?: unknown };
  for (const key of Object.keys(c)) {
    if (key !== 'parent' && key !== 'op' && key !== 'value') {
      fail(
        `${field}.${key}`,
        (c as Record<string, unknown>)[key],
        'unknown field; a condition has parent, op, value',
      );
    }
  }
  if (typeof c.parent !== 'string' || c.parent === '') {
    fail(`${field}.parent`, c.parent, 'expected the name of a parameter declared earlier');
  }
  const parentName = c.parent;
  if (parentName === name) fail(`${field}.parent`, parentName, 'a parameter cannot be its own parent');
  const parent = earlier.get(parentName);
  if (parent === undefined && laterNames.has(parentName)) {
    fail(
      `${field}.parent`,
      parentName,
      `${formatValue(parentName)} is declared after ${formatValue(name)}; declare the parent first`,
    );
  }
  if (parent === undefined) {
    fail(
      `${field}.parent`,
      parentName,
      `no parameter ${formatValue(parentName)} is declared before ${formatValue(name)}; ` +
        'a condition must refer to a parent declared earlier',
    );
  }
  if (typeof c.op !== 'string' || !(conditionOps as readonly string[]).includes(c.op)) {
    fail(`${field}.op`, c.op, `expected one of ${conditionOps.join(', ')}`);
  }
  const op = c.op as ConditionOp;
  const value = c.value;
  let cond: Condition;
  if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0) {
      fail(`${field}.value`, value, `"in" needs a non-empty list of values of ${parentName}`);
    }
    cond = { parent: parentName, op, value: [...(value as unknown[])] as ParamValue[] };
  } else if (op === 'eq' || op === 'neq') {
    if (!isScalar(value)) fail(`${field}.value`, value, `${op} needs a single value of ${parentName}`);
    cond = { parent: parentName, op, value };
  } else {
    if (!isNumericParam(parent)) {
      fail(
        `${field}.op`,
        op,
        `${op} needs a numeric parent, but ${parentName} is ${describeDomain(parent)}; use eq, neq or in`,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(`${field}.value`, value, `${op} needs a number, since ${parentName} is ${describeDomain(parent)}`);
    }
    cond = { parent: parentName, op, value };
  }
  if (cond.op === 'eq' || cond.op === 'neq' || cond.op === 'in') {
    const values = cond.op === 'in' ? cond.value : [cond.value];
    for (const v of values) {
      if (!isPossibleValue(parent, v)) {
        fail(
          `${field}.value`,
          v,
          `not a possible value of ${parentName}, which is ${describeDomain(parent)}` +
            (cond.op === 'neq' ? '' : `: ${formatCondition(cond)} can never be true`),
        );
      }
    }
  }
  if (!satisfiable(parent, cond)) {
    fail(
      `${field}.value`,
      cond.value,
      `${formatCondition(cond)} can never be true: ${parentName} is ${describeDomain(parent)}`,
    );
  }
  return cond;
}

function checkOne(
  raw: ParamDefInput,
  earlier: Map<string, ParamDef>,
  index: number,
  allNames: ReadonlySet<unknown>,
): ParamDef {
  const r = raw as unknown as Record<string, unknown>;
  if (typeof r !== 'object' || r === null) fail(`params[${index}]`, r, 'expected a parameter definition');
  const name = r.name;
  if (typeof name !== 'string' || !PARAM_NAME.test(name) || name === '__proto__') {
    fail(
      `params[${index}].name`,
      name,
      'expected a name of letters, digits, "_" or "-" starting with a letter or "_"',
    );
  }
  const prefix = `params.${name}`;
  if (earlier.has(name)) fail(prefix, name, 'duplicate parameter name');
  const body = checkBody(prefix, r);
  if (r.condition === undefined) return body;
  return { ...body, condition: checkCondition(prefix, name, r.condition, earlier, allNames) };
}

function checkBody(prefix: string, r: Record<string, unknown>): ParamDef {
  const name = r.name as string;
  switch (r.type) {
    case 'float':
    case 'int': {
      const { low, high, log } = checkBounds(prefix, r as { low: unknown; high: unknown }, r.type === 'int');
      return { name, type: r.type, low, high, log };
    }
    case 'categorical': {
      const choices = r.choices;
      if (!Array.isArray(choices)) fail(`${prefix}.choices`, choices, 'expected a list of choices');
      if (choices.length === 0) fail(`${prefix}.choices`, choices, 'expected at least one choice');
      choices.forEach((c: unknown, i: number) => {
        if (!isScalar(c)) fail(`${prefix}.choices[${i}]`, c, 'expected a string, finite number or boolean');
        if (choices.indexOf(c) !== i) fail(`${prefix}.choices[${i}]`, c, 'duplicate choice');
      });
      return { name, type: 'categorical', choices: [...(choices as ParamValue[])] };
    }
    case 'fixed': {
      if (!isScalar(r.value)) fail(`${prefix}.value`, r.value, 'expected a string, finite number or boolean');
      return { name, type: 'fixed', value: r.value };
    }
    default:
      return fail(`${prefix}.type`, r.type, `expected one of ${paramTypes.join(', ')}`);
  }
}

/**
 * Checks parameter definitions in order and returns them normalized (`log` explicit, arrays copied).
 * Throws a `ValidationError` naming the parameter and field for the first problem found.
 */
export function checkParamDefs(inputs: readonly ParamDefInput[]): ParamDef[] {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    fail('params', inputs, 'expected at least one parameter');
  }
  const earlier = new Map<string, ParamDef>();
  const allNames = new Set<unknown>(inputs.map((p) => (p as { name?: unknown } | null)?.name));
  const out: ParamDef[] = [];
  inputs.forEach((raw, i) => {
    const def = checkOne(raw, earlier, i, allNames);
    earlier.set(def.name, def);
    out.push(def);
  });
  return out;
}
