import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { wasmSimdAvailable } from '../../snn/wasm/index.ts';
import { resolveStdpConfig, type StdpConfigInput } from './config.ts';
import { DenseStdpReference } from './dense-reference.ts';
import { decayTable, PoissonSource, SampleRecord, type StdpKernels, StdpNetwork } from './network.ts';

const kernels: StdpKernels[] = wasmSimdAvailable() ? ['js', 'wasm-simd'] : ['js'];

/** Runs steps 0..inputs.length-1 with the given input spikes per step; returns the exc spikes per step. */
function drive(net: StdpNetwork, inputs: number[][], learning: boolean, record?: SampleRecord): number[][] {
  const out: number[][] = [];
  const buf = new Int32Array(net.inputs);
  inputs.forEach((spikes, t) => {
    buf.set(spikes);
    net.step(t, buf, spikes.length, learning, record);
    out.push([...net.excNow.subarray(0, net.nExcNow)]);
  });
  return out;
}

const d = (tc: number): number => Math.exp(-1 / tc);

describe('StdpNetwork neuron dynamics', () => {
  it.each(kernels)('resets, stays refractory, then integrates again; the threshold adapts (%s)', (k) => {
    const cfg = resolveStdpConfig({
      mapSize: 1,
      time: 20,
      excRefractory: 3,
      thetaPlus: 0.5,
      nuPre: 0,
      nuPost: 0,
    });
    const net = new StdpNetwork(cfg, 1, new Rng(1), k);
    net.setWeight(0, 0, 20);
    net.beginSample(true);
    const buf = new Int32Array(1);
    const spikes: number[] = [];
    const v: number[] = [];
    for (let t = 0; t < 8; t++) {
      net.step(t, buf, t <= 4 ? 1 : 0, true); // input 0 fires at steps 0..4
      if (net.nExcNow > 0) spikes.push(t);
      v.push(net.vExc[0]);
      if (t === 1) {
        expect(net.vExc[0]).toBe(-60); // reset
        expect(net.refractoryCounter('exc', 0, t)).toBe(3);
        expect(net.theta[0]).toBe(0.5); // 0 · decay + thetaPlus
      }
    }
    // Step 1: -65 + 20 >= -52. Steps 2-4: refractory, the input is ignored and v decays from reset.
    // Step 5: integrates again (input of step 4) and fires above threshold + theta.
    expect(spikes).toEqual([1, 5]);
    const dE = d(100);
    expect(v[2]).toBe(dE * (-60 + 65) - 65);
    expect(v[3]).toBe(dE * (v[2] + 65) - 65);
    expect(v[4]).toBe(dE * (v[3] + 65) - 65);
    const dTh = d(1e7);
    // +0.5 at step 1, decays over steps 2-5, +0.5 at step 5, decays over steps 6-7.
    expect(net.theta[0]).toBeCloseTo((0.5 * dTh ** 4 + 0.5) * dTh ** 2, 12);
  });

  it('a large theta increment silences the second spike; inference leaves theta alone', () => {
    const cfg = resolveStdpConfig({
      mapSize: 1,
      time: 20,
      excRefractory: 3,
      thetaPlus: 30,
      nuPre: 0,
      nuPost: 0,
    });
    const net = new StdpNetwork(cfg, 1, new Rng(1), 'js');
    net.setWeight(0, 0, 20);
    net.beginSample(true);
    const fired = drive(net, [[0], [0], [0], [0], [0], [], []], true);
    expect(fired.flatMap((s, t) => (s.length > 0 ? [t] : []))).toEqual([1]); // -40.2 < -52 + 30
    const theta = net.theta[0];
    net.beginSample(false);
    drive(net, [[0], [], [], []], false);
    expect(net.theta[0]).toBe(theta);
  });

  it('an excitatory spike fires its inhibitory partner, which inhibits every other neuron', () => {
    const cfg = resolveStdpConfig({ mapSize: 3, time: 20, inhStrength: 17.5, nuPre: 0, nuPost: 0 });
    const net = new StdpNetwork(cfg, 1, new Rng(1), 'js');
    for (let j = 0; j < 3; j++) net.setWeight(0, j, j === 0 ? 20 : 0);
    net.beginSample(false);
    const buf = new Int32Array(1);
    net.step(0, buf, 1, false);
    net.step(1, buf, 0, false);
    expect([...net.excNow.subarray(0, net.nExcNow)]).toEqual([0]);
    net.step(2, buf, 0, false);
    expect([...net.inhNow.subarray(0, net.nInhNow)]).toEqual([0]); // -60 + 22.5 >= -40
    expect(net.vInh[0]).toBe(-45);
    expect(net.refractoryCounter('inh', 0, 2)).toBe(2);
    expect(net.vInh[1]).toBe(-60);
    net.step(3, buf, 0, false);
    expect(net.vExc[1]).toBe(-65 - 17.5);
    expect(net.vExc[2]).toBe(-65 - 17.5);
    // Neuron 0 is not inhibited by its own partner (it is refractory anyway: v only decays).
    expect(net.vExc[0]).toBe(d(100) * (d(100) * 5) - 65);
  });
});

