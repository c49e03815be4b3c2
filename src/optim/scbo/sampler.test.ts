import { describe, expect, it } from 'vitest';
import { type ParamValues, space } from '../../space/index.ts';
import { createSampler } from '../index.ts';
import type { Observation, Problem } from '../types.ts';

const s2 = space().float('x', 0, 1).float('y', 0, 1).build();
/** Maximize -(x-0.7)² - (y-0.2)², subject to x + y ≥ 0.6 (c = 0.6 - x - y ≤ 0). Optimum at (0.7, 0.2)… feasible (0.9 ≥ 0.6). */
const problem: Problem = {
  space: s2,
  objectives: [{ name: 'f', direction: 'maximize' }],
  constraints: ['c'],
};
const f = (p: ParamValues): number => -(((p.x as number) - 0.7) ** 2) - ((p.y as number) - 0.2) ** 2;
const c = (p: ParamValues): number => 0.6 - (p.x as number) - (p.y as number);
const observe = (p: ParamValues): Observation => ({
  params: p,
  state: 'complete',
  values: [f(p)],
  constraints: [c(p)],
});

function run(evals: number, seed: number): Observation[] {
  const sampler = createSampler({ kind: 'scbo', seed, initialPoints: 8, candidates: 1000 }, problem);
  const history: Observation[] = [];
  while (history.length < evals) {
    const [p] = sampler.ask(history, [], 1);
    history.push(observe(p));
  }
  return history;
}

describe('ScboSampler', () => {
  it('converges on a constrained 2-D problem', () => {
    const h = run(40, 1);
    const best = Math.max(
      ...h.filter((o) => (o.constraints as number[])[0] <= 0).map((o) => (o.values as number[])[0]),
    );
    expect(best).toBeGreaterThan(-1e-3);
  });

  it('is a pure function of (seed, history, pending)', () => {
    const h = run(15, 2);
    const sampler = createSampler({ kind: 'scbo', seed: 2, initialPoints: 8, candidates: 1000 }, problem);
    const a = sampler.ask(h, [{ x: 0.5, y: 0.5 }], 2);
    const b = createSampler({ kind: 'scbo', seed: 2, initialPoints: 8, candidates: 1000 }, problem).ask(
      h,
      [{ x: 0.5, y: 0.5 }],
      2,
    );
    expect(a).toEqual(b);
  });

  it('models pending points: proposals keep away from points still running (and ignoring them does not)', () => {
    const dist = (a: ParamValues, b: ParamValues): number =>
      Math.hypot((a.x as number) - (b.x as number), (a.y as number) - (b.y as number));
    for (const seed of [3, 4]) {
      const h = run(14, seed);
      // The three points the sampler would propose now are running.
      const pending = createSampler({ kind: 'scbo', seed, initialPoints: 8, candidates: 1000 }, problem).ask(
        h,
        [],
        3,
      );
      const minDist = (mode: 'constant-liar' | 'kriging-believer' | 'ignore'): number => {
        const props = createSampler(
          { kind: 'scbo', seed, initialPoints: 8, candidates: 1000, pending: mode },
          problem,
        ).ask(h, pending, 3);
        return Math.min(...props.flatMap((p) => pending.map((q) => dist(p, q))));
      };
      const believer = minDist('kriging-believer'); // the default: fantasies + exclusion radius
      const ignore = minDist('ignore');
      expect(believer).toBeGreaterThan(0.05);
      expect(believer).toBeGreaterThan(5 * ignore);
      expect(minDist('constant-liar')).toBeGreaterThan(5 * ignore);
      // without the exclusion radius, the believer's fantasies alone only shrink the variance at the
      // pending points: Thompson sampling still lands next to them.
      const fantasiesOnly = createSampler(
        { kind: 'scbo', seed, initialPoints: 8, candidates: 1000, pendingRadius: 0 },
        problem,
      ).ask(h, pending, 3);
      expect(Math.min(...fantasiesOnly.flatMap((p) => pending.map((q) => dist(p, q))))).toBeLessThan(
        believer / 3,
      );
    }
  });

  it('learns the constraint from trials stopped early (no objective values)', () => {
    // Silent region: x < 0.5 is stopped early with a positive constraint value.
    const silentProblem: Problem = {
      space: s2,
      objectives: [{ name: 'acc', direction: 'maximize' }],
      constraints: ['silent'],
    };
    const sampler = createSampler(
      { kind: 'scbo', seed: 4, initialPoints: 10, candidates: 1000 },
      silentProblem,
    );
    const history: Observation[] = [];
    for (let i = 0; i < 40; i++) {
      const [p] = sampler.ask(history, [], 1);
      const x = p.x as number;
      history.push(
        x < 0.5
          ? { params: p, state: 'stopped', values: null, constraints: [0.5 - x] }
          : {
              params: p,
              state: 'complete',
              values: [1 - ((p.y as number) - 0.3) ** 2 - (x - 0.6) ** 2],
              constraints: [0.5 - x],
            },
      );
    }
    const late = history.slice(25);
    const stopped = late.filter((o) => o.state === 'stopped').length;
    expect(stopped).toBeLessThanOrEqual(3);
  });
});

describe('ScboSampler, several objectives', () => {
  it('spreads along the Pareto front: larger hypervolume than random search at equal budget', async () => {
    const { hypervolume } = await import('../mo/hypervolume.ts');
    // Two objectives to minimize over [0, 1]², front f2 = 1 − √f1 (ZDT1-like), with a constraint.
    const s = space().float('a', 0, 1).float('b', 0, 1).build();
    const mo: Problem = {
      space: s,
      objectives: [
        { name: 'f1', direction: 'minimize' },
        { name: 'f2', direction: 'minimize' },
      ],
      constraints: ['c'],
    };
    const evalP = (p: ParamValues): Observation => {
      const a = p.a as number;
      const g = 1 + 9 * (p.b as number);
      return {
        params: p,
        state: 'complete',
        values: [a, g * (1 - Math.sqrt(a / g))],
        constraints: [0.05 - a],
      };
    };
    const hv = (kind: 'scbo' | 'random', seed: number): number => {
      const sampler = createSampler(
        kind === 'scbo' ? { kind, seed, initialPoints: 8, candidates: 1000 } : { kind, seed },
        mo,
      );
      const h: Observation[] = [];
      while (h.length < 40) h.push(evalP(sampler.ask(h, [], 1)[0]));
      const pts = h.filter((o) => (o.constraints as number[])[0] <= 0).map((o) => o.values as number[]);
      return hypervolume(pts, [1.1, 11]);
    };
    const seeds = [1, 2, 3];
    const scbo = seeds.map((k) => hv('scbo', k)).sort((x, y) => x - y)[1];
    const random = seeds.map((k) => hv('random', k)).sort((x, y) => x - y)[1];
    expect(scbo).toBeGreaterThan(random + 0.2);
  });
});
