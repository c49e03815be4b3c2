/**
 * The literal, dense version of `StdpNetwork` (network.ts), for the tests: every trace decays every
 * step, currents are full matrix-vector products (including the inhibitory N × N matrix with a zero
 * diagonal), STDP is the full outer product of BindsNET's PostPre rule and the whole matrix is clipped
 * after every learning step (products nu · trace rounded to float32, as BindsNET's float32 tensors).
 * Its cost is O(inputs × N) per step; the event-driven network must give
 * the same spikes, potentials, thresholds and weights.
 *
 * Normalisation rescales the columns STDP updated since their last rescaling (and those changed by a
 * clip): the engine's rule, written densely. `normalizeAll: true` rescales every column every sample
 * as BindsNET does; the two differ only by rounding (see the tests).
 */
import type { Rng } from '../../core/rng.ts';
import type { StdpConfig } from './config.ts';

export class DenseStdpReference {
  readonly n: number;
  readonly inputs: number;
  readonly w: Float32Array;
  readonly theta: Float64Array;
  readonly vExc: Float64Array;
  readonly vInh: Float64Array;
  readonly refExc: Int32Array;
  readonly refInh: Int32Array;
  readonly excSpikes: Uint8Array;
  readonly inhSpikes: Uint8Array;
  private readonly config: StdpConfig;
  private readonly rng: Rng;
  private readonly winh: Float64Array;
  private readonly inSpikes: Uint8Array;
  private readonly xPre: Float64Array;
  private readonly xPost: Float64Array;
  private readonly fired: Uint8Array;
  private readonly dirty: Uint8Array;
  private readonly normalizeAll: boolean;

