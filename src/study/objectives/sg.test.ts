import { describe, expect, it } from 'vitest';
import { loadSplits } from '../../data/index.ts';
import { EarlyStopper, type EarlyStoppingConfig } from '../early-stopping.ts';
import type { ObjectiveContext } from '../objective.ts';
import { executeTrial } from '../trial-exec.ts';
import { sgConfigFromParams, sgObjective } from './sg.ts';

describe('sgConfigFromParams', () => {
  it('maps searched and fixed parameters onto a training configuration', () => {
    const c = sgConfigFromParams(
      {
        lr: 0.01,
        layers: 2,
        width1: 100,
        width2: 50,
        surrogate: 'arctan',
        slope: 2,
        neuron: 'alif',
        dropout: 0.1,
      },
      { steps: 10, loss: 'membrane-ce' },
      7,
    );
    expect(c.lr).toBe(0.01);
    expect(c.steps).toBe(10);
    expect(c.seed).toBe(7);
    expect(c.loss).toEqual({ kind: 'membrane-ce' });
    expect(c.network.neuron).toMatchObject({ model: 'alif', surrogate: { kind: 'arctan', alpha: 2 } });
    expect(c.network.hidden).toEqual([
      { kind: 'dense', units: 100 },
      { kind: 'dropout', p: 0.1 },
      { kind: 'dense', units: 50 },
      { kind: 'dropout', p: 0.1 },
    ]);
    const conv = sgConfigFromParams(
      { convLayers: 2, filters1: 8, kernel1: 5, filters2: 16, kernel2: 3, dense: 64 },
      {},
      1,
    );
    expect(conv.network.hidden).toEqual([
      { kind: 'conv', filters: 8, kernel: 5, padding: 2 },
      { kind: 'pool', size: 2 },
      { kind: 'conv', filters: 16, kernel: 3, padding: 1 },
      { kind: 'pool', size: 2 },
      { kind: 'dense', units: 64 },
    ]);
    expect(() => sgConfigFromParams({ loss: 'hinge' }, {}, 1)).toThrow(/params.loss: "hinge"/);
  });
});

describe('sgObjective', () => {
  const data = loadSplits({ name: 'mnist' }, { holdout: 500, seed: 1, limitTrain: 4096, limitTest: 10 });
  const ctx = (stopper: EarlyStopper): ObjectiveContext => ({
    trialNumber: 0,
    seed: 3,
    signal: new AbortController().signal,
    report: (r) => (stopper.observe(r).stop ? 'stop' : undefined),
  });
  const rule = {
    kind: 'silent',
    layer: 'output',
    minSpikes: 1,
    maxSilentFraction: 0.9,
    checkEvery: 256,
  } as const;

  it('a silent network is stopped at the first check and not evaluated', async () => {
    const stopper = new EarlyStopper({ rules: [rule] });
    const out = await sgObjective({ data, objectives: ['accuracy'], reportEvery: 256 })(
      { threshold: 50, hidden: '64', steps: 10 },
      ctx(stopper),
    );
    expect(out.status).toBe('stopped');
    expect(stopper.constraints()[0]).toBeCloseTo(0.1);
  });

  it('an active network completes with hold-out accuracy and spike count objectives', async () => {
    const stopper = new EarlyStopper({ rules: [rule] });
    const out = await sgObjective({ data, objectives: ['accuracy', 'spikes'], reportEvery: 256 })(
      { hidden: '64', steps: 10, lr: 5e-3, threshold: 0.5, batchSize: 32 },
      ctx(stopper),
    );
    expect(out.status).toBe('complete');
    if (out.status !== 'complete') return;
    expect(out.values[0]).toBeGreaterThan(0.5);
    expect(out.values[1]).toBeGreaterThan(0);
    expect(stopper.finalConstraints()[0] as number).toBeLessThan(0);
  });

  describe('through executeTrial: early-stopping actions and the silence probe', () => {
    const objective = sgObjective({ data, objectives: ['accuracy'], reportEvery: 256 });
    const silent = { threshold: 50, hidden: '64', steps: 10, batchSize: 64 };
    const active = { hidden: '64', steps: 10, lr: 5e-3, threshold: 0.5, batchSize: 64 };
    const run = (es: EarlyStoppingConfig, params: Record<string, string | number>) =>
      executeTrial(objective, es, params, 0, 3, new AbortController().signal, () => undefined);

    it("'stop' stops a silent network without evaluating it, and records where", async () => {
      const r = await run({ rules: [rule] }, silent);
      expect(r.outcome).toMatchObject({ status: 'stopped' });
      expect('values' in r.outcome).toBe(false);
      expect(r.attrs.stop).toMatchObject({ step: 256 });
      expect(r.stopReason).toMatch(/silent:output/);
      expect((r.attrs.metrics as Record<string, number>).holdoutAccuracy).toBeUndefined();
    });

    it("'stop-and-evaluate' stops it at the same step, then tests it on the hold-out set (the paper)", async () => {
      const r = await run({ rules: [rule], action: 'stop-and-evaluate' }, silent);
      expect(r.outcome.status).toBe('stopped');
      expect(r.outcome.values).toHaveLength(1);
      expect(r.outcome.values?.[0]).toBeLessThan(0.3);
      expect(r.attrs).toMatchObject({ stop: { step: 256 }, evaluatedAfterStop: true });
      expect((r.attrs.metrics as Record<string, number>).evalSeconds).toBeGreaterThan(0);
    });

    it("'observe' trains the silent network in full and records when the rule would have fired", async () => {
      const r = await run({ rules: [rule], action: 'observe' }, silent);
      expect(r.outcome.status).toBe('complete');
      expect(r.stopReason).toBeNull();
      expect(r.attrs.stop).toBeUndefined();
      expect(r.attrs.wouldStop).toMatchObject({ step: 256 });
      expect((r.attrs.metrics as Record<string, number>).trainSeconds).toBeGreaterThan(
        (r.attrs.wouldStop as { seconds: number }).seconds * 0.5,
      );
      expect(r.constraints[0]).toBeGreaterThan(0);
    });

    it('the probe predicts silence before training; with act it stops the trial at step 0', async () => {
      const probe = { samples: 64 };
      const watched = await run({ rules: [rule], probe }, active);
      expect(watched.outcome.status).toBe('complete');
      expect(watched.attrs.probe).toMatchObject({ silent: false });
      const stopped = await run({ rules: [rule], probe: { ...probe, act: true } }, silent);
      expect(stopped.outcome.status).toBe('stopped');
      expect(stopped.attrs.probe).toMatchObject({ silent: true, fractions: { output: 1 } });
      expect(stopped.attrs.stop).toBeUndefined();
      expect(stopped.stopReason).toMatch(/^probe: silent:output: 100\.0% of 64 untrained samples/);
      // Never trained: its constraint is the probe's (1 − 0.9).
      expect(stopped.constraints[0]).toBeCloseTo(0.1);
      expect((stopped.attrs.metrics as Record<string, number>).trainSeconds).toBeLessThan(1);
    });

    it('the probe does not change training: same seed, same hold-out accuracy with or without it', async () => {
      const a = await run({ rules: [rule] }, active);
      const b = await run({ rules: [rule], probe: { samples: 64 } }, active);
      expect(a.outcome.status).toBe('complete');
      expect(b.outcome.values).toEqual(a.outcome.status === 'complete' ? a.outcome.values : null);
    });
  });
});
