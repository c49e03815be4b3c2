/**
 * A typed builder for search spaces. Each call adds one parameter and returns a new builder whose type
 * records the parameter's value type, so that `build()` gives a `SearchSpace<T>` with `T` the
 * configuration type: required for unconditional parameters, optional for conditional ones.
 *
 * ```ts
 * const s = space()
 *   .float('lr', 1e-4, 1e-1, { log: true })
 *   .int('layers', 1, 3)
 *   .int('width2', 16, 512, { log: true, when: { parent: 'layers', op: 'gte', value: 2 } })
 *   .categorical('surrogate', ['fast-sigmoid', 'arctan'])
 *   .build();
 * type P = Params<typeof s>;
 * // { lr: number; layers: number; width2?: number; surrogate: 'fast-sigmoid' | 'arctan' }
 * ```
 *
 * The types catch a duplicate name and a condition on an undeclared parent (or an order comparison on a
 * non-numeric one); `build()` runs the same checks as `parseSpace` at run time.
 */
import type { Condition, ParamDefInput, ParamValue, ParamValues } from './params.ts';
import { SearchSpace } from './space.ts';

type Value<T, P extends keyof T> = Exclude<T[P], undefined>;

/** A condition on a parameter already in `T`, typed by that parameter's value type. */
export type ConditionOn<T> = {
  [P in keyof T & string]:
    | { readonly parent: P; readonly op: 'eq' | 'neq'; readonly value: Value<T, P> }
    | { readonly parent: P; readonly op: 'in'; readonly value: readonly Value<T, P>[] }
    | (Value<T, P> extends number
        ? { readonly parent: P; readonly op: 'gte' | 'gt' | 'lte' | 'lt'; readonly value: number }
        : never);
}[keyof T & string];

/** Options of a float or int parameter. */
export interface NumericOptions {
  /** Log scale (log-uniform sampling and encoding); needs low > 0. */
  readonly log?: boolean;
}

/** `when`: make the parameter active only when the condition on an earlier parameter holds. */
export interface When<T> {
  readonly when: ConditionOn<T>;
}

/** Flattens an intersection for readable hover types. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A name not yet used in `T`. */
type Fresh<N extends string, T> = N extends keyof T ? never : N;

type Add<T, N extends string, V> = T & { [K in N]: V };
type AddOptional<T, N extends string, V> = T & { [K in N]?: V };

type Empty = Record<never, never>;

export class SpaceBuilder<T extends ParamValues = Empty> {
  private readonly defs: readonly ParamDefInput[];

  constructor(defs: readonly ParamDefInput[] = []) {
    this.defs = defs;
  }

  // Implementations return `unknown`: the typed overloads above each are the public signatures.
  private add(def: ParamDefInput): unknown {
    return new SpaceBuilder([...this.defs, def]);
  }

  /** A real parameter in [low, high]. */
  float<N extends string>(
    name: Fresh<N, T>,
    low: number,
    high: number,
    opts?: NumericOptions,
  ): SpaceBuilder<Add<T, N, number>>;
  float<N extends string>(
    name: Fresh<N, T>,
    low: number,
    high: number,
    opts: NumericOptions & When<T>,
  ): SpaceBuilder<AddOptional<T, N, number>>;
  float(
    name: string,
    low: number,
    high: number,
    opts: NumericOptions & { readonly when?: unknown } = {},
  ): unknown {
    return this.add(numeric('float', name, low, high, opts));
  }

  /** An integer parameter in [low, high], both included. */
  int<N extends string>(
    name: Fresh<N, T>,
    low: number,
    high: number,
    opts?: NumericOptions,
  ): SpaceBuilder<Add<T, N, number>>;
  int<N extends string>(
    name: Fresh<N, T>,
    low: number,
    high: number,
    opts: NumericOptions & When<T>,
  ): SpaceBuilder<AddOptional<T, N, number>>;
  int(
    name: string,
    low: number,
    high: number,
    opts: NumericOptions & { readonly when?: unknown } = {},
  ): unknown {
    return this.add(numeric('int', name, low, high, opts));
  }

  /** One of `choices` (strings, numbers or booleans; the value type is the union of the literals). */
  categorical<N extends string, const C extends readonly ParamValue[]>(
    name: Fresh<N, T>,
    choices: C,
  ): SpaceBuilder<Add<T, N, C[number]>>;
  categorical<N extends string, const C extends readonly ParamValue[]>(
    name: Fresh<N, T>,
    choices: C,
    opts: When<T>,
  ): SpaceBuilder<AddOptional<T, N, C[number]>>;
  categorical(name: string, choices: readonly ParamValue[], opts: { readonly when?: unknown } = {}): unknown {
    const def: ParamDefInput = { name, type: 'categorical', choices: [...choices] };
    return this.add(withCondition(def, opts.when));
  }

  /** A constant, present in every configuration where it is active. */
  fixed<N extends string, const V extends ParamValue>(
    name: Fresh<N, T>,
    value: V,
  ): SpaceBuilder<Add<T, N, V>>;
  fixed<N extends string, const V extends ParamValue>(
    name: Fresh<N, T>,
    value: V,
    opts: When<T>,
  ): SpaceBuilder<AddOptional<T, N, V>>;
  fixed(name: string, value: ParamValue, opts: { readonly when?: unknown } = {}): unknown {
    return this.add(withCondition({ name, type: 'fixed', value }, opts.when));
  }

  /** Checks the parameters (throws `ValidationError`) and returns the space. */
  build(): SearchSpace<Simplify<T>> {
    return new SearchSpace<Simplify<T>>(this.defs);
  }
}

function numeric(
  type: 'float' | 'int',
  name: string,
  low: number,
  high: number,
  opts: NumericOptions & { readonly when?: unknown },
): ParamDefInput {
  const def: ParamDefInput =
    opts.log === undefined ? { name, type, low, high } : { name, type, low, high, log: opts.log };
  return withCondition(def, opts.when);
}

function withCondition(def: ParamDefInput, when: unknown): ParamDefInput {
  return when === undefined ? def : { ...def, condition: when as Condition };
}

/** Starts an empty search-space builder. */
export function space(): SpaceBuilder {
  return new SpaceBuilder();
}