describe('StdpNetwork API', () => {
  it('rejects a step outside the sample', () => {
    const net = new StdpNetwork(resolveStdpConfig({ mapSize: 2, time: 10 }), 3, new Rng(1), 'js');
    net.beginSample(false);
    expect(() => net.step(10, new Int32Array(3), 0, false)).toThrow(RangeError);
    expect(() => net.step(-1, new Int32Array(3), 0, false)).toThrow(/outside the sample/);
  });
});

describe('STDP rule', () => {
  it('pre-before-post potentiates by nuPost·x_pre, post-before-pre depresses by nuPre·x_post', () => {
    const cfg = resolveStdpConfig({
      mapSize: 1,
      time: 20,
      nuPre: 0.1,
      nuPost: 0.2,
      wmax: 100,
      thetaPlus: 0,
    });
    const net = new StdpNetwork(cfg, 2, new Rng(1), 'js');
    net.setWeight(0, 0, 0.5);
    net.setWeight(1, 0, 30); // the driver
    net.beginSample(true);
    // Input 0 at step 0, input 1 at step 2 -> the neuron fires at step 3; input 0 again at step 5.
    const fired = drive(net, [[0], [], [1], [], [], [0], []], true);
    expect(fired[3]).toEqual([0]);
    const pre = decayTable(20, 10);
    const post = decayTable(20, 10);
    const afterPot0 = Math.fround(0.5 + Math.fround(pre[3] * 0.2));
    const afterPot1 = Math.fround(30 + Math.fround(pre[1] * 0.2));
    expect(afterPot0).toBeGreaterThan(0.5);
    expect(net.weight(1, 0)).toBe(afterPot1);
    const afterDep0 = Math.fround(afterPot0 - Math.fround(post[2] * 0.1));
    expect(afterDep0).toBeLessThan(afterPot0);
    expect(net.weight(0, 0)).toBe(afterDep0);
    expect(net.weight(0, 0)).toBeCloseTo(0.5 + 0.2 * Math.exp(-3 / 20) - 0.1 * Math.exp(-2 / 20), 6);
  });

  it('no weight changes during inference', () => {
    const cfg = resolveStdpConfig({ mapSize: 1, time: 20, nuPre: 0.1, nuPost: 0.2, wmax: 100 });
    const net = new StdpNetwork(cfg, 2, new Rng(1), 'js');
    net.setWeight(0, 0, 0.5);
    net.setWeight(1, 0, 30);
    net.beginSample(false);
    const fired = drive(net, [[0], [], [1], [], [], [0], []], false);
    expect(fired[3]).toEqual([0]);
    net.endSample(false);
    expect(net.weight(0, 0)).toBe(0.5);
    expect(net.weight(1, 0)).toBe(30);
  });

  it('clips to [0, wmax] after the updates', () => {
    const cfg = resolveStdpConfig({ mapSize: 1, time: 20, nuPre: 0.5, nuPost: 0.9, wmax: 1, thetaPlus: 0 });
    const net = new StdpNetwork(cfg, 3, new Rng(1), 'js');
    net.setWeight(0, 0, 0.95);
    net.setWeight(1, 0, 30); // the driver
    net.setWeight(2, 0, 0.1);
    net.beginSample(true);
    // Inputs 0 (step 0) and 1 (step 1) -> fires at step 2: both potentiated past wmax, clipped to 1.
    // Input 0 at step 3: depressed within range. Input 2 at step 4: depressed below 0, clipped to 0.
    const fired = drive(net, [[0], [1], [], [0], [2], []], true);
    expect(fired[2]).toEqual([0]);
    const post = decayTable(20, 10);
    expect(net.weight(1, 0)).toBe(1);
    expect(net.weight(0, 0)).toBe(Math.fround(1 - Math.fround(post[1] * 0.5)));
    expect(net.weight(2, 0)).toBe(0);
  });
});