  constructor(config: StdpConfig, inputs: number, rng: Rng, opts: { normalizeAll?: boolean } = {}) {
    const n = config.mapSize;
    this.config = config;
    this.n = n;
    this.inputs = inputs;
    this.rng = rng;
    this.normalizeAll = opts.normalizeAll === true;
    this.w = new Float32Array(inputs * n);
    for (let k = 0; k < this.w.length; k++) this.w[k] = config.wInit * rng.next();
    this.winh = new Float64Array(n * n);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++) this.winh[k * n + j] = k === j ? 0 : -config.inhStrength;
    this.theta = new Float64Array(n);
    this.vExc = new Float64Array(n);
    this.vInh = new Float64Array(n);
    this.refExc = new Int32Array(n);
    this.refInh = new Int32Array(n);
    this.excSpikes = new Uint8Array(n);
    this.inhSpikes = new Uint8Array(n);
    this.inSpikes = new Uint8Array(inputs);
    this.xPre = new Float64Array(inputs);
    this.xPost = new Float64Array(n);
    this.fired = new Uint8Array(n);
    this.dirty = new Uint8Array(n).fill(1);
  }

  beginSample(_learning: boolean): void {
    const c = this.config;
    this.vExc.fill(c.excRest);
    this.vInh.fill(c.inhRest);
    this.refExc.fill(0);
    this.refInh.fill(0);
    this.excSpikes.fill(0);
    this.inhSpikes.fill(0);
    this.inSpikes.fill(0);
    this.xPre.fill(0);
    this.xPost.fill(0);
    this.fired.fill(0);
  }

  /** Input spikes of step t given as a 0/1 vector. Returns this step's excitatory spike indices. */
  step(t: number, input: Uint8Array, learning: boolean): number[] {
    const c = this.config;
    const { n, inputs, w } = this;
    // Currents from the previous step's spikes, in float32 as BindsNET: s_in·W, then + s_inh·W_inh
    // (BindsNET adds them in the order the connections were added).
    const curE = new Float32Array(n);
    for (let i = 0; i < inputs; i++) {
      if (this.inSpikes[i] === 0) continue;
      for (let j = 0; j < n; j++) curE[j] += w[i * n + j];
    }
    const inhPart = new Float64Array(n);
    let anyInh = false;
    for (let k = 0; k < n; k++) {
      if (this.inhSpikes[k] === 0) continue;
      anyInh = true;
      for (let j = 0; j < n; j++) inhPart[j] += this.winh[k * n + j];
    }
    if (anyInh) for (let j = 0; j < n; j++) curE[j] += inhPart[j];
    const curI = new Float64Array(n);
    for (let j = 0; j < n; j++) curI[j] = this.excSpikes[j] === 1 ? c.excStrength : 0;

    // Input layer.
    const dPre = Math.exp(-1 / c.tcPre);
    for (let i = 0; i < inputs; i++) {
      this.inSpikes[i] = input[i];
      this.xPre[i] = input[i] === 1 ? 1 : this.xPre[i] * dPre;
    }
    void t;

    // Excitatory layer.
    const dE = Math.exp(-1 / c.excTcDecay);
    const dTh = Math.exp(-1 / c.tcThetaDecay);
    const crossed: number[] = [];
    for (let j = 0; j < n; j++) {
      let v = dE * (this.vExc[j] - c.excRest) + c.excRest;
      if (learning) this.theta[j] *= dTh;
      if (this.refExc[j] <= 0) v += curE[j];
      this.refExc[j]--;
      if (v >= c.excThreshold + this.theta[j]) {
        crossed.push(j);
        this.refExc[j] = c.excRefractory;
        v = c.excReset;
        if (learning) this.theta[j] += c.thetaPlus;
      }
      this.vExc[j] = v;
    }
    let spikes = crossed;
    if (crossed.length > 1 && c.oneSpike) spikes = [crossed[this.rng.int(crossed.length)]];
    this.excSpikes.fill(0);
    for (const j of spikes) this.excSpikes[j] = 1;
    const dPost = Math.exp(-1 / c.tcPost);
    for (let j = 0; j < n; j++) this.xPost[j] = this.excSpikes[j] === 1 ? 1 : this.xPost[j] * dPost;
    for (const j of spikes) this.fired[j] = 1;

    // Inhibitory layer.
    const dI = Math.exp(-1 / c.inhTcDecay);
    for (let j = 0; j < n; j++) {
      let v = dI * (this.vInh[j] - c.inhRest) + c.inhRest;
      const xi = this.refInh[j] > 0 ? 0 : curI[j];
      this.refInh[j]--;
      v += xi;
      this.inhSpikes[j] = 0;
      if (v >= c.inhThreshold) {
        this.inhSpikes[j] = 1;
        this.refInh[j] = c.inhRefractory;
        v = c.inhReset;
      }
      this.vInh[j] = v;
    }

    if (learning) {
      let anyIn = false;
      for (let i = 0; i < inputs; i++) if (this.inSpikes[i] === 1) anyIn = true;
      if (c.nuPre !== 0) {
        for (let i = 0; i < inputs; i++) {
          if (this.inSpikes[i] === 0) continue;
          for (let j = 0; j < n; j++) w[i * n + j] -= Math.fround(this.xPost[j] * c.nuPre);
        }
        if (anyIn) for (let j = 0; j < n; j++) if (this.fired[j] === 1) this.dirty[j] = 1;
      }
      if (c.nuPost !== 0) {
        for (let j = 0; j < n; j++) {
          if (this.excSpikes[j] === 0) continue;
          for (let i = 0; i < inputs; i++) w[i * n + j] += Math.fround(this.xPre[i] * c.nuPost);
          this.dirty[j] = 1;
        }
      }
      for (let k = 0; k < w.length; k++) {
        const x = w[k];
        if (x < 0) w[k] = 0;
        else if (x > c.wmax) {
          w[k] = c.wmax;
          this.dirty[k % n] = 1;
        }
      }
    }
    return spikes;
  }

  endSample(learning: boolean): void {
    if (!learning) return;
    const { n, w } = this;
    for (let j = 0; j < n; j++) {
      if (!this.normalizeAll && this.dirty[j] === 0) continue;
      let s = 0;
      for (let i = 0; i < this.inputs; i++) s += w[i * n + j];
      const f = this.config.norm / (s === 0 ? 1 : s);
      for (let i = 0; i < this.inputs; i++) w[i * n + j] *= f;
      this.dirty[j] = 0;
    }
  }
}
