import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { space } from './builder.ts';
import { numericToUnit, unitToNumeric } from './encode.ts';
import type { ParamValues } from './params.ts';
import type { Params, SearchSpace } from './space.ts';

/** Every kind, with log scales, conditions (chained) and fixed values. */
function mixedSpace() {
  return space()
    .float('lr', 1e-4, 1e-1, { log: true })
    .float('decay', -1, 2)
    .int('layers', 1, 4)
    .int('width1', 16, 512, { log: true })
    .int('width3', 16, 512, { log: true, when: { parent: 'layers', op: 'gte', value: 3 } })
    .categorical('act', ['relu', 'lif', 'alif'], { when: { parent: 'width3', op: 'gt', value: 100 } })
    .categorical('surrogate', ['fast-sigmoid', 'arctan'])
    .categorical('bias', [true, false])
    .categorical('steps', [8, 16, 32])
    .fixed('optimizer', 'adam')
    .fixed('beta', 0.9, { when: { parent: 'surrogate', op: 'eq', value: 'arctan' } })
    .build();
}

function expectSameConfig(space: SearchSpace, got: ParamValues, want: ParamValues): void {
  expect(Object.keys(got)).toEqual(Object.keys(want));
  for (const name of Object.keys(want)) {
    const p = space.get(name);
    if (p.type === 'float') {
      expect(Math.abs((got[name] as number) - (want[name] as number))).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(want[name] as number)),
      );
    } else {
      expect(got[name]).toBe(want[name]);
    }
  }
}

