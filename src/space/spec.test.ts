import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { space } from './builder.ts';
import { parseSpace } from './spec.ts';

const mapYaml = `
params:
  lr: {type: float, low: 1e-4, high: 1e-1, log: true}
  layers: {type: int, low: 1, high: 3}
  width1: {type: int, low: 16, high: 512, log: true}
  width2: {type: int, low: 16, high: 512, log: true, condition: {parent: layers, op: gte, value: 2}}
  surrogate: {type: categorical, choices: [fast-sigmoid, arctan]}
  beta: {type: fixed, value: 0.9, condition: {parent: surrogate, op: in, value: [arctan]}}
`;

const listYaml = `
params:
  - {name: lr, type: float, low: 0.0001, high: 0.1, log: true}
  - {name: layers, type: int, low: 1, high: 3, log: false}
  - name: width1
    type: int
    low: 16
    high: 512
    log: true
  - {name: width2, type: int, low: 16, high: 512, log: true, condition: {parent: layers, op: gte, value: 2}}
  - {name: surrogate, type: categorical, choices: ["fast-sigmoid", "arctan"]}
  - {name: beta, type: fixed, value: 0.9, condition: {parent: surrogate, op: in, value: [arctan]}}
`;

function built() {
  return space()
    .float('lr', 1e-4, 1e-1, { log: true })
    .int('layers', 1, 3)
    .int('width1', 16, 512, { log: true })
    .int('width2', 16, 512, { log: true, when: { parent: 'layers', op: 'gte', value: 2 } })
    .categorical('surrogate', ['fast-sigmoid', 'arctan'])
    .fixed('beta', 0.9, { when: { parent: 'surrogate', op: 'in', value: ['arctan'] } })
    .build();
}

describe('parseSpace', () => {
  it('parses the map form, the list form, JSON text and objects to the same space as the builder', () => {
    const want = built().toJSON();
    const fromMap = parseSpace(mapYaml);
    expect(fromMap.toJSON()).toEqual(want);
    expect(parseSpace(listYaml).toJSON()).toEqual(want);
    expect(parseSpace(JSON.stringify(want)).toJSON()).toEqual(want);
    expect(parseSpace(want).toJSON()).toEqual(want);
    expect(parseSpace(built().toJSON()).toJSON()).toEqual(want);
    expect(fromMap.names).toEqual(['lr', 'layers', 'width1', 'width2', 'surrogate', 'beta']);
    expect(fromMap.dims).toBe(built().dims);
    const p = { lr: 0.01, layers: 2, width1: 64, width2: 100, surrogate: 'arctan', beta: 0.9 } as const;
    expect(Array.from(fromMap.encode(p))).toEqual(Array.from(built().encode(p)));
    expect(fromMap.describe()).toBe(built().describe());
  });

  it('keeps the key order of the map form as parameter order', () => {
    const s = parseSpace('params:\n  z: {type: int, low: 0, high: 1}\n  a: {type: int, low: 0, high: 1}\n');
    expect(s.names).toEqual(['z', 'a']);
  });

  it('reads YAML 1.2 numbers, booleans and numeric choices', () => {
    const s = parseSpace(`
params:
  lr: {type: float, low: 1e-4, high: 1.5E-1}
  bias: {type: categorical, choices: [true, false]}
  steps: {type: categorical, choices: [8, 16, "32"]}
`);
    expect(s.get('lr')).toMatchObject({ low: 1e-4, high: 0.15 });
    expect(s.get('bias')).toMatchObject({ choices: [true, false] });
    expect(s.get('steps')).toMatchObject({ choices: [8, 16, '32'] });
  });
});

