import { describe, expect, it } from 'vitest';
import { loadSplits } from '../../data/index.ts';
import { EarlyStopper } from '../../study/early-stopping.ts';
import type { ObjectiveContext } from '../../study/objective.ts';
import { stdpConfigFromParams, stdpObjective } from './objective.ts';
import { runStdp, type StdpRunReport } from './run.ts';

const small = loadSplits({ name: 'mnist' }, { holdout: 200, seed: 1, limitTrain: 300, limitTest: 300 });

/** The report without wall-clock fields. */
function stable(r: StdpRunReport): unknown {
  return JSON.parse(
    JSON.stringify(r, (k, v) => (/seconds|PerSec|PerCpuSec|peakRss/i.test(k) ? undefined : v)),
  );
}

describe('runStdp end to end', () => {
  it('20 neurons on 300 MNIST images learn well above chance', async () => {
    const { report, readout } = await runStdp({ mapSize: 20, time: 150, seed: 1 }, small);
    expect(report.status).toBe('completed');
    expect(report.train.samples).toBe(300);
    expect(report.label?.samples).toBe(300);
    expect(report.assignedNeurons).toBeGreaterThan(10);
    expect(readout).not.toBeNull();
    const test = report.test;
    expect(test).not.toBeNull();
    for (const a of Object.values(test?.accuracy ?? {})) expect(a).toBeGreaterThan(0.3); // chance: 0.1
    expect(report.testAccuracy).toBe(test?.accuracy.all);
    expect(report.holdoutAccuracy).toBe(report.holdout?.accuracy.all);
    expect(report.train.excSpikesPerSample).toBeGreaterThan(5);
    expect(report.train.inhSpikesPerSample).toBeGreaterThan(1);
  });

  it('is deterministic per seed', async () => {
    const data = loadSplits({ name: 'mnist' }, { holdout: 40, seed: 1, limitTrain: 60, limitTest: 40 });
    const cfg = { mapSize: 12, time: 60, logregEpochs: 3 };
    const a = await runStdp({ ...cfg, seed: 7 }, data);
    const b = await runStdp({ ...cfg, seed: 7 }, data);
    const c = await runStdp({ ...cfg, seed: 8 }, data);
    expect(stable(a.report)).toEqual(stable(b.report));
    expect(a.network.weights()).toEqual(b.network.weights());
    expect([...a.network.theta]).toEqual([...b.network.theta]);
    expect(a.network.weights()).not.toEqual(c.network.weights());
  });

  it('reports per-sample spike counts of both layers and stops when asked', async () => {
    const windows: number[] = [];
    const { report } = await runStdp({ mapSize: 12, time: 60 }, small, {
      reportEvery: 50,
      onReport: (r) => {
        expect(r.excitatory.length).toBe(r.inhibitory.length);
        windows.push(r.excitatory.length);
        return r.samplesSeen >= 100 ? 'stop' : undefined;
      },
    });
    expect(windows).toEqual([50, 50]);
    expect(report.status).toBe('stopped');
    expect(report.stoppedAt).toBe(100);
    expect(report.holdout).toBeNull();
    expect(report.test).toBeNull();
    expect(report.holdoutAccuracy).toBeNull();
  });

  it('validates the configuration before any work, naming the field', async () => {
    await expect(runStdp({ mapSize: 0 }, small)).rejects.toThrow(/stdp\.mapSize/);
    await expect(runStdp({ excThreshold: -70 }, small)).rejects.toThrow(/stdp\.excRest/);
  });

  it('labelSamples 0 assigns labels from the last epoch’s training activity', async () => {
    const { report } = await runStdp({ mapSize: 12, time: 60, labelSamples: 0 }, small);
    expect(report.label).toBeNull();
    expect(report.assignedNeurons).toBeGreaterThan(0);
    expect(report.test?.accuracy.all).toBeGreaterThan(0.15);
  });
});

function context(stopper: EarlyStopper, seed = 1): ObjectiveContext & { reports: number } {
  const ctx = {
    trialNumber: 0,
    seed,
    reports: 0,
    signal: new AbortController().signal,
    report(r: Parameters<ObjectiveContext['report']>[0]): 'stop' | undefined {
      ctx.reports++;
      return stopper.observe(r).stop ? 'stop' : undefined;
    },
  };
  return ctx;
}

/** The seed paper's silent rule: < 5 excitatory or < 1 inhibitory spike per sample. */
const silentRules = new EarlyStopper({
  rules: [
    { kind: 'silent', layer: 'excitatory', minSpikes: 5, maxSilentFraction: 0.5, checkEvery: 50 },
    { kind: 'silent', layer: 'inhibitory', minSpikes: 1, maxSilentFraction: 0.5, checkEvery: 50 },
  ],
  combine: 'any',
});

describe('stdpObjective', () => {
  it('a network with huge thresholds is reported silent and stopped without evaluation', async () => {
    const objective = stdpObjective({
      data: small,
      base: { mapSize: 20, time: 60 },
      objectives: ['accuracy'],
      reportEvery: 50,
    });
    const ctx = context(silentRules);
    const out = await objective({ excThreshold: 500 }, ctx);
    expect(out.status).toBe('stopped');
    expect(ctx.reports).toBe(1);
    expect(silentRules.constraints()[0]).toBeCloseTo(0.5, 12); // 100% silent − 50% allowed
  });

  it('a healthy network completes with hold-out accuracy and spikes', async () => {
    const stopper = new EarlyStopper({
      rules: [{ kind: 'silent', layer: 'excitatory', minSpikes: 5, maxSilentFraction: 0.5, checkEvery: 100 }],
    });
    const objective = stdpObjective({
      data: small,
      base: { mapSize: 20, time: 100, logregEpochs: 2 },
      objectives: ['accuracy', 'spikes'],
      reportEvery: 100,
    });
    const out = await objective({ decoder: 'vote', nuPost: 0.01, excRefractory: 4.6 }, context(stopper));
    expect(out.status).toBe('complete');
    if (out.status !== 'complete') return;
    expect(out.values[0]).toBeGreaterThan(0.2);
    expect(out.values[0]).toBe(out.metrics?.holdoutAccuracy_vote);
    expect(out.values[1]).toBeGreaterThan(5);
  });

  it('maps parameters onto the configuration, naming bad ones', () => {
    const c = stdpConfigFromParams({ mapSize: 99.6, oneSpike: 0, decoder: '2gram' }, { epochs: 2 }, 5);
    expect(c).toEqual({ seed: 5, epochs: 2, mapSize: 100, oneSpike: false, decoder: '2gram' });
    expect(() => stdpConfigFromParams({ bogus: 1 }, {}, 1)).toThrow(/params\.bogus/);
    expect(() => stdpConfigFromParams({ decoder: 3 }, {}, 1)).toThrow(/params\.decoder/);
    expect(() => stdpObjective({ data: small, objectives: ['loss' as never] })).toThrow(/objectives/);
  });
});
