import { describe, expect, it } from 'vitest';
import { EarlyStopper, silentConstraintNames, validateEarlyStopping } from './early-stopping.ts';

const silentOut = {
  kind: 'silent',
  layer: 'output',
  minSpikes: 1,
  maxSilentFraction: 0.5,
  checkEvery: 100,
} as const;
const counts = (n: number, silent: number): Int32Array =>
  Int32Array.from({ length: n }, (_, i) => (i < silent ? 0 : 3));

describe('silent-network rule', () => {
  it('stops at the first check when too many samples are silent, with a positive constraint', () => {
    const st = new EarlyStopper({ rules: [silentOut] });
    expect(st.observe({ step: 50, sampleSpikes: { output: counts(50, 45) } }).stop).toBe(false); // not yet a full window
    const d = st.observe({ step: 100, sampleSpikes: { output: counts(50, 40) } });
    expect(d.stop).toBe(true);
    if (d.stop)
      expect(d.reason).toMatch(
        /silent:output: 85.0% of samples under 1 spike\(s\) \(max 50.0%\) at step 100/,
      );
    expect(st.constraints()[0]).toBeCloseTo(0.35);
    expect(silentConstraintNames({ rules: [silentOut] })).toEqual(['silent:output']);
  });

  it('goes on while active, judging the recent window (a network that recovers is not stopped)', () => {
    const st = new EarlyStopper({ rules: [{ ...silentOut, maxSilentFraction: 0.9 }] });
    expect(st.observe({ step: 100, sampleSpikes: { output: counts(100, 80) } }).stop).toBe(false);
    expect(st.observe({ step: 200, sampleSpikes: { output: counts(100, 10) } }).stop).toBe(false);
    expect(st.constraints()[0]).toBeCloseTo(0.1 - 0.9);
    // cumulative window sees (80 + 10) / 200
    const cum = new EarlyStopper({ rules: [{ ...silentOut, maxSilentFraction: 0.9, window: 'cumulative' }] });
    cum.observe({ step: 100, sampleSpikes: { output: counts(100, 80) } });
    cum.observe({ step: 200, sampleSpikes: { output: counts(100, 10) } });
    expect(cum.constraints()[0]).toBeCloseTo(0.45 - 0.9);
  });

  it('minSpikes counts spikes over all time steps of a sample', () => {
    const st = new EarlyStopper({
      rules: [{ ...silentOut, minSpikes: 5, checkEvery: 4, maxSilentFraction: 0.4 }],
    });
    const d = st.observe({ step: 4, sampleSpikes: { output: [4, 5, 0, 9] } });
    expect(st.constraints()[0]).toBeCloseTo(0.5 - 0.4);
    expect(d.stop).toBe(true);
  });

  it('combines rules with any / all and accepts precomputed fractions (external trainers)', () => {
    const exc = {
      kind: 'silent',
      layer: 'exc',
      minSpikes: 5,
      maxSilentFraction: 0.5,
      checkEvery: 10,
    } as const;
    const inh = {
      kind: 'silent',
      layer: 'inh',
      minSpikes: 1,
      maxSilentFraction: 0.5,
      checkEvery: 10,
    } as const;
    const report = { step: 10, samples: 10, silentFraction: { exc: 0.9, inh: 0.1 } };
    expect(new EarlyStopper({ rules: [exc, inh], combine: 'any' }).observe(report).stop).toBe(true);
    expect(new EarlyStopper({ rules: [exc, inh], combine: 'all' }).observe(report).stop).toBe(false);
    const both = { step: 10, samples: 10, silentFraction: { exc: 0.9, inh: 0.8 } };
    expect(new EarlyStopper({ rules: [exc, inh], combine: 'all' }).observe(both).stop).toBe(true);
  });

  it('final constraints cover runs shorter than one window', () => {
    const st = new EarlyStopper({ rules: [silentOut] });
    st.observe({ step: 30, sampleSpikes: { output: counts(30, 3) } });
    expect(st.finalConstraints()[0]).toBeCloseTo(0.1 - 0.5);
    expect(new EarlyStopper({ rules: [silentOut] }).finalConstraints()).toEqual([null]);
  });
});

describe('threshold and median rules', () => {
  it('threshold stops outside bounds, and on NaN', () => {
    const st = new EarlyStopper({ rules: [{ kind: 'threshold', metric: 'loss', upper: 5, afterStep: 10 }] });
    expect(st.observe({ step: 5, metrics: { loss: 9 } }).stop).toBe(false);
    expect(st.observe({ step: 20, metrics: { loss: 4 } }).stop).toBe(false);
    expect(st.observe({ step: 30, metrics: { loss: Number.NaN } }).stop).toBe(true);
  });
  it('median stops a trial worse than the median of its peers at the same step', () => {
    const peers = { valuesAt: () => [0.5, 0.6, 0.7, 0.8, 0.9] };
    const rule = { kind: 'median', metric: 'acc', direction: 'maximize', minTrials: 5 } as const;
    expect(new EarlyStopper({ rules: [rule] }).observe({ step: 1, metrics: { acc: 0.65 } }, peers).stop).toBe(
      true,
    );
    expect(new EarlyStopper({ rules: [rule] }).observe({ step: 1, metrics: { acc: 0.75 } }, peers).stop).toBe(
      false,
    );
    const few = { valuesAt: () => [0.9] };
    expect(new EarlyStopper({ rules: [rule] }).observe({ step: 1, metrics: { acc: 0.1 } }, few).stop).toBe(
      false,
    );
  });
  it('validation names the rule field', () => {
    expect(() => validateEarlyStopping({ rules: [{ ...silentOut, maxSilentFraction: 2 }] })).toThrow(
      /earlyStopping.rules\[0\].maxSilentFraction: 2/,
    );
    expect(() => validateEarlyStopping({ rules: [{ kind: 'threshold', metric: 'x' }] })).toThrow(
      /rules\[0\].lower/,
    );
  });
});
