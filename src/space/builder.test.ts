import { describe, expect, expectTypeOf, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { space } from './builder.ts';
import type { ParamValues } from './params.ts';
import type { Params, SearchSpace } from './space.ts';
import { parseSpace } from './spec.ts';

describe('space() builder', () => {
  const s = space()
    .float('lr', 1e-4, 1e-1, { log: true })
    .int('layers', 1, 3)
    .int('width2', 16, 512, { log: true, when: { parent: 'layers', op: 'gte', value: 2 } })
    .categorical('surrogate', ['fast-sigmoid', 'arctan'])
    .categorical('steps', [8, 16, 32], { when: { parent: 'surrogate', op: 'eq', value: 'arctan' } })
    .fixed('optimizer', 'adam')
    .build();

  it('infers the configuration type: conditional parameters are optional', () => {
    expectTypeOf<Params<typeof s>>().toEqualTypeOf<{
      lr: number;
      layers: number;
      width2?: number;
      surrogate: 'fast-sigmoid' | 'arctan';
      steps?: 8 | 16 | 32;
      optimizer: 'adam';
    }>();
    expectTypeOf(s.decode(new Float64Array(s.dims))).toEqualTypeOf<Params<typeof s>>();
    expectTypeOf(s.sampleUniform(new Rng(1))).toEqualTypeOf<Params<typeof s>>();
    // a typed space is usable where any space is expected
    expectTypeOf(s).toExtend<SearchSpace>();
    expectTypeOf<Params<ReturnType<typeof parseSpace>>>().toEqualTypeOf<ParamValues>();
  });

  it('rejects at compile time duplicate names and conditions on unknown or non-numeric parents', () => {
    const b = space().int('layers', 1, 3).categorical('act', ['lif', 'alif']);
    // @ts-expect-error duplicate name
    expect(() => b.int('layers', 1, 4).build()).toThrow(
      'invalid params.layers: "layers" (duplicate parameter name)',
    );
    expect(() =>
      // @ts-expect-error parent not declared yet
      b.int('w', 1, 3, { when: { parent: 'width', op: 'gte', value: 2 } }).build(),
    ).toThrow(/invalid params.w.condition.parent: "width"/);
    expect(() =>
      // @ts-expect-error order comparison on a categorical of strings
      b.int('w', 1, 3, { when: { parent: 'act', op: 'gte', value: 2 } }).build(),
    ).toThrow(/gte needs a numeric parent/);
    expect(() =>
      // @ts-expect-error not a choice of act
      b.int('w', 1, 3, { when: { parent: 'act', op: 'eq', value: 'relu' } }).build(),
    ).toThrow(/not a possible value of act/);
  });

  it('builds the same space as the YAML spec and is immutable', () => {
    const yaml = `
params:
  lr: {type: float, low: 1e-4, high: 1e-1, log: true}
  layers: {type: int, low: 1, high: 3}
  width2: {type: int, low: 16, high: 512, log: true, condition: {parent: layers, op: gte, value: 2}}
  surrogate: {type: categorical, choices: [fast-sigmoid, arctan]}
  steps: {type: categorical, choices: [8, 16, 32], condition: {parent: surrogate, op: eq, value: arctan}}
  optimizer: {type: fixed, value: adam}
`;
    expect(parseSpace(yaml).toJSON()).toEqual(s.toJSON());
    const base = space().int('a', 1, 3);
    const one = base.int('b', 1, 3).build();
    const other = base.float('c', 0, 1).build();
    expect(one.names).toEqual(['a', 'b']);
    expect(other.names).toEqual(['a', 'c']);
  });

  it('gives the same errors as the spec for bad definitions', () => {
    const cases: [() => unknown, string][] = [
      [
        () => space().float('lr', 0, 1e-1, { log: true }).build(),
        'invalid params.lr.low: 0 (log scale needs low > 0)',
      ],
      [() => space().float('lr', 1, 1).build(), 'invalid params.lr.low: 1 (must be < high = 1)'],
      [() => space().int('n', 0.5, 3).build(), 'invalid params.n.low: 0.5 (int bounds must be integers)'],
      [
        () => space().float('x', 0, Number.NaN).build(),
        'invalid params.x.high: NaN (expected a finite number)',
      ],
      [
        () => space().categorical('c', []).build(),
        'invalid params.c.choices: [] (expected at least one choice)',
      ],
      [
        () =>
          space()
            .int('layers', 1, 3)
            .int('w4', 1, 3, { when: { parent: 'layers', op: 'gte', value: 4 } })
            .build(),
        'invalid params.w4.condition.value: 4 (layers >= 4 can never be true: layers is an int in [1, 3])',
      ],
      [() => space().build(), 'invalid params: [] (expected at least one parameter)'],
    ];
    for (const [f, message] of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toBe(message);
    }
  });

  it('types encode/validateParams/isActive with the configuration type', () => {
    const p: Params<typeof s> = { lr: 0.01, layers: 1, surrogate: 'fast-sigmoid', optimizer: 'adam' };
    expect(s.decode(s.encode(p))).toEqual({ ...p, lr: expect.closeTo(0.01, 12) });
    expect(s.isActive('width2', p)).toBe(false);
    // @ts-expect-error not a parameter of s
    expect(() => s.isActive('width3', p)).toThrow(ValidationError);
    // @ts-expect-error not a choice
    expect(() => s.encode({ ...p, surrogate: 'relu' })).toThrow(/invalid params.surrogate: "relu"/);
  });
});
