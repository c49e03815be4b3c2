import { describe, expect, it } from 'vitest';
import { loadSplits } from '../data/index.ts';
import { retrainBest } from './retrain.ts';

describe('retrainBest', () => {
  const data = loadSplits({ name: 'mnist' }, { holdout: 0, seed: 0, limitTrain: 600, limitTest: 200 });

  it('STDP: retrains on the training set given, reports the decoder’s test accuracy and every decoder’s', async () => {
    const def = { kind: 'stdp', dataset: 'mnist', holdout: 100, fixed: { labelSamples: 300 } } as const;
    const r = await retrainBest(def, { mapSize: 25, decoder: 'vote', epochs: 1 }, { seed: 1, data });
    expect(r).toMatchObject({ trainSamples: 600, testSamples: 200, epochs: 1 });
    expect(Object.keys(r.byDecoder ?? {})).toEqual(expect.arrayContaining(['all', 'vote', 'logreg']));
    expect(r.testAccuracy).toBe(r.byDecoder?.vote);
    expect(r.testAccuracy).toBeGreaterThan(0.2);
  });

  it('SG: the epochs can be overridden; a command objective cannot be retrained', async () => {
    const def = { kind: 'sg', dataset: 'mnist', holdout: 100, fixed: { hidden: '32', steps: 6 } } as const;
    const r = await retrainBest(def, { lr: 5e-3, batchSize: 32 }, { seed: 1, data, epochs: 2 });
    expect(r.epochs).toBe(2);
    expect(r.byDecoder).toBeUndefined();
    expect(r.testAccuracy).toBeGreaterThan(0.3);
    await expect(
      retrainBest({ kind: 'command', command: ['x'], values: ['accuracy'] }, {}, { seed: 1 }),
    ).rejects.toThrow(/objective.kind: "command"/);
  });
});
