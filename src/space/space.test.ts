import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { space } from './builder.ts';

/** A chain: width3 needs layers >= 3, act needs width3 > 100, gain needs act == alif. */
function chainSpace() {
  return space()
    .int('layers', 1, 4)
    .int('width3', 16, 512, { log: true, when: { parent: 'layers', op: 'gte', value: 3 } })
    .categorical('act', ['lif', 'alif'], { when: { parent: 'width3', op: 'gt', value: 100 } })
    .float('gain', 0, 1, { when: { parent: 'act', op: 'eq', value: 'alif' } })
    .categorical('opt', ['adam', 'sgd', 'rmsprop'])
    .float('momentum', 0, 0.99, { when: { parent: 'opt', op: 'in', value: ['sgd', 'rmsprop'] } })
    .fixed('seed', 7)
    .build();
}

function thrown(f: () => unknown): ValidationError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('conditions', () => {
  it('activates chains only when every link holds', () => {
    const s = chainSpace();
    expect(s.isActive('layers', {})).toBe(true);
    expect(s.isActive('width3', { layers: 2 })).toBe(false);
    expect(s.isActive('width3', { layers: 3 })).toBe(true);
    expect(s.isActive('act', { layers: 3, width3: 100 })).toBe(false);
    expect(s.isActive('act', { layers: 3, width3: 101 })).toBe(true);
    // width3's value would satisfy act's condition, but width3 itself is inactive
    expect(s.isActive('act', { layers: 2, width3: 300 })).toBe(false);
    expect(s.isActive('gain', { layers: 4, width3: 300, act: 'alif' })).toBe(true);
    expect(s.isActive('gain', { layers: 4, width3: 300, act: 'lif' })).toBe(false);
    expect(s.isActive('gain', { layers: 1, width3: 300, act: 'alif' })).toBe(false);
    expect(s.isActive('momentum', { opt: 'sgd' })).toBe(true);
    expect(s.isActive('momentum', { opt: 'adam' })).toBe(false);
    expect(s.isActive('momentum', {})).toBe(false); // parent value unknown
    expect(() => s.isActive('nope' as 'layers', {})).toThrow(/invalid name: "nope" \(unknown parameter/);
  });

  it('samples and decodes exactly the active parameters', () => {
    const s = chainSpace();
    const rng = new Rng(1);
    const seen = { width3: 0, act: 0, gain: 0, momentum: 0 };
    for (let i = 0; i < 5000; i++) {
      const p = s.sampleUniform(rng);
      for (const name of s.names) expect(name in p).toBe(s.isActive(name, p));
      expect(p.seed).toBe(7);
      if ('width3' in p) seen.width3++;
      if ('act' in p) seen.act++;
      if ('gain' in p) seen.gain++;
      if ('momentum' in p) seen.momentum++;
      const d = s.decode(Array.from({ length: s.dims }, () => rng.next()));
      for (const name of s.names) expect(name in d).toBe(s.isActive(name, d));
    }
    // P(layers >= 3) = 1/2; P(width3 > 100 | active) = ln(512.5/100.5)/ln(512.5/15.5) ≈ 0.465
    expect(seen.width3 / 5000).toBeCloseTo(0.5, 1);
    expect(seen.act / seen.width3).toBeCloseTo(Math.log(512.5 / 100.5) / Math.log(512.5 / 15.5), 1);
    expect(seen.gain / seen.act).toBeCloseTo(0.5, 1);
    expect(seen.momentum / 5000).toBeCloseTo(2 / 3, 1);
  });

  it('supports every operator', () => {
    const base = space().int('n', 1, 5);
    const ops = [
      ['eq', 3, [3]],
      ['neq', 3, [1, 2, 4, 5]],
      ['in', [1, 5], [1, 5]],
      ['gte', 3, [3, 4, 5]],
      ['gt', 3, [4, 5]],
      ['lte', 3, [1, 2, 3]],
      ['lt', 3, [1, 2]],
    ] as const;
    for (const [op, value, active] of ops) {
      const s = base.float('x', 0, 1, { when: { parent: 'n', op, value } as never }).build();
      const got = [1, 2, 3, 4, 5].filter((n) => s.isActive('x', { n }));
      expect(got, op).toEqual(active);
    }
  });
});

describe('sampleUniform', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const s = chainSpace();
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => s.sampleUniform(rng));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('takes one draw per non-fixed parameter whatever is active', () => {
    const s = chainSpace();
    const rng = new Rng(8);
    const twin = new Rng(8);
    for (let i = 0; i < 200; i++) {
      s.sampleUniform(rng);
      for (let k = 0; k < 6; k++) twin.next();
      expect(rng.next()).toBe(twin.next());
    }
  });

  it('is log-uniform for log floats: median 10^-2.5 on [1e-4, 1e-1]', () => {
    const s = space().float('lr', 1e-4, 1e-1, { log: true }).float('lin', 1e-4, 1e-1).build();
    const rng = new Rng(2024);
    const n = 20_000;
    const logs: number[] = [];
    const lins: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = s.sampleUniform(rng);
      expect(p.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr).toBeLessThanOrEqual(1e-1);
      logs.push(Math.log10(p.lr));
      lins.push(p.lin);
    }
    logs.sort((a, b) => a - b);
    lins.sort((a, b) => a - b);
    expect(Math.abs(logs[n / 2] - -2.5)).toBeLessThan(0.03);
    expect(Math.abs(logs[n / 4] - -3.25)).toBeLessThan(0.03);
    expect(Math.abs(logs[(3 * n) / 4] - -1.75)).toBeLessThan(0.03);
    // a linear float has its median in the middle instead
    expect(Math.abs(lins[n / 2] - 0.05005)).toBeLessThan(0.002);
  });

  it('samples categoricals uniformly', () => {
    const s = space().categorical('c', ['a', 'b', 'c', 'd']).build();
    const rng = new Rng(4);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
    for (let i = 0; i < 40_000; i++) counts[s.sampleUniform(rng).c]++;
    for (const c of Object.values(counts)) expect(Math.abs(c / 40_000 - 0.25)).toBeLessThan(0.01);
  });
});