/** [spec (YAML), exact message]: every message names the parameter, the field and the value. */
const errorCases: [string, string, string][] = [
  [
    'float low >= high',
    'lr: {type: float, low: 0.1, high: 0.01}',
    'invalid params.lr.low: 0.1 (must be < high = 0.01)',
  ],
  ['int low == high', 'n: {type: int, low: 3, high: 3}', 'invalid params.n.low: 3 (must be < high = 3)'],
  [
    'log float with low 0',
    'lr: {type: float, low: 0, high: 0.1, log: true}',
    'invalid params.lr.low: 0 (log scale needs low > 0)',
  ],
  [
    'log int with a negative low',
    'w: {type: int, low: -4, high: 8, log: true}',
    'invalid params.w.low: -4 (log scale needs low > 0)',
  ],
  [
    'int low not an integer',
    'n: {type: int, low: 1.5, high: 4}',
    'invalid params.n.low: 1.5 (int bounds must be integers)',
  ],
  [
    'int high not an integer',
    'n: {type: int, low: 1, high: 4.2}',
    'invalid params.n.high: 4.2 (int bounds must be integers)',
  ],
  [
    'unknown type',
    'lr: {type: double, low: 0, high: 1}',
    'invalid params.lr.type: "double" (expected one of float, int, categorical, fixed)',
  ],
  [
    'missing type',
    'lr: {low: 0, high: 1}',
    'invalid params.lr.type: undefined (expected one of float, int, categorical, fixed)',
  ],
  [
    'empty choices',
    's: {type: categorical, choices: []}',
    'invalid params.s.choices: [] (expected at least one choice)',
  ],
  [
    'duplicate choice',
    's: {type: categorical, choices: [a, b, a]}',
    'invalid params.s.choices[2]: "a" (duplicate choice)',
  ],
  [
    'duplicate names (map form)',
    'lr: {type: float, low: 0, high: 1}\n  lr: {type: float, low: 0, high: 2}',
    'invalid params.lr: "lr" (duplicate parameter name)',
  ],
  [
    'unknown field',
    'lr: {type: float, lo: 0, high: 1}',
    'invalid params.lr.lo: 0 (unknown field; float parameters take type, low, high, log, condition)',
  ],
  [
    'missing field',
    'lr: {type: float, high: 1}',
    'invalid params.lr.low: undefined (missing; expected a finite number)',
  ],
  [
    'bound of the wrong type',
    'lr: {type: float, low: "0", high: 1}',
    'invalid params.lr.low: "0" (expected a finite number)',
  ],
  [
    'log not a boolean',
    'lr: {type: float, low: 1, high: 2, log: yes}',
    'invalid params.lr.log: "yes" (expected true or false)',
  ],
  [
    'condition on a missing parent',
    'w: {type: int, low: 1, high: 3, condition: {parent: layers, op: gte, value: 2}}',
    'invalid params.w.condition.parent: "layers" (no parameter "layers" is declared before "w"; ' +
      'a condition must refer to a parent declared earlier)',
  ],
  [
    'condition on a later parent',
    'w: {type: int, low: 1, high: 3, condition: {parent: layers, op: gte, value: 2}}\n  layers: {type: int, low: 1, high: 3}',
    'invalid params.w.condition.parent: "layers" ("layers" is declared after "w"; declare the parent first)',
  ],
  [
    'condition on itself',
    'w: {type: int, low: 1, high: 3, condition: {parent: w, op: gte, value: 2}}',
    'invalid params.w.condition.parent: "w" (a parameter cannot be its own parent)',
  ],
  [
    'unknown condition op',
    'n: {type: int, low: 1, high: 3}\n  w: {type: int, low: 1, high: 3, condition: {parent: n, op: ge, value: 2}}',
    'invalid params.w.condition.op: "ge" (expected one of eq, neq, in, gte, gt, lte, lt)',
  ],
  [
    'gte on a categorical of strings',
    's: {type: categorical, choices: [fast-sigmoid, arctan]}\n  w: {type: int, low: 1, high: 3, condition: {parent: s, op: gte, value: 2}}',
    'invalid params.w.condition.op: "gte" (gte needs a numeric parent, but s is a categorical with choices ' +
      '"fast-sigmoid", "arctan"; use eq, neq or in)',
  ],
  [
    'gte with a string value',
    'n: {type: int, low: 1, high: 3}\n  w: {type: int, low: 1, high: 3, condition: {parent: n, op: gte, value: two}}',
    'invalid params.w.condition.value: "two" (gte needs a number, since n is an int in [1, 3])',
  ],
  [
    'eq with a string on an int parent',
    'n: {type: int, low: 1, high: 3}\n  w: {type: int, low: 1, high: 3, condition: {parent: n, op: eq, value: "2"}}',
    'invalid params.w.condition.value: "2" (not a possible value of n, which is an int in [1, 3]: n == "2" can never be true)',
  ],
  [
    'eq with a value that is not a choice',
    's: {type: categorical, choices: [a, b]}\n  w: {type: int, low: 1, high: 3, condition: {parent: s, op: eq, value: c}}',
    'invalid params.w.condition.value: "c" (not a possible value of s, which is a categorical with choices "a", "b": ' +
      's == "c" can never be true)',
  ],
  [
    'in with a scalar',
    's: {type: categorical, choices: [a, b]}\n  w: {type: int, low: 1, high: 3, condition: {parent: s, op: in, value: a}}',
    'invalid params.w.condition.value: "a" ("in" needs a non-empty list of values of s)',
  ],
  [
    'in with a value out of range',
    'n: {type: int, low: 1, high: 3}\n  w: {type: int, low: 1, high: 3, condition: {parent: n, op: in, value: [2, 5]}}',
    'invalid params.w.condition.value: 5 (not a possible value of n, which is an int in [1, 3]: n in [2, 5] can never be true)',
  ],
  [
    'gte beyond the parent range (never true)',
    'layers: {type: int, low: 1, high: 3}\n  w4: {type: int, low: 1, high: 3, condition: {parent: layers, op: gte, value: 4}}',
    'invalid params.w4.condition.value: 4 (layers >= 4 can never be true: layers is an int in [1, 3])',
  ],
  [
    'lt below the parent range (never true)',
    'lr: {type: float, low: 0.001, high: 0.1}\n  w: {type: int, low: 1, high: 3, condition: {parent: lr, op: lt, value: 0.001}}',
    'invalid params.w.condition.value: 0.001 (lr < 0.001 can never be true: lr is a float in [0.001, 0.1])',
  ],
  [
    'eq on an int with a non-integer (never true)',
    'n: {type: int, low: 1, high: 3}\n  w: {type: int, low: 1, high: 3, condition: {parent: n, op: eq, value: 2.5}}',
    'invalid params.w.condition.value: 2.5 (not a possible value of n, which is an int in [1, 3]: n == 2.5 can never be true)',
  ],
  [
    'neq on a fixed parent (never true)',
    'f: {type: fixed, value: 3}\n  w: {type: int, low: 1, high: 3, condition: {parent: f, op: neq, value: 3}}',
    'invalid params.w.condition.value: 3 (f != 3 can never be true: f is fixed at 3)',
  ],
  [
    'gt on numeric choices (never true)',
    's: {type: categorical, choices: [8, 16]}\n  w: {type: int, low: 1, high: 3, condition: {parent: s, op: gt, value: 16}}',
    'invalid params.w.condition.value: 16 (s > 16 can never be true: s is a categorical with choices 8, 16)',
  ],
  [
    'unknown condition field',
    'n: {type: int, low: 1, high: 3}\n  w: {type: int, low: 1, high: 3, condition: {parent: n, op: eq, value: 2, when: 1}}',
    'invalid params.w.condition.when: 1 (unknown field; a condition has parent, op, value)',
  ],
  [
    'bad parameter name',
    '2nd: {type: int, low: 1, high: 3}',
    'invalid params[0].name: "2nd" (expected a name of letters, digits, "_" or "-" starting with a letter or "_")',
  ],
  ['not an object', 'lr: 0.1', 'invalid params.lr: 0.1 (expected a parameter definition {type, ...})'],
  [
    'name in the map form',
    'lr: {name: lr, type: float, low: 0, high: 1}',
    'invalid params.lr.name: "lr" (unknown field; in the map form the key is the name)',
  ],
];

