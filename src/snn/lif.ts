/**
 * Spiking neuron layer (LIF or adaptive LIF) of the time-batched engine: consumes input currents
 * (T·B × N, time-major) and emits spikes (T·B × N) with a CSR index for the next event-driven layer.
 * Keeps u_t (pre-reset membrane), θ_t and refractory masks for backpropagation through time.
 *
 * BPTT, per neuron, from t = T-1 down to 0, with g_t = dL/ds_t from above, σ'_t = σ'(u_t - θ_t)
 * (zero while refractory), e = dL/dv_t carried back from step t+1, ε = dL/da_{t+1} (ALIF):
 *   dL/ds_t = g_t + (1-ρ) ε − [not detached] (θ_t e  for subtract | u_t e  for zero reset)
 *   dL/du_t = dL/ds_t σ'_t + e                      (subtract)
 *           = dL/ds_t σ'_t + e (1 − s_t)            (zero reset)
 *   dL/dI_t = dL/du_t  (0 while refractory);  e ← β dL/du_t
 *   ε ← ρ ε − b σ'_t dL/ds_t − [not detached, subtract] b s_t e
 */
import type { Layer, Param, PassContext } from './layer.ts';
import {
  createNeuronState,
  type NeuronSpec,
  type NeuronState,
  neuronStep,
  resetNeuronState,
  validateNeuron,
} from './neuron.ts';
import { type SurrogateCode, surrogateCode, surrogateGrad, surrogatePrimitive } from './surrogate.ts';
import {
  type Activations,
  ensureF32,
  indexSpikes,
  type Shape,
  type SpikeActivations,
  shapeSize,
} from './tensor.ts';

export class LifLayer implements Layer {
  readonly kind = 'lif';
  readonly spiking = true;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly neuron: NeuronSpec;
  private readonly n: number;
  private readonly sg: SurrogateCode;
  private state: NeuronState | undefined;
  private spikes: Float32Array | undefined;
  private u: Float32Array | undefined;
  private theta: Float32Array | undefined;
  private blocked: Uint8Array | undefined;
  private dIn: Float32Array | undefined;
  private rowPtr: Int32Array | undefined;
  private colIdx: Int32Array | undefined;
  private rows = 0;
  /** Spikes emitted in the last forward pass. */
  lastSpikeCount = 0;
  /**
   * Optional dL/du_t (T·B × N) added in backward: losses on the membrane potential (e.g. cross-entropy
   * on the output layer's membrane) set it before calling backward.
   */
  membraneGrad: Float32Array | null = null;

  constructor(shape: Shape, neuron: NeuronSpec, field = 'neuron') {
    this.inShape = shape;
    this.outShape = shape;
    this.neuron = validateNeuron(neuron, field);
    this.n = shapeSize(shape);
    this.sg = surrogateCode(neuron.surrogate);
  }

  params(): readonly Param[] {
    return [];
  }

  /** CSR spike index of the last (non-smooth) forward pass, or null before any. */
  lastSpikes(): { readonly rowPtr: Int32Array } | null {
    return this.rowPtr === undefined ? null : { rowPtr: this.rowPtr };
  }

  /** Spike values of the last forward pass (T·B × N). */
  lastOutput(): Float32Array {
    return (this.spikes as Float32Array).subarray(0, this.rows * this.n);
  }

  /** Pre-reset membrane potentials u_t of the last forward pass (T·B × N). */
  membrane(): Float32Array {
    return (this.u as Float32Array).subarray(0, this.rows * this.n);
  }