describe('unit-cube encoding', () => {
  it('has one dimension per float/int, one per choice, none for fixed', () => {
    const s = mixedSpace();
    expect(s.dims).toBe(1 + 1 + 1 + 1 + 1 + 3 + 2 + 2 + 3);
    expect(s.layout.map((l) => [l.name, l.offset, l.width])).toEqual([
      ['lr', 0, 1],
      ['decay', 1, 1],
      ['layers', 2, 1],
      ['width1', 3, 1],
      ['width3', 4, 1],
      ['act', 5, 3],
      ['surrogate', 8, 2],
      ['bias', 10, 2],
      ['steps', 12, 3],
      ['optimizer', 15, 0],
      ['beta', 15, 0],
    ]);
  });

  it('round-trips random configurations of every kind: decode(encode(p)) = p', () => {
    const s = mixedSpace();
    const rng = new Rng(11);
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const p = s.sampleUniform(rng);
      for (const k of Object.keys(p)) seen.add(k);
      const x = s.encode(p);
      expect(x.length).toBe(s.dims);
      for (const v of x) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expectSameConfig(s, s.decode(x), p);
    }
    expect([...seen].sort()).toEqual([...s.names].sort()); // every parameter was exercised
  });

  it('round-trips the bounds exactly and every integer of a range', () => {
    const s = space()
      .float('a', 1e-4, 1e-1, { log: true })
      .float('b', -3, 7)
      .int('c', 1, 40, { log: true })
      .int('d', -5, 5)
      .build();
    for (const a of [1e-4, 1e-1]) {
      for (const b of [-3, 7]) {
        expect(s.decode(s.encode({ a, b, c: 1, d: -5 }))).toEqual({ a, b, c: 1, d: -5 });
      }
    }
    for (let c = 1; c <= 40; c++) expect(s.decode(s.encode({ a: 0.01, b: 0, c, d: 0 })).c).toBe(c);
    for (let d = -5; d <= 5; d++) expect(s.decode(s.encode({ a: 0.01, b: 0, c: 3, d })).d).toBe(d);
  });

  it('scales floats linearly or logarithmically', () => {
    const s = space().float('lin', 0, 10).float('log', 1e-4, 1e-1, { log: true }).build();
    const x = s.encode({ lin: 2.5, log: 10 ** -2.5 });
    expect(x[0]).toBeCloseTo(0.25, 12);
    expect(x[1]).toBeCloseTo(0.5, 12);
    expect(s.decode([0.5, 0.5]).lin).toBeCloseTo(5, 12);
    expect(s.decode([0.5, 0.5]).log).toBeCloseTo(10 ** -2.5, 14);
  });

  it('gives each integer of a linear int an equal-width bin (endpoints included)', () => {
    const p = { type: 'int' as const, low: 1, high: 5, log: false };
    const n = 100_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const v = unitToNumeric(p, (i + 0.5) / n);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    for (const c of counts.values()) expect(Math.abs(c - n / 5)).toBeLessThanOrEqual(1);
    // and with random unit samples
    const rng = new Rng(5);
    const r = new Array(6).fill(0);
    for (let i = 0; i < n; i++) r[unitToNumeric(p, rng.next())]++;
    for (let k = 1; k <= 5; k++) expect(Math.abs(r[k] / n - 0.2)).toBeLessThan(0.006);
    // the encoding of k is the centre of its bin
    for (let k = 1; k <= 5; k++) expect(numericToUnit(p, k)).toBeCloseTo((k - 0.5) / 5, 12);
  });

  it('gives each integer of a log int its full log-space bin [k - 0.5, k + 0.5] (endpoints included)', () => {
    for (const [low, high] of [
      [1, 8],
      [16, 512],
    ]) {
      const p = { type: 'int' as const, low, high, log: true };
      const n = 400_000;
      const counts = new Float64Array(high + 1);
      for (let i = 0; i < n; i++) counts[unitToNumeric(p, (i + 0.5) / n)]++;
      const total = Math.log((high + 0.5) / (low - 0.5));
      for (let k = low; k <= high; k++) {
        const expected = Math.log((k + 0.5) / (k - 0.5)) / total;
        expect(Math.abs(counts[k] / n - expected)).toBeLessThanOrEqual(2 / n);
      }
      // endpoints own full bins: low gets more than its neighbour (log density), not half a bin
      expect(counts[low]).toBeGreaterThan(counts[low + 1]);
      expect(counts[high] / counts[high - 1]).toBeCloseTo(
        Math.log((high + 0.5) / (high - 0.5)) / Math.log((high - 0.5) / (high - 1.5)),
        2,
      );
    }
  });

  it('gives log ints the same log-scaled shares under random samples and under sampleUniform', () => {
    const s = space().int('w', 1, 8, { log: true }).build();
    const rng = new Rng(9);
    const n = 200_000;
    const counts = new Array(9).fill(0);
    for (let i = 0; i < n; i++) counts[s.sampleUniform(rng).w as number]++;
    const total = Math.log(8.5 / 0.5);
    for (let k = 1; k <= 8; k++) {
      expect(Math.abs(counts[k] / n - Math.log((k + 0.5) / (k - 0.5)) / total)).toBeLessThan(0.005);
    }
  });

  it('one-hot encodes categoricals and decodes by argmax (ties: first choice)', () => {
    const s = space().categorical('c', ['a', 'b', 'c']).build();
    expect([...s.encode({ c: 'b' })]).toEqual([0, 1, 0]);
    expect(s.decode([0.2, 0.7, 0.69]).c).toBe('b');
    expect(s.decode([0.9, 0.1, 0.95]).c).toBe('c');
    expect(s.decode([0.5, 0.5, 0.5]).c).toBe('a');
  });

  it('encodes inactive parameters at the centre of their domain, so they do not separate configurations', () => {
    const s = mixedSpace();
    const a: Params<typeof s> = {
      lr: 0.01,
      decay: 0,
      layers: 2,
      width1: 64,
      surrogate: 'arctan',
      bias: true,
      steps: 8,
      optimizer: 'adam',
      beta: 0.9,
    };
    const x = s.encode(a);
    expect(x[4]).toBe(0.5); // width3
    expect([x[5], x[6], x[7]]).toEqual([1 / 3, 1 / 3, 1 / 3]); // act
    // two configurations where width3/act are inactive for different reasons agree on those dims
    const y = s.encode({ ...a, layers: 1 });
    expect(Array.from(y.subarray(4, 8))).toEqual(Array.from(x.subarray(4, 8)));
    const z = s.encode({ ...a, layers: 3, width3: 50 }); // width3 active, act inactive
    expect(Array.from(z.subarray(5, 8))).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(z[4]).not.toBe(0.5);
  });

  it('decodes any point to a valid configuration (clamping, rounding, snapping)', () => {
    const s = mixedSpace();
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      const x = Array.from({ length: s.dims }, () => rng.uniform(-0.5, 1.5));
      const p = s.decode(x);
      expect(s.validateParams(p)).toEqual(p);
      const snapped = s.snap(x);
      expect(Array.from(s.snap(snapped))).toEqual(Array.from(snapped));
      expect(s.decode(snapped)).toEqual(p);
    }
    const lo = s.decode(new Array(s.dims).fill(-1));
    expect(lo.lr).toBe(1e-4);
    expect(lo.layers).toBe(1);
    const hi = s.decode(new Array(s.dims).fill(2));
    expect(hi.lr).toBe(1e-1);
    expect(hi.width1).toBe(512);
  });

  it('rejects a vector of the wrong length or with NaN', () => {
    const s = mixedSpace();
    expect(() => s.decode([0.5])).toThrow(/invalid x: "length 1" \(expected a vector of 15 dimensions\)/);
    const x = new Array(s.dims).fill(0.5);
    x[2] = Number.NaN;
    expect(() => s.decode(x)).toThrow(/invalid x\[2\]: NaN/);
  });
});
