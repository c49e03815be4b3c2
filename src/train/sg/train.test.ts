import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import type { DataSplits, ImageSet } from '../../data/dataset.ts';
import { mlpSpec } from '../../snn/network.ts';
import { defaultNeuron } from '../../snn/neuron.ts';
import type { SgConfig } from './config.ts';
import { runSg } from './run.ts';
import { evaluate, trainSg } from './train.ts';

/** Two classes of 6×6 images: bright left half or bright right half, with noise. */
function bars(count: number, seed: number, name: string): ImageSet {
  const r = new Rng(seed);
  const pixels = new Uint8Array(count * 36);
  const labels = new Uint8Array(count);
  for (let s = 0; s < count; s++) {
    const y = r.int(2);
    labels[s] = y;
    for (let py = 0; py < 6; py++) {
      for (let px = 0; px < 6; px++) {
        const on = px < 3 === (y === 0);
        pixels[s * 36 + py * 6 + px] = on ? 180 + r.int(75) : r.int(40);
      }
    }
  }
  return { name, count, shape: [1, 6, 6], pixels, labels, classes: 2 };
}

const base: SgConfig = {
  network: mlpSpec([16]),
  encoder: { kind: 'poisson' },
  steps: 10,
  batchSize: 16,
  epochs: 3,
  lr: 5e-3,
  loss: { kind: 'count-ce' },
  seed: 7,
};

describe('trainSg', () => {
  it('learns a separable problem with every loss', () => {
    const train = bars(256, 1, 'bars-train');
    const test = bars(128, 2, 'bars-test');
    for (const loss of [
      { kind: 'count-ce' },
      { kind: 'membrane-ce' },
      { kind: 'rate-mse', correctRate: 0.8, incorrectRate: 0.1 },
    ] as const) {
      const { network, result } = trainSg({ ...base, loss }, train);
      expect(result.status).toBe('completed');
      const ev = evaluate(network, test, { encoder: base.encoder, steps: 10, batchSize: 32, loss, seed: 3 });
      expect(ev.accuracy, loss.kind).toBeGreaterThan(0.9);
    }
  });

  it('learns with a convolutional network and adaptive neurons', () => {
    const train = bars(256, 1, 'bars-train');
    const test = bars(128, 2, 'bars-test');
    const cfg: SgConfig = {
      ...base,
      network: {
        hidden: [
          { kind: 'conv', filters: 4, kernel: 3, padding: 1 },
          { kind: 'pool', size: 2 },
          { kind: 'dropout', p: 0.1 },
        ],
        neuron: { ...defaultNeuron, model: 'alif', rho: 0.9, adaptation: 0.1 },
      },
    };
    const { network } = trainSg(cfg, train);
    const ev = evaluate(network, test, {
      encoder: base.encoder,
      steps: 10,
      batchSize: 32,
      loss: base.loss,
      seed: 3,
    });
    expect(ev.accuracy).toBeGreaterThan(0.9);
    expect(network.monitored.map((m) => m.name)).toEqual(['conv1', 'output']);
  });

  it('is deterministic for a seed', () => {
    const train = bars(64, 1, 'bars-train');
    const a = trainSg(base, train);
    const b = trainSg(base, train);
    const c = trainSg({ ...base, seed: 8 }, train);
    expect(a.result.trainLoss).toBe(b.result.trainLoss);
    expect(Array.from(a.network.params()[0].value)).toEqual(Array.from(b.network.params()[0].value));
    expect(c.result.trainLoss).not.toBe(a.result.trainLoss);
  });

  it('streams per-sample spike counts of every layer and stops when asked', () => {
    const train = bars(256, 1, 'bars-train');
    const reports: number[][] = [];
    const { result } = trainSg(base, train, {
      reportEvery: 40,
      onReport: (r) => {
        reports.push(r.layers.map((l) => l.sampleSpikes.length));
        expect(r.layers.map((l) => l.name)).toEqual(['hidden1', 'output']);
        for (const l of r.layers) for (const s of l.sampleSpikes) expect(s).toBeGreaterThanOrEqual(0);
        return r.samplesSeen >= 96 ? 'stop' : undefined;
      },
    });
    // batches of 16: a report after 48 and after 96 samples, then stop.
    expect(reports).toEqual([
      [48, 48],
      [48, 48],
    ]);
    expect(result.status).toBe('stopped');
    expect(result.samplesSeen).toBe(96);
  });

  it('a stopped run is not evaluated on the hold-out or test sets', async () => {
    const data: DataSplits = {
      train: bars(128, 1, 'tr'),
      holdout: bars(64, 2, 'ho'),
      test: bars(64, 3, 'te'),
    };
    const stopped = await runSg(base, data, { reportEvery: 16, onReport: () => 'stop' });
    expect(stopped.train.status).toBe('stopped');
    expect(stopped.holdoutAccuracy).toBeNull();
    expect(stopped.testAccuracy).toBeNull();
    const full = await runSg({ ...base, epochs: 1 }, data);
    expect(full.holdoutAccuracy).not.toBeNull();
    expect(full.testAccuracy).not.toBeNull();
  });

  it('rejects bad configuration naming the field and value', () => {
    const train = bars(16, 1, 'tr');
    expect(() => trainSg({ ...base, lr: -1 }, train)).toThrow(/lr: -1/);
    expect(() => trainSg({ ...base, steps: 0 }, train)).toThrow(/steps: 0/);
    expect(() => trainSg({ ...base, network: mlpSpec([0]) }, train)).toThrow(/network.hidden\[0\].units: 0/);
  });
});

describe('network validation', () => {
  it('names the layer of a conv kernel larger than its input', () => {
    const train = bars(16, 1, 'tr');
    const cfg: SgConfig = {
      ...base,
      network: { hidden: [{ kind: 'conv', filters: 2, kernel: 9 }], neuron: defaultNeuron },
    };
    expect(() => trainSg(cfg, train)).toThrow(/network.hidden\[0\].kernel: 9/);
  });
});