describe('normalisation', () => {
  it('rescales every changed column to sum to norm, and leaves the others bit for bit', () => {
    const cfg = resolveStdpConfig({
      mapSize: 10,
      time: 60,
      norm: 12,
      wInit: 1,
      wmax: 2,
      excThreshold: -60,
      excReset: -62,
    });
    const net = new StdpNetwork(cfg, 40, new Rng(3), 'js');
    const rng = new Rng(9);
    const sample = (): number[][] =>
      Array.from({ length: 60 }, () => [...Array(40).keys()].filter(() => rng.next() < 0.2));
    const colSums = (): number[] => {
      const s = new Array(10).fill(0);
      for (let i = 0; i < 40; i++) for (let j = 0; j < 10; j++) s[j] += net.weight(i, j);
      return s;
    };
    net.beginSample(true);
    const rec = new SampleRecord(10);
    drive(net, sample(), true, rec);
    net.endSample(true);
    for (const s of colSums()) expect(s).toBeCloseTo(12, 4);
    const before = net.weights();
    rec.clear();
    net.beginSample(true);
    drive(net, sample(), true, rec);
    net.endSample(true);
    const after = net.weights();
    const fired = new Set(rec.order.subarray(0, rec.orderLength));
    expect(fired.size).toBeGreaterThan(0);
    expect(fired.size).toBeLessThan(10);
    const sums = colSums();
    for (let j = 0; j < 10; j++) {
      expect(sums[j]).toBeCloseTo(12, 4);
      if (!fired.has(j)) for (let i = 0; i < 40; i++) expect(after[i * 10 + j]).toBe(before[i * 10 + j]);
    }
  });
});

/** A config with lively activity on a small network. */
const lively: StdpConfigInput = {
  mapSize: 12,
  time: 80,
  wInit: 1,
  wmax: 2,
  norm: 15,
  excThreshold: -61,
  excReset: -64,
  inhStrength: 17.5,
  nuPre: 0.05,
  nuPost: 0.1,
  thetaPlus: 0.5,
  tcThetaDecay: 500,
};

function randomTrains(rng: Rng, samples: number, T: number, inputs: number, p: number): number[][][] {
  return Array.from({ length: samples }, () =>
    Array.from({ length: T }, () => [...Array(inputs).keys()].filter(() => rng.next() < p)),
  );
}