describe('validateParams', () => {
  const s = chainSpace();
  const ok = { layers: 3, width3: 200, act: 'alif', gain: 0.5, opt: 'adam', seed: 7 };

  it('accepts a valid configuration, orders it and fills in fixed values', () => {
    expect(s.validateParams({ opt: 'adam', layers: 1 })).toEqual({ layers: 1, opt: 'adam', seed: 7 });
    expect(Object.keys(s.validateParams({ ...ok }))).toEqual([
      'layers',
      'width3',
      'act',
      'gain',
      'opt',
      'seed',
    ]);
  });

  it('names a missing active parameter and why it is active', () => {
    const e = thrown(() => s.validateParams({ layers: 3, opt: 'adam' }));
    expect(e.field).toBe('params.width3');
    expect(e.message).toBe(
      'invalid params.width3: undefined (missing (active because layers = 3 satisfies layers >= 3); ' +
        'expected an int in [16, 512])',
    );
    expect(() => s.validateParams({ layers: 3 })).toThrow(/invalid params.width3: undefined \(missing/);
    expect(() => s.validateParams({ width3: 20 })).toThrow(
      'invalid params.layers: undefined (missing; expected an int in [1, 4])',
    );
  });

  it('names an extra (unknown) parameter', () => {
    expect(() => s.validateParams({ ...ok, lr: 0.1 })).toThrow(
      'invalid params.lr: 0.1 (unknown parameter; the space has layers, width3, act, gain, opt, momentum, seed)',
    );
  });

  it('names an inactive parameter that was given', () => {
    expect(() => s.validateParams({ layers: 2, width3: 64, opt: 'adam' })).toThrow(
      'invalid params.width3: 64 (inactive because layers = 2 does not satisfy layers >= 3; remove it)',
    );
    expect(() => s.validateParams({ layers: 2, act: 'lif', opt: 'adam' })).toThrow(
      'invalid params.act: "lif" (inactive because its parent width3 is inactive; remove it)',
    );
    expect(() => s.validateParams({ ...ok, momentum: 0.9 })).toThrow(
      'invalid params.momentum: 0.9 (inactive because opt = "adam" does not satisfy opt in ["sgd", "rmsprop"]; remove it)',
    );
  });

  it('names out-of-range and wrongly typed values', () => {
    expect(() => s.validateParams({ ...ok, layers: 5 })).toThrow(
      'invalid params.layers: 5 (expected an int in [1, 4])',
    );
    expect(() => s.validateParams({ ...ok, layers: 3.5 })).toThrow(
      'invalid params.layers: 3.5 (expected an int in [1, 4])',
    );
    expect(() => s.validateParams({ ...ok, layers: '3' })).toThrow('invalid params.layers: "3"');
    expect(() => s.validateParams({ ...ok, gain: 1.5 })).toThrow(
      'invalid params.gain: 1.5 (expected a float in [0, 1])',
    );
    expect(() => s.validateParams({ ...ok, gain: Number.NaN })).toThrow('invalid params.gain: NaN');
    expect(() => s.validateParams({ ...ok, opt: 'adamw' })).toThrow(
      'invalid params.opt: "adamw" (expected one of "adam", "sgd", "rmsprop")',
    );
    expect(() => s.validateParams({ ...ok, seed: 8 })).toThrow(
      'invalid params.seed: 8 (expected the fixed value 7)',
    );
    expect(() => s.validateParams([1, 2])).toThrow('invalid params: [1,2] (expected an object');
    expect(() => s.validateParams({ ...ok, layers: 9 }, 'trial 3')).toThrow('invalid trial 3.layers: 9');
  });

  it('does not treat inherited properties as parameters', () => {
    const t = space()
      .categorical('toString', ['a', 'b'])
      .float('constructor', 0, 1, { when: { parent: 'toString', op: 'eq', value: 'b' } })
      .build();
    expect(t.validateParams({ toString: 'a' })).toEqual({ toString: 'a' });
    expect(() => t.validateParams({ toString: 'b' })).toThrow(
      'invalid params.constructor: undefined (missing',
    );
    expect(t.decode([1, 0, 0.5])).toEqual({ toString: 'a' });
    expect(t.isActive('constructor', {})).toBe(false);
  });

  it('is applied by encode', () => {
    expect(() => s.encode({ layers: 2, width3: 64, opt: 'adam' } as never)).toThrow(/inactive/);
  });
});

describe('describe', () => {
  it('prints one line per parameter with domains and conditions', () => {
    const text = chainSpace().describe();
    expect(text.split('\n')[0]).toBe('search space: 7 parameters, 9 encoded dimensions');
    expect(text).toMatch(/width3\s+int\s+\[16, 512\] log\s+if layers >= 3\s+1 dim/);
    expect(text).toMatch(/momentum\s+float\s+\[0, 0.99\]\s+if opt in \["sgd", "rmsprop"\]/);
    expect(text).toMatch(/opt\s+categorical\s+\{adam, sgd, rmsprop\}\s+3 dims/);
    expect(text).toMatch(/seed\s+fixed\s+= 7\s+0 dims/);
  });
});