  forward(x: Activations, ctx: PassContext): Activations {
    const { T, B } = ctx;
    const n = this.n;
    const rows = T * B;
    if (x.rows !== rows || x.cols !== n) {
      throw new Error(`lif: input is ${x.rows}×${x.cols}, expected ${rows}×${n}`);
    }
    const BN = B * n;
    const total = rows * n;
    this.rows = rows;
    if (this.state === undefined || this.state.v.length < BN) this.state = createNeuronState(BN);
    resetNeuronState(this.state, BN);
    this.spikes = ensureF32(this.spikes, total);
    this.u = ensureF32(this.u, total);
    const p = this.neuron;
    if (p.model === 'alif') this.theta = ensureF32(this.theta, total);
    if (p.refractory > 0 && (this.blocked === undefined || this.blocked.length < total)) {
      this.blocked = new Uint8Array(total);
    }
    let count = 0;
    if (ctx.smooth === true) {
      this.forwardSmooth(x.values, T, BN);
    } else {
      const theta = p.model === 'alif' ? (this.theta as Float32Array) : null;
      const blocked = p.refractory > 0 ? (this.blocked as Uint8Array) : null;
      for (let t = 0; t < T; t++) {
        const off = t * BN;
        count += neuronStep(BN, x.values, off, this.state, p, this.spikes, this.u, theta, blocked, off);
      }
    }
    this.lastSpikeCount = count;
    if (ctx.smooth === true) return { kind: 'dense', rows, cols: n, values: this.spikes.subarray(0, total) };
    const idx = indexSpikes(this.spikes, rows, n, this.rowPtr, this.colIdx);
    this.rowPtr = idx.rowPtr;
    this.colIdx = idx.colIdx;
    const out: SpikeActivations = {
      kind: 'spikes',
      rows,
      cols: n,
      values: this.spikes.subarray(0, total),
      rowPtr: idx.rowPtr,
      colIdx: idx.colIdx,
    };
    return out;
  }

  /** Gradient-check forward: s_t = σ(u_t − θ_t) instead of H(·); no refractoriness. */
  private forwardSmooth(input: Float32Array, T: number, BN: number): void {
    const p = this.neuron;
    if (p.refractory > 0)
      throw new Error('lif: smooth (gradient-check) mode does not support refractory > 0');
    const st = this.state as NeuronState;
    const spikes = this.spikes as Float32Array;
    const u = this.u as Float32Array;
    const alif = p.model === 'alif';
    const rho = alif ? p.rho : 0;
    const b = alif ? p.adaptation : 0;
    for (let t = 0; t < T; t++) {
      const off = t * BN;
      for (let j = 0; j < BN; j++) {
        let th = p.threshold;
        if (alif) {
          st.a[j] = rho * st.a[j] + (1 - rho) * st.sPrev[j];
          th += b * st.a[j];
          (this.theta as Float32Array)[off + j] = th;
        }
        const uj = p.beta * st.v[j] + input[off + j];
        const s = surrogatePrimitive(this.sg, uj - th);
        u[off + j] = uj;
        spikes[off + j] = s;
        st.sPrev[j] = s;
        st.v[j] = p.reset === 'zero' ? uj * (1 - s) : uj - th * s;
      }
    }
  }

  backward(dy: Float32Array, _needInputGrad: boolean, ctx: PassContext): Float32Array {
    const { T, B } = ctx;
    const BN = B * this.n;
    const total = T * BN;
    const dIn = ensureF32(this.dIn, total);
    this.dIn = dIn;
    const p = this.neuron;
    const u = this.u as Float32Array;
    const s = this.spikes as Float32Array;
    const theta = p.model === 'alif' ? (this.theta as Float32Array) : null;
    const blocked = p.refractory > 0 ? (this.blocked as Uint8Array) : null;
    const mg = this.membraneGrad;
    const beta = p.beta;
    const th0 = p.threshold;
    const zero = p.reset === 'zero';
    const detach = p.detachReset;
    const alif = p.model === 'alif';
    const rho = alif ? p.rho : 0;
    const b = alif ? p.adaptation : 0;
    const sg = this.sg;
    const fast = sg.code === 0;
    const k = sg.a;
    for (let j = 0; j < BN; j++) {
      let e = 0;
      let eps = 0;
      for (let t = T - 1; t >= 0; t--) {
        const i = t * BN + j;
        const th = alif ? (theta as Float32Array)[i] : th0;
        const uj = u[i];
        let sgv: number;
        if (blocked !== null && blocked[i] === 1) {
          sgv = 0;
        } else if (fast) {
          const d = 1 + k * Math.abs(uj - th);
          sgv = 1 / (d * d);
        } else {
          sgv = surrogateGrad(sg, uj - th);
        }
        let dS = dy[i];
        if (alif) dS += (1 - rho) * eps;
        if (!detach) dS -= zero ? uj * e : th * e;
        let dU = dS * sgv + (zero ? e * (1 - s[i]) : e);
        if (mg !== null) dU += mg[i];
        dIn[i] = blocked !== null && blocked[i] === 1 ? 0 : dU;
        if (alif) {
          let de = rho * eps - b * sgv * dS;
          if (!detach && !zero) de -= b * s[i] * e;
          eps = de;
        }
        e = beta * dU;
      }
    }
    return dIn.subarray(0, total);
  }
}