describe('event-driven step = dense reference step', () => {
  for (const oneSpike of [true, false]) {
    it.each(kernels)(`same spikes, potentials, thresholds and weights (oneSpike ${oneSpike}, %s)`, (k) => {
      const cfg = resolveStdpConfig({ ...lively, oneSpike });
      const inputs = 30;
      const net = new StdpNetwork(cfg, inputs, new Rng(5), k);
      const ref = new DenseStdpReference(cfg, inputs, new Rng(5));
      expect(net.weights()).toEqual(ref.w);
      const trains = randomTrains(new Rng(11), 6, cfg.time, inputs, 0.25);
      const vec = new Uint8Array(inputs);
      const buf = new Int32Array(inputs);
      let excSpikes = 0;
      let inhSpikes = 0;
      let multi = 0;
      trains.forEach((train, s) => {
        const learning = s < 4;
        net.beginSample(learning);
        ref.beginSample(learning);
        train.forEach((spikes, t) => {
          vec.fill(0);
          for (const i of spikes) vec[i] = 1;
          buf.set(spikes);
          net.step(t, buf, spikes.length, learning);
          const refExc = ref.step(t, vec, learning);
          expect([...net.excNow.subarray(0, net.nExcNow)]).toEqual(refExc);
          const inh = [...net.inhNow.subarray(0, net.nInhNow)].sort((a, b) => a - b);
          expect(inh).toEqual([...ref.inhSpikes.keys()].filter((j) => ref.inhSpikes[j] === 1));
          expect(net.vExc).toEqual(ref.vExc);
          expect(net.theta).toEqual(ref.theta);
          excSpikes += refExc.length;
          inhSpikes += inh.length;
          if (refExc.length > 1) multi++;
        });
        for (let j = 0; j < cfg.mapSize; j++) expect(net.vInh[j]).toBe(ref.vInh[j]);
        net.endSample(learning);
        ref.endSample(learning);
        expect(net.weights()).toEqual(ref.w);
      });
      // The case exercises what it should: spikes in both layers, inhibition, simultaneous spikes.
      expect(excSpikes).toBeGreaterThan(50);
      expect(inhSpikes).toBeGreaterThan(50);
      if (!oneSpike) expect(multi).toBeGreaterThan(0);
    });
  }

  it("differs from BindsNET's rescale-every-column only by rounding", () => {
    const cfg = resolveStdpConfig(lively);
    const inputs = 30;
    const net = new StdpNetwork(cfg, inputs, new Rng(5), 'js');
    const ref = new DenseStdpReference(cfg, inputs, new Rng(5), { normalizeAll: true });
    const trains = randomTrains(new Rng(11), 2, cfg.time, inputs, 0.25);
    const vec = new Uint8Array(inputs);
    const buf = new Int32Array(inputs);
    for (const train of trains) {
      net.beginSample(true);
      ref.beginSample(true);
      train.forEach((spikes, t) => {
        vec.fill(0);
        for (const i of spikes) vec[i] = 1;
        buf.set(spikes);
        net.step(t, buf, spikes.length, true);
        ref.step(t, vec, true);
      });
      net.endSample(true);
      ref.endSample(true);
    }
    const w = net.weights();
    let maxRel = 0;
    for (let k = 0; k < w.length; k++)
      maxRel = Math.max(maxRel, Math.abs(w[k] - ref.w[k]) / Math.max(1e-6, ref.w[k]));
    expect(maxRel).toBeLessThan(1e-5);
  });
});

describe('PoissonSource', () => {
  it('fires each pixel with probability intensity·v/255 per step, sorted, never for black pixels', () => {
    const T = 20_000;
    const src = new PoissonSource(4, 128, T);
    const pixels = Uint8Array.from([0, 255, 128, 10]);
    const rng = new Rng(7);
    src.begin(pixels, 0, rng);
    const counts = [0, 0, 0, 0];
    const out = new Int32Array(4);
    for (let t = 0; t < T; t++) {
      const k = src.spikesAt(t, out, rng);
      for (let m = 1; m < k; m++) expect(out[m]).toBeGreaterThan(out[m - 1]);
      for (let m = 0; m < k; m++) counts[out[m]]++;
    }
    expect(counts[0]).toBe(0);
    for (const i of [1, 2, 3]) {
      const p = (0.128 * pixels[i]) / 255;
      const mean = p * T;
      expect(Math.abs(counts[i] - mean)).toBeLessThan(5 * Math.sqrt(mean * (1 - p)) + 1);
    }
  });

  it('is deterministic per seed', () => {
    const run = (seed: number): number[] => {
      const src = new PoissonSource(3, 500, 100);
      const rng = new Rng(seed);
      src.begin(Uint8Array.from([255, 100, 30]), 0, rng);
      const out = new Int32Array(3);
      const all: number[] = [];
      for (let t = 0; t < 100; t++) {
        const k = src.spikesAt(t, out, rng);
        for (let m = 0; m < k; m++) all.push(t * 3 + out[m]);
      }
      return all;
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });
});
