/**
 * `SearchSpace`: an ordered list of checked parameter definitions with activation conditions, the
 * unit-cube encoding the optimizer models work in (see encode.ts), uniform sampling and validation of
 * user-supplied configurations.
 */
import { formatValue, ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { decodeValue, encodeInactive, encodeValue, paramWidth, unitToNumeric } from './encode.ts';
import type { Condition, ParamDef, ParamDefInput, ParamValue, ParamValues } from './params.ts';
import { checkParamDefs, conditionHolds, formatCondition, isPossibleValue } from './params.ts';

/** Where a parameter lives in the encoded vector. */
export interface ParamLayout {
  readonly name: string;
  readonly type: ParamDef['type'];
  /** First encoded dimension. */
  readonly offset: number;
  /** Number of encoded dimensions (0 for fixed parameters). */
  readonly width: number;
}

/** A parameter as written in the list form of a spec (`toJSON`). */
export type ParamSpecJson =
  | { name: string; type: 'float' | 'int'; low: number; high: number; log: boolean; condition?: Condition }
  | { name: string; type: 'categorical'; choices: ParamValue[]; condition?: Condition }
  | { name: string; type: 'fixed'; value: ParamValue; condition?: Condition };

/** The list form of a spec, as `toJSON` writes it and `parseSpace` reads it. */
export interface SpaceSpecJson {
  params: ParamSpecJson[];
}

/**
 * A search space. `T` is the configuration type: parameter name → value type, optional for conditional
 * parameters (the builder infers it; a parsed spec gives `ParamValues`).
 */
export class SearchSpace<T extends ParamValues = ParamValues> {
  /** The parameters in declaration order. */
  readonly params: readonly ParamDef[];
  /** Parameter names in declaration order. */
  readonly names: readonly (keyof T & string)[];
  /** Where each parameter lives in the encoded vector (same order as `params`). */
  readonly layout: readonly ParamLayout[];
  /** Number of encoded (unit-cube) dimensions. */
  readonly dims: number;
  private readonly index: ReadonlyMap<string, number>;

  /** Checks `defs` (throws `ValidationError`); prefer `space()` or `parseSpace()`. */
  constructor(defs: readonly ParamDefInput[]) {
    this.params = Object.freeze(checkParamDefs(defs));
    this.names = Object.freeze(this.params.map((p) => p.name as keyof T & string));
    this.index = new Map(this.names.map((n, i) => [n, i]));
    let offset = 0;
    const layout: ParamLayout[] = [];
    for (const p of this.params) {
      const width = paramWidth(p);
      layout.push({ name: p.name, type: p.type, offset, width });
      offset += width;
    }
    this.layout = Object.freeze(layout);
    this.dims = offset;
  }

  /** Number of parameters. */
  get size(): number {
    return this.params.length;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  /** The definition of parameter `name`; throws a `ValidationError` for an unknown name. */
  get(name: string): ParamDef {
    const i = this.index.get(name);
    if (i === undefined) throw new ValidationError('name', name, `unknown parameter; ${this.listNames()}`);
    return this.params[i];
  }

  /**
   * Whether parameter `name` is active in (possibly partial) configuration `params`: it has no
   * condition, or its parent is active, present in `params`, and satisfies the condition.
   */
  isActive(name: keyof T & string, params: Partial<T> | ParamValues): boolean {
    const p = this.get(name);
    if (p.condition === undefined) return true;
    const parent = p.condition.parent;
    if (!this.isActive(parent, params)) return false;
    const v = own(params, parent);
    return isParamValue(v) && conditionHolds(p.condition, v);
  }

  /**
   * Checks a user-supplied configuration and returns a normalized copy (parameters in declaration order,
   * omitted fixed parameters filled in). Throws a `ValidationError` naming the parameter for: a
   * non-object, an unknown parameter, a missing active parameter, an inactive parameter given, or a value
   * of the wrong type or out of range. `label` prefixes the field in errors (`params.lr`).
   */
  validateParams(params: unknown, label = 'params'): T {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new ValidationError(label, params, 'expected an object mapping parameter names to values');
    }
    const given = params as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!this.index.has(key) && own(given, key) !== undefined) {
        throw new ValidationError(`${label}.${key}`, given[key], `unknown parameter; ${this.listNames()}`);
      }
    }
    const out: ParamValues = {};
    for (const p of this.params) {
      const field = `${label}.${p.name}`;
      const v = own(given, p.name);
      const why = this.activation(p, out);
      if (why.active) {
        if (v === undefined) {
          if (p.type === 'fixed') {
            out[p.name] = p.value;
            continue;
          }
          const because = why.reason === '' ? '' : ` (active${why.reason})`;
          throw new ValidationError(field, v, `missing${because}; ${expectedValue(p)}`);
        }
        if (!isPossibleValue(p, v)) throw new ValidationError(field, v, expectedValue(p));
        out[p.name] = v as ParamValue;
      } else if (v !== undefined) {
        throw new ValidationError(field, v, `inactive${why.reason}; remove it`);
      }
    }
    return out as T;
  }

  /** Encodes a configuration (validated first) as a point of [0, 1]^dims. */
  encode(params: T): Float64Array {
    const valid = this.validateParams(params) as ParamValues;
    const out = new Float64Array(this.dims);
    this.params.forEach((p, i) => {
      const offset = this.layout[i].offset;
      const v = own(valid, p.name) as ParamValue | undefined;
      if (v === undefined) encodeInactive(p, out, offset);
      else encodeValue(p, v, out, offset);
    });
    return out;
  }

  /**
   * Decodes any point of the cube (coordinates clamped to [0, 1]) to a valid configuration holding only
   * the active parameters: floats un-scaled, ints rounded, categoricals snapped to the argmax choice.
   * `decode(encode(p))` gives back `p` (floats up to rounding error).
   */
  decode(x: ArrayLike<number>): T {
    if (x.length !== this.dims) {
      throw new ValidationError('x', `length ${x.length}`, `expected a vector of ${this.dims} dimensions`);
    }
    for (let i = 0; i < x.length; i++) {
      if (Number.isNaN(x[i])) throw new ValidationError(`x[${i}]`, x[i], 'expected a number in [0, 1]');
    }
    const out: ParamValues = {};
    this.params.forEach((p, i) => {
      if (this.activeIn(p, out)) out[p.name] = decodeValue(p, x, this.layout[i].offset);
    });
    return out as T;
  }

  /** `encode(decode(x))`: projects a point onto the encodings of valid configurations. */
  snap(x: ArrayLike<number>): Float64Array {
    return this.encode(this.decode(x));
  }

  /**
   * A configuration drawn uniformly: floats uniform or log-uniform, ints uniform over their bins (log
   * ints log-uniformly over [low - 0.5, high + 0.5], then rounded), categoricals uniform; only active
   * parameters appear. Exactly one draw is taken per non-fixed parameter, active or not, so a seed gives
   * the same configuration and the same stream position whatever the conditions decide.
   */
  sampleUniform(rng: Rng): T {
    const out: ParamValues = {};
    for (const p of this.params) {
      const u = p.type === 'fixed' ? 0 : rng.next();
      if (!this.activeIn(p, out)) continue;
      switch (p.type) {
        case 'float':
        case 'int':
          out[p.name] = unitToNumeric(p, u);
          break;
        case 'categorical':
          out[p.name] = p.choices[Math.min(p.choices.length - 1, Math.floor(u * p.choices.length))];
          break;
        case 'fixed':
          out[p.name] = p.value;
          break;
      }
    }
    return out as T;
  }

  /** A readable table of the parameters, one line each. */
  describe(): string {
    const rows = this.params.map((p, i) => {
      let domain: string;
      switch (p.type) {
        case 'float':
        case 'int':
          domain = `[${p.low}, ${p.high}]${p.log ? ' log' : ''}`;
          break;
        case 'categorical':
          domain = `{${p.choices.map((c) => (typeof c === 'string' ? c : String(c))).join(', ')}}`;
          break;
        case 'fixed':
          domain = `= ${formatValue(p.value)}`;
          break;
      }
      const cond = p.condition ? `if ${formatCondition(p.condition)}` : '';
      const dims = this.layout[i].width;
      return [p.name, p.type, domain, cond, `${dims} dim${dims === 1 ? '' : 's'}`];
    });
    const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length)));
    const lines = rows.map((r) =>
      r
        .map((cell, c) => (c < 4 ? cell.padEnd(widths[c]) : cell))
        .join('  ')
        .replace(/ +$/, ''),
    );
    const n = this.params.length;
    return [
      `search space: ${n} parameter${n === 1 ? '' : 's'}, ${this.dims} encoded dimension${this.dims === 1 ? '' : 's'}`,
      ...lines.map((l) => `  ${l}`),
    ].join('\n');
  }

  /** The list form of the spec; `parseSpace(space.toJSON())` gives an equal space. */
  toJSON(): SpaceSpecJson {
    return {
      params: this.params.map((p): ParamSpecJson => {
        const cond = p.condition ? { condition: copyCondition(p.condition) } : {};
        if (p.type === 'categorical') return { name: p.name, type: p.type, choices: [...p.choices], ...cond };
        if (p.type === 'fixed') return { name: p.name, type: p.type, value: p.value, ...cond };
        return { name: p.name, type: p.type, low: p.low, high: p.high, log: p.log, ...cond };
      }),
    };
  }

  private activeIn(p: ParamDef, decided: ParamValues): boolean {
    if (p.condition === undefined) return true;
    const v = own(decided, p.condition.parent);
    return v !== undefined && conditionHolds(p.condition, v as ParamValue);
  }

  /** Activity of `p` given the values decided so far, with the reason for messages. */
  private activation(p: ParamDef, decided: ParamValues): { active: boolean; reason: string } {
    const c = p.condition;
    if (c === undefined) return { active: true, reason: '' };
    const v = own(decided, c.parent) as ParamValue | undefined;
    if (v === undefined) return { active: false, reason: ` because its parent ${c.parent} is inactive` };
    const holds = conditionHolds(c, v);
    return {
      active: holds,
      reason: ` because ${c.parent} = ${formatValue(v)} ${holds ? 'satisfies' : 'does not satisfy'} ${formatCondition(c)}`,
    };
  }

  private listNames(): string {
    return `the space has ${this.names.join(', ')}`;
  }
}

function expectedValue(p: ParamDef): string {
  switch (p.type) {
    case 'float':
      return `expected a float in [${p.low}, ${p.high}]`;
    case 'int':
      return `expected an int in [${p.low}, ${p.high}]`;
    case 'categorical':
      return `expected one of ${p.choices.map(formatValue).join(', ')}`;
    case 'fixed':
      return `expected the fixed value ${formatValue(p.value)}`;
  }
}

function copyCondition(c: Condition): Condition {
  return c.op === 'in' ? { parent: c.parent, op: c.op, value: [...c.value] } : { ...c };
}

/** `obj[key]` if it is an own property (never an inherited one such as `toString`). */
function own(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

function isParamValue(v: unknown): v is ParamValue {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** The configuration type of a space: `Params<typeof s>`. */
export type Params<S> = S extends SearchSpace<infer T> ? T : never;
