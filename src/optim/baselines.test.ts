import { describe, expect, it } from 'vitest';
import { space } from '../space/index.ts';
import { RandomSampler, SobolSampler } from './baselines.ts';
import type { Observation } from './types.ts';

const s = space()
  .float('lr', 1e-4, 1e-1, { log: true })
  .int('layers', 1, 3)
  .int('width2', 8, 64, { when: { parent: 'layers', op: 'gte', value: 2 } })
  .categorical('act', ['a', 'b', 'c'])
  .build();

const done = (params: Record<string, number | string | boolean>): Observation => ({
  params,
  state: 'complete',
  values: [0],
  constraints: [],
});

describe('baseline samplers', () => {
  for (const make of [
    (seed: number) => new RandomSampler(s, seed),
    (seed: number) => new SobolSampler(s, seed),
  ]) {
    it(`${make(0).name}: proposals are valid and a pure function of (seed, trials so far)`, () => {
      const a = make(3);
      const first = a.ask([], [], 8);
      for (const p of first) expect(() => s.validateParams(p)).not.toThrow();
      // Asking one at a time with the earlier ones finished or pending gives the same points.
      const history: Observation[] = [];
      for (let k = 0; k < 8; k++) {
        const [p] = make(3).ask(history.slice(0, k >> 1), first.slice(k >> 1, k), 1);
        expect(p).toEqual(first[k]);
        history.push(done(p));
      }
      expect(make(4).ask([], [], 8)).not.toEqual(first);
    });
  }

  it('sobol covers the unit interval evenly (stratified in the lr dimension)', () => {
    const pts = new SobolSampler(s, 1).ask([], [], 64);
    const bins = new Array(8).fill(0);
    for (const p of pts) {
      const u = (Math.log10(p.lr as number) + 4) / 3;
      bins[Math.min(7, Math.floor(u * 8))]++;
    }
    for (const b of bins) expect(b).toBe(8);
  });
});
