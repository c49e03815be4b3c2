import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { trustRegionBounds, trustRegionCandidates } from './candidates.ts';
import { selectCandidate } from './select.ts';
import { better, defaultTrustRegion, type Evaluated, replayTrustRegion } from './state.ts';

describe('selectCandidate (SCBO rule)', () => {
  it('takes the best sampled objective among sampled-feasible candidates', () => {
    const f = Float64Array.from([5, 9, 7, 1]);
    // 2 constraints × 4 candidates: candidate 1 violates the first, so 2 wins.
    const c = Float64Array.from([-1, 0.5, -2, -1, -1, -1, 0, -1]);
    expect(selectCandidate(f, c, 2, 4)).toBe(2);
  });
  it('falls back to the least total violation when nothing is feasible', () => {
    const f = Float64Array.from([5, 9, 7]);
    const c = Float64Array.from([1, 0.2, 3, 1, 0.3, 0]);
    // violations 2, 0.5, 3 → candidate 1
    expect(selectCandidate(f, c, 2, 3)).toBe(1);
  });
  it('honours exclusions and handles no constraints', () => {
    const f = Float64Array.from([5, 9, 7]);
    expect(selectCandidate(f, new Float64Array(0), 0, 3)).toBe(1);
    expect(selectCandidate(f, new Float64Array(0), 0, 3, Uint8Array.from([0, 1, 0]))).toBe(2);
    expect(selectCandidate(f, new Float64Array(0), 0, 3, Uint8Array.from([1, 1, 1]))).toBe(-1);
  });
});

describe('trust region replay', () => {
  const opts = { lengthInit: 0.8, lengthMin: 0.1, lengthMax: 1.6, successTolerance: 2, failureTolerance: 3 };
  it('the incumbent is the best feasible point, never an infeasible one with a better objective', () => {
    const evals: Evaluated[] = [
      { value: 1, violation: 0 },
      { value: 100, violation: 0.5 }, // infeasible, huge objective
      { value: 2, violation: 0 },
    ];
    expect(replayTrustRegion(evals, opts).incumbent).toBe(2);
    // With nothing feasible, the least violation wins.
    const none: Evaluated[] = [
      { value: 5, violation: 2 },
      { value: Number.NaN, violation: 0.5 }, // stopped early: constraint only
      { value: 9, violation: 1 },
    ];
    expect(replayTrustRegion(none, opts).incumbent).toBe(1);
    expect(better({ value: 0, violation: 0 }, { value: 50, violation: 0.1 })).toBe(true);
  });
  it('grows after successes, shrinks after failures and restarts below the minimum', () => {
    const up: Evaluated[] = [0, 1, 2].map((v) => ({ value: v, violation: 0 }));
    expect(replayTrustRegion(up, opts).length).toBe(1.6);
    const flat: Evaluated[] = Array.from({ length: 7 }, () => ({ value: 0, violation: 0 }));
    // 6 failures after the first: 0.8 → 0.4 → 0.2
    expect(replayTrustRegion(flat, opts).length).toBeCloseTo(0.2);
    const many: Evaluated[] = Array.from({ length: 13 }, () => ({ value: 0, violation: 0 }));
    const st = replayTrustRegion(many, opts);
    // 12 failures: 0.8 → 0.4 → 0.2 → 0.1 → 0.05 < min → restart after the 13th evaluation
    expect(st.restarts).toBe(1);
    expect(st.since).toBe(13);
    expect(st.incumbent).toBe(-1);
    expect(st.length).toBe(0.8);
  });
  it('uses TuRBO tolerances', () => {
    expect(defaultTrustRegion(10, 1).failureTolerance).toBe(10);
    expect(defaultTrustRegion(2, 1).failureTolerance).toBe(4);
    expect(defaultTrustRegion(10, 4).failureTolerance).toBe(12);
  });
});

describe('trust region candidates', () => {
  it('stay in the box and the unit cube, perturbing few coordinates in high dimension', () => {
    const d = 40;
    const centre = new Float64Array(d).fill(0.5);
    centre[0] = 0.02;
    const ls = Float64Array.from({ length: d }, (_, i) => (i === 1 ? 4 : 1));
    const { lo, hi } = trustRegionBounds(centre, ls, 0.4);
    expect(lo[0]).toBe(0);
    expect(hi[1] - lo[1]).toBeGreaterThan(hi[2] - lo[2]);
    const m = 500;
    const c = trustRegionCandidates(centre, lo, hi, m, new Rng(1));
    let changed = 0;
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < d; i++) {
        const x = c[j * d + i];
        expect(x).toBeGreaterThanOrEqual(lo[i]);
        expect(x).toBeLessThanOrEqual(hi[i]);
        if (x !== centre[i]) changed++;
      }
    }
    // probability 20/40 per coordinate
    expect(changed / (m * d)).toBeGreaterThan(0.4);
    expect(changed / (m * d)).toBeLessThan(0.6);
  });
});
