import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { Dense } from './dense.ts';
import type { PassContext } from './layer.ts';
import { LifLayer } from './lif.ts';
import { defaultNeuron, type NeuronSpec } from './neuron.ts';
import { Sequential } from './sequential.ts';
import type { SurrogateSpec } from './surrogate.ts';
import { checkLayer, dense } from './testing/gradcheck.ts';

const T = 6;
const B = 3;
const smoothCtx = (): PassContext => ({ T, B, training: true, rng: new Rng(1), smooth: true });
const hardCtx = (T2: number, B2: number): PassContext => ({ T: T2, B: B2, training: true, rng: new Rng(1) });

function net(neuron: NeuronSpec, seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential([
    new Dense({ inShape: [5], units: 4, rng }),
    new LifLayer([4], neuron),
    new Dense({ inShape: [4], units: 3, rng }),
    new LifLayer([3], neuron),
  ]);
}

function input(seed: number): ReturnType<typeof dense> {
  const r = new Rng(seed);
  return dense(
    T * B,
    5,
    Array.from({ length: T * B * 5 }, () => r.uniform(0, 2)),
  );
}

const surrogates: SurrogateSpec[] = [
  { kind: 'fast-sigmoid', slope: 2 },
  { kind: 'arctan', alpha: 2 },
  { kind: 'sigmoid', slope: 4 },
  { kind: 'triangle', width: 1.5, scale: 0.8 },
];

describe('LIF BPTT matches finite differences of the smooth forward pass', () => {
  for (const surrogate of surrogates) {
    for (const reset of ['subtract', 'zero'] as const) {
      it(`lif, ${surrogate.kind}, reset ${reset}`, () => {
        const n: NeuronSpec = { ...defaultNeuron, surrogate, reset, detachReset: false, beta: 0.8 };
        const res = checkLayer(net(n, 11), input(12), smoothCtx, { checkInput: true, eps: 2e-3 });
        expect(res.maxRelError, res.worst).toBeLessThan(2e-2);
      });
    }
  }
  for (const reset of ['subtract', 'zero'] as const) {
    it(`alif, reset ${reset}`, () => {
      const n: NeuronSpec = {
        ...defaultNeuron,
        model: 'alif',
        rho: 0.7,
        adaptation: 0.5,
        surrogate: { kind: 'sigmoid', slope: 3 },
        reset,
        detachReset: false,
      };
      const res = checkLayer(net(n, 21), input(22), smoothCtx, { checkInput: true, eps: 2e-3 });
      expect(res.maxRelError, res.worst).toBeLessThan(2e-2);
    });
  }
});

describe('LIF forward dynamics', () => {
  it('integrates, fires above threshold (strictly) and resets by subtraction', () => {
    const l = new LifLayer([1], { ...defaultNeuron, beta: 1, threshold: 1 });
    // constant input 0.25: u = 0.25, 0.5, 0.75, 1 (not above θ), 1.25 (spike, v = 0.25), 0.5
    const y = l.forward(dense(6, 1, [0.25, 0.25, 0.25, 0.25, 0.25, 0.25]), hardCtx(6, 1));
    expect(Array.from(y.values)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(l.lastSpikeCount).toBe(1);
    expect(Array.from(l.membrane())).toEqual([0.25, 0.5, 0.75, 1, 1.25, 0.5]);
  });

  it('reset to zero and decay', () => {
    const l = new LifLayer([1], { ...defaultNeuron, beta: 0.5, threshold: 1, reset: 'zero' });
    const y = l.forward(dense(4, 1, [0.8, 0.8, 0.8, 0.8]), hardCtx(4, 1));
    // u = 0.8, 1.2 (spike -> 0), 0.8, 1.2 (spike)
    expect(Array.from(y.values)).toEqual([0, 1, 0, 1]);
  });

  it('refractory period blocks input and spikes, and zeroes their gradient', () => {
    const l = new LifLayer([1], { ...defaultNeuron, beta: 1, threshold: 1, refractory: 2, reset: 'zero' });
    const y = l.forward(dense(6, 1, [1.5, 1.5, 1.5, 1.5, 1.5, 1.5]), hardCtx(6, 1));
    expect(Array.from(y.values)).toEqual([1, 0, 0, 1, 0, 0]);
    const g = l.backward(new Float32Array(6).fill(1), true, hardCtx(6, 1));
    expect(g[1]).toBe(0);
    expect(g[2]).toBe(0);
    expect(g[0]).not.toBe(0);
  });

  it('adaptive threshold lowers the firing rate under constant drive', () => {
    const drive = dense(40, 1, new Array(40).fill(0.6));
    const lif = new LifLayer([1], { ...defaultNeuron, beta: 1 });
    lif.forward(drive, hardCtx(40, 1));
    const alif = new LifLayer([1], { ...defaultNeuron, model: 'alif', beta: 1, rho: 0.95, adaptation: 2 });
    alif.forward(drive, hardCtx(40, 1));
    expect(alif.lastSpikeCount).toBeLessThan(lif.lastSpikeCount);
    expect(alif.lastSpikeCount).toBeGreaterThan(0);
  });

  it('emits a CSR index consistent with the spike values, time-major rows', () => {
    const l = new LifLayer([3], { ...defaultNeuron, beta: 1, threshold: 1 });
    // T = 2, B = 2: rows (t0,b0) (t0,b1) (t1,b0) (t1,b1)
    const y = l.forward(dense(4, 3, [2, 0, 0, 0, 2, 2, 0, 0, 2, 0, 0, 0]), hardCtx(2, 2));
    if (y.kind !== 'spikes') throw new Error('expected spikes');
    const rows: number[][] = [];
    for (let r = 0; r < 4; r++) rows.push(Array.from(y.colIdx.subarray(y.rowPtr[r], y.rowPtr[r + 1])));
    // the residual v = 1 after a subtractive reset is not above θ = 1: no spike without input
    expect(rows).toEqual([[0], [1, 2], [2], []]);
  });

  it('rejects bad neuron parameters naming the field', () => {
    expect(() => new LifLayer([2], { ...defaultNeuron, beta: 1.5 })).toThrow(/neuron.beta: 1.5/);
    expect(() => new LifLayer([2], { ...defaultNeuron, threshold: 0 })).toThrow(/neuron.threshold/);
    expect(() => new LifLayer([2], { ...defaultNeuron, refractory: 1.5 })).toThrow(/neuron.refractory: 1.5/);
  });
});