describe('spec errors', () => {
  for (const [what, body, message] of errorCases) {
    it(`reports ${what}`, () => {
      let err: unknown;
      try {
        parseSpace(`params:\n  ${body}\n`);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toBe(message);
    });
  }

  it('reports duplicate names in the list form', () => {
    expect(() =>
      parseSpace({
        params: [
          { name: 'lr', type: 'float', low: 0, high: 1 },
          { name: 'lr', type: 'int', low: 0, high: 1 },
        ],
      }),
    ).toThrow('invalid params.lr: "lr" (duplicate parameter name)');
  });

  it('reports a list entry without a name', () => {
    expect(() => parseSpace({ params: [{ type: 'float', low: 0, high: 1 }] })).toThrow(
      'invalid params[0].name: undefined (missing; list entries need a name)',
    );
  });

  it('reports a spec without params, with extra fields, empty, or not YAML', () => {
    expect(() => parseSpace({})).toThrow(
      'invalid params: undefined (missing; expected a map or list of parameters)',
    );
    expect(() => parseSpace({ params: [] })).toThrow('invalid params: [] (expected at least one parameter)');
    expect(() => parseSpace({ params: {}, prams: 1 })).toThrow(
      'invalid prams: 1 (unknown field; a search-space spec has only "params")',
    );
    expect(() => parseSpace('params: 3')).toThrow('invalid params: 3 (expected a map (name: {type, ...})');
    expect(() => parseSpace('')).toThrow('invalid space: null (expected an object with a "params" field)');
    expect(() => parseSpace('params: [}')).toThrow(
      /^invalid space: "params: \[}" \(not valid YAML or JSON: /,
    );
  });
});
