/**
 * The Diehl & Cook (2015) network, event-driven, with BindsNET's `DiehlAndCook2015` semantics
 * (`Network.run` in synchronous mode, dt = 1 ms, batch 1):
 *
 *   input (Poisson) ──W (STDP)──▶ excitatory (adaptive LIF) ──one-to-one──▶ inhibitory (LIF)
 *                                      ▲                                         │
 *                                      └──────── all-to-all except self ─────────┘
 *
 * Step t (every connection carries the spikes of step t−1, as BindsNET's `_get_inputs`):
 *
 *   I_exc[j] = Σ_{i ∈ in(t−1)} W[i,j] − inhStrength · (|inh(t−1)| − [j ∈ inh(t−1)])
 *   I_inh[j] = excStrength · [j ∈ exc(t−1)]
 *   input:  in(t) drawn; x_pre[i] = 1 for i ∈ in(t), else decays by exp(−1/tcPre)
 *   exc:    v ← rest + e^{−1/τ}(v − rest); θ ← θ·e^{−1/τθ} (learning only);
 *           v += I_exc if not refractory; refractory −= 1;
 *           cross: v ≥ threshold + θ → refractory = excRefractory, v = reset, θ += θ+ (learning only);
 *           oneSpike: of the neurons that crossed, one chosen at random spikes;
 *           x_post[j] = 1 for j ∈ exc(t), else decays by exp(−1/tcPost)
 *   inh:    the same LIF without θ (input blocked while refractory)
 *   STDP (learning only, BindsNET PostPre):
 *           W[i,:] −= nuPre · x_post  for i ∈ in(t);  W[:,j] += nuPost · x_pre  for j ∈ exc(t);
 *           clip to [0, wmax]
 * After a training sample: each excitatory neuron's incoming weights are rescaled to sum to `norm`.
 *
 * Event-driven: the cost of a step is the input spikes × mapSize (their weight rows are contiguous:
 * W is stored input-major, rows padded to a multiple of 4 floats) plus one pass over the excitatory
 * neurons; the inhibitory layer updates only the neurons woken in this sample; the STDP updates touch
 * only the entries whose trace is non-zero — the inputs and excitatory neurons that have fired during
 * this sample (`activeIn`, `activeExc`), whose traces are read lazily as decay^(t − last spike)
 * from a table. Normalisation rescales only the columns that changed since they were last rescaled
 * (BindsNET rescales every column each sample; for an unchanged column its factor is 1 up to
 * rounding). See docs/stdp.md for the costs.
 *
 * The row sum, the excitatory update and dense row depression run as WebAssembly SIMD kernels
 * (wasm/stdp.as.ts; W, the current and the excitatory state live in that instance's memory, so
 * nothing is copied per step), or as plain-JS twins (`kernels: 'js'`, SPIKETUNE_KERNELS=js, or no
 * SIMD) doing the same IEEE operations in the same order: both give the same bits.
 * `DenseStdpReference` (dense-reference.ts) is the literal dense version; the tests require both to
 * produce the same spikes and the same weights.
 */
import type { Rng } from '../../core/rng.ts';
import type { StdpConfig } from './config.ts';
import { instantiateStdpKernels, stdpWasmAvailable } from './wasm/index.ts';

/** Per-step decay factors raised to the powers 0..len-1, by repeated multiplication. */
export function decayTable(tc: number, len: number): Float64Array {
  const d = Math.exp(-1 / tc);
  const t = new Float64Array(len);
  t[0] = 1;
  for (let k = 1; k < len; k++) t[k] = t[k - 1] * d;
  return t;
}

/** What one sample did: per-neuron excitatory spike counts, the firing order, layer totals. */
export class SampleRecord {
  readonly excCounts: Int32Array;
  /** Excitatory neurons in firing order (within a step: ascending index); `orderLength` valid. */
  order: Int32Array;
  orderLength = 0;
  excTotal = 0;
  inhTotal = 0;
  /** Input spikes delivered (all steps). */
  inputTotal = 0;

  constructor(n: number) {
    this.excCounts = new Int32Array(n);
    this.order = new Int32Array(64);
  }

  push(j: number): void {
    if (this.orderLength === this.order.length) {
      const o = new Int32Array(this.order.length * 2);
      o.set(this.order);
      this.order = o;
    }
    this.order[this.orderLength++] = j;
    this.excCounts[j]++;
  }

  /** Zeroes the record (only the counts that are non-zero, through the firing order). */
  clear(): void {
    const c = this.excCounts;
    const o = this.order;
    for (let k = 0; k < this.orderLength; k++) c[o[k]] = 0;
    this.orderLength = 0;
    this.excTotal = 0;
    this.inhTotal = 0;
    this.inputTotal = 0;
  }
}

export type StdpKernels = 'wasm-simd' | 'js';

/** The kernels a new network uses by default: wasm-simd unless unavailable or SPIKETUNE_KERNELS=js. */
export function defaultStdpKernels(): StdpKernels {
  return process.env.SPIKETUNE_KERNELS !== 'js' && stdpWasmAvailable() ? 'wasm-simd' : 'js';
}

const ALIGN_BYTES = 64;

/**
 * Depression updates whole rows with the SIMD kernel when the excitatory neurons active in this
 * sample are more than stride / DENSE_DEPRESSION of the row (below that the sparse JS loop over the
 * active columns is cheaper). Both give the same weights.
 */
export const DENSE_DEPRESSION = 16;

/** Parameters of the excitatory step, fixed for a network. */
interface ExcParams {
  readonly rest: number;
  readonly d: number;
  readonly thr: number;
  readonly reset: number;
  readonly refr: number;
  readonly dTheta: number;
  readonly thetaPlus: number;
}

/**
 * The arrays of the hot loops and the kernels over them: in one wasm instance's linear memory (laid
 * out once, never grown afterwards, so the views stay valid) or ordinary typed arrays. Vectors over
 * the excitatory neurons have `stride` entries (the padding lanes stay inert).
 */
interface Kernels {
  readonly w: Float32Array;
  readonly cur: Float32Array;
  /** Input spikes of the previous step (the row-sum index). */
  readonly prevIn: Int32Array;
  readonly vExc: Float64Array;
  readonly theta: Float64Array;
  /** Input blocked (refractory) while the step is <= until. */
  readonly until: Float64Array;
  /** nuPre · x_post of every excitatory neuron (0 for those silent in this sample), float32. */
  readonly ps: Float32Array;
  readonly crossed: Int32Array;
  /** Rows (input spikes of this step) and tail columns of depressRows. */
  readonly rows: Int32Array;
  readonly tail: Int32Array;
  /** cur = Σ_{k < count} W[prevIn[k], :], float32 in order. */
  forward(count: number): void;
  /** One excitatory step (see excStep in wasm/stdp.as.ts); returns the number crossed. */
  excStep(t: number, learning: boolean): number;
  /** Dense pre-synaptic update of rows[0..nRows) except tail[0..nTail) (unclipped); null in JS. */
  readonly depressRows: ((nRows: number, nTail: number) => void) | null;
}

function jsKernels(inputs: number, n: number, stride: number, p: ExcParams): Kernels {
  const w = new Float32Array(inputs * stride);
  const cur = new Float32Array(stride);
  const prevIn = new Int32Array(inputs);
  const vExc = new Float64Array(stride);
  const theta = new Float64Array(stride);
  const until = new Float64Array(stride);
  const crossed = new Int32Array(stride);
  return {
    w,
    cur,
    prevIn,
    vExc,
    theta,
    until,
    ps: new Float32Array(stride),
    crossed,
    rows: new Int32Array(inputs),
    tail: new Int32Array(stride),
    forward(count: number): void {
      if (count === 0) {
        cur.fill(0);
        return;
      }
      let base = prevIn[0] * stride;
      for (let j = 0; j < n; j++) cur[j] = w[base + j];
      for (let k = 1; k < count; k++) {
        base = prevIn[k] * stride;
        for (let j = 0; j < n; j++) cur[j] += w[base + j];
      }
    },
    excStep(t: number, learning: boolean): number {
      const { rest, d, thr, reset, refr } = p;
      let nc = 0;
      if (learning) {
        const dTh = p.dTheta;
        const thPlus = p.thetaPlus;
        for (let j = 0; j < n; j++) {
          let v = d * (vExc[j] - rest) + rest;
          const th = theta[j] * dTh;
          theta[j] = th;
          if (t > until[j]) v += cur[j];
          if (v >= thr + th) {
            crossed[nc++] = j;
            until[j] = t + refr;
            v = reset;
            theta[j] = th + thPlus;
          }
          vExc[j] = v;
        }
      } else {
        for (let j = 0; j < n; j++) {
          let v = d * (vExc[j] - rest) + rest;
          if (t > until[j]) v += cur[j];
          if (v >= thr + theta[j]) {
            crossed[nc++] = j;
            until[j] = t + refr;
            v = reset;
          }
          vExc[j] = v;
        }
      }
      return nc;
    },
    depressRows: null,
  };
}

function wasmKernels(inputs: number, n: number, stride: number, p: ExcParams): Kernels {
  const wasm = instantiateStdpKernels();
  let top = Math.ceil(wasm.heapBase() / ALIGN_BYTES) * ALIGN_BYTES;
  const take = (bytes: number): number => {
    const at = top;
    top = Math.ceil((top + bytes) / ALIGN_BYTES) * ALIGN_BYTES;
    return at;
  };
  const pPrevIn = take(4 * inputs);
  const pRows = take(4 * inputs);
  const pCur = take(4 * stride);
  const pPs = take(4 * stride);
  const pSaved = take(4 * stride);
  const pCrossed = take(4 * stride);
  const pTail = take(4 * stride);
  const pV = take(8 * stride);
  const pTheta = take(8 * stride);
  const pUntil = take(8 * stride);
  const pW = take(4 * inputs * stride);
  const have = wasm.memory.buffer.byteLength;
  if (top > have) wasm.memory.grow(Math.ceil((top - have) / 65536));
  const buf = wasm.memory.buffer;
  const { rowSum, excStep, depressRows } = wasm;
  return {
    w: new Float32Array(buf, pW, inputs * stride),
    cur: new Float32Array(buf, pCur, stride),
    prevIn: new Int32Array(buf, pPrevIn, inputs),
    vExc: new Float64Array(buf, pV, stride),
    theta: new Float64Array(buf, pTheta, stride),
    until: new Float64Array(buf, pUntil, stride),
    ps: new Float32Array(buf, pPs, stride),
    crossed: new Int32Array(buf, pCrossed, stride),
    rows: new Int32Array(buf, pRows, inputs),
    tail: new Int32Array(buf, pTail, stride),
    forward(count: number): void {
      rowSum(count, pPrevIn, pW, stride, pCur);
    },
    excStep(t: number, learning: boolean): number {
      return excStep(
        n,
        t,
        pCur,
        pV,
        pTheta,
        pUntil,
        pCrossed,
        p.rest,
        p.d,
        p.thr,
        p.reset,
        p.refr,
        learning ? 1 : 0,
        p.dTheta,
        p.thetaPlus,
      );
    },
    depressRows(nRows: number, nTail: number): void {
      depressRows(nRows, pRows, pW, stride, pPs, pTail, nTail, pSaved);
    },
  };
}

export class StdpNetwork {
  readonly config: StdpConfig;
  /** Excitatory neurons (= inhibitory neurons). */
  readonly n: number;
  /** Input neurons (pixels). */
  readonly inputs: number;
  /** Floats per row of W: n rounded up to a multiple of 4 (the padding stays 0). */
  readonly stride: number;
  readonly kernels: StdpKernels;
  /** Input → excitatory weights, input-major: W[i, j] = w[i·stride + j]. */
  readonly w: Float32Array;
  /** Adaptive thresholds (mV above excThreshold); kept across samples. */
  readonly theta: Float64Array;
  readonly vExc: Float64Array;
  readonly vInh: Float64Array;
  /** Input is blocked (refractory) while the step is <= this; −1 after a reset. */
  readonly excBlockedUntil: Float64Array;
  readonly inhBlockedUntil: Int32Array;

  private readonly rng: Rng;
  private readonly k: Kernels;
  private readonly cur: Float32Array;
  private readonly curInh: Float64Array;
  private readonly prevIn: Int32Array;
  private nPrevIn = 0;
  private readonly prevExc: Int32Array;
  private nPrevExc = 0;
  private readonly prevInh: Int32Array;
  private nPrevInh = 0;
  private readonly inhMark: Uint8Array;
  /** Inhibitory neurons that have left rest in this sample, and the list of them. */
  private readonly awake: Uint8Array;
  private readonly awakeList: Int32Array;
  private nAwake = 0;
  /** This step's excitatory spikes (after oneSpike) and inhibitory spikes. */
  readonly excNow: Int32Array;
  nExcNow = 0;
  readonly inhNow: Int32Array;
  nInhNow = 0;
  /** Step of each input's / excitatory neuron's last spike in this sample, −1 when none yet. */
  private readonly lastIn: Int32Array;
  private readonly lastExc: Int32Array;
  private readonly activeIn: Int32Array;
  private nActiveIn = 0;
  private readonly activeExc: Int32Array;
  /** Position of each active excitatory neuron in activeExc. */
  private readonly posExc: Int32Array;
  private nActiveExc = 0;
  private preTable: Float64Array;
  private postTable: Float64Array;
  private readonly dExc: number;
  private readonly dInh: number;
  private readonly dTheta: number;
  /** Columns changed since their last rescaling. */
  private readonly dirty: Uint8Array;
  private readonly dirtyList: Int32Array;
  private nDirty = 0;
  /** Columns rescaled at the end of the last training sample that then held a weight > wmax. */
  private readonly overList: Int32Array;
  private nOver = 0;
  private readonly colSum: Float64Array;
  private readonly overFlag: Uint8Array;

  /**
   * @param rng draws the initial weights (uniform in [0, wInit), input-major order) and, afterwards,
   *   the oneSpike choices.
   */
  constructor(config: StdpConfig, inputs: number, rng: Rng, kernels: StdpKernels = defaultStdpKernels()) {
    const n = config.mapSize;
    this.config = config;
    this.n = n;
    this.inputs = inputs;
    this.rng = rng;
    this.stride = (n + 3) & ~3;
    this.kernels = kernels;
    this.dExc = Math.exp(-1 / config.excTcDecay);
    this.dInh = Math.exp(-1 / config.inhTcDecay);
    this.dTheta = Math.exp(-1 / config.tcThetaDecay);
    const params: ExcParams = {
      rest: config.excRest,
      d: this.dExc,
      thr: config.excThreshold,
      reset: config.excReset,
      refr: config.excRefractory,
      dTheta: this.dTheta,
      thetaPlus: config.thetaPlus,
    };
    this.k =
      kernels === 'wasm-simd'
        ? wasmKernels(inputs, n, this.stride, params)
        : jsKernels(inputs, n, this.stride, params);
    this.w = this.k.w;
    this.cur = this.k.cur;
    this.prevIn = this.k.prevIn;
    for (let i = 0; i < inputs; i++) {
      for (let j = 0; j < n; j++) this.w[i * this.stride + j] = config.wInit * rng.next();
    }
    this.theta = this.k.theta.subarray(0, n);
    this.vExc = this.k.vExc.subarray(0, n);
    this.excBlockedUntil = this.k.until.subarray(0, n);
    this.vInh = new Float64Array(n);
    this.inhBlockedUntil = new Int32Array(n);
    this.curInh = new Float64Array(n);
    this.prevExc = new Int32Array(n);
    this.prevInh = new Int32Array(n);
    this.inhMark = new Uint8Array(n);
    this.awake = new Uint8Array(n);
    this.awakeList = new Int32Array(n);
    this.excNow = new Int32Array(n);
    this.inhNow = new Int32Array(n);
    this.lastIn = new Int32Array(inputs).fill(-1);
    this.lastExc = new Int32Array(n).fill(-1);
    this.activeIn = new Int32Array(inputs);
    this.activeExc = new Int32Array(n);
    this.posExc = new Int32Array(n);
    this.preTable = decayTable(config.tcPre, config.time + 1);
    this.postTable = decayTable(config.tcPost, config.time + 1);
    // BindsNET does not normalise the initial weights: every column is "changed" until the first
    // normalisation.
    this.dirty = new Uint8Array(n).fill(1);
    this.dirtyList = new Int32Array(n);
    for (let j = 0; j < n; j++) this.dirtyList[j] = j;
    this.nDirty = n;
    this.overList = new Int32Array(n);
    this.colSum = new Float64Array(n);
    this.overFlag = new Uint8Array(n);
    this.resetState();
  }

  /** W[i, j]. */
  weight(i: number, j: number): number {
    return this.w[i * this.stride + j];
  }

  /**
   * Sets W[i, j] (tests, loading weights). The column counts as changed: it is rescaled at the end
   * of the next training sample.
   */
  setWeight(i: number, j: number, value: number): void {
    this.w[i * this.stride + j] = value;
    this.markDirty(j);
  }

  /** A copy of W as inputs × n, without the row padding. */
  weights(): Float32Array {
    const out = new Float32Array(this.inputs * this.n);
    for (let i = 0; i < this.inputs; i++) {
      out.set(this.w.subarray(i * this.stride, i * this.stride + this.n), i * this.n);
    }
    return out;
  }

  /** BindsNET's refractory counter of a neuron after step t (> 0: its input is blocked). */
  refractoryCounter(layer: 'exc' | 'inh', j: number, t: number): number {
    return (layer === 'exc' ? this.excBlockedUntil : this.inhBlockedUntil)[j] - t;
  }

  /** Resets potentials, refractory counters, traces and in-flight spikes (not W, not θ). */
  resetState(): void {
    const c = this.config;
    this.k.vExc.fill(c.excRest);
    this.vInh.fill(c.inhRest);
    this.k.until.fill(-1);
    this.inhBlockedUntil.fill(-1);
    for (let k = 0; k < this.nActiveExc; k++) this.k.ps[this.activeExc[k]] = 0;
    for (let k = 0; k < this.nActiveIn; k++) this.lastIn[this.activeIn[k]] = -1;
    for (let k = 0; k < this.nActiveExc; k++) this.lastExc[this.activeExc[k]] = -1;
    this.nActiveIn = 0;
    this.nActiveExc = 0;
    for (let k = 0; k < this.nPrevInh; k++) this.inhMark[this.prevInh[k]] = 0;
    for (let k = 0; k < this.nAwake; k++) this.awake[this.awakeList[k]] = 0;
    this.nAwake = 0;
    this.nPrevIn = 0;
    this.nPrevExc = 0;
    this.nPrevInh = 0;
    this.nExcNow = 0;
    this.nInhNow = 0;
  }

  /**
   * Starts a sample: resets the state and, before a training sample, clips the weights that the
   * last normalisation pushed above wmax (BindsNET clips the whole matrix at the first learning step,
   * before any weight is read).
   */
  beginSample(learning: boolean): void {
    this.resetState();
    if (learning && this.nOver > 0) {
      const { w, stride } = this;
      const wmax = this.config.wmax;
      for (let k = 0; k < this.nOver; k++) {
        const j = this.overList[k];
        for (let idx = j; idx < w.length; idx += stride) if (w[idx] > wmax) w[idx] = wmax;
        this.markDirty(j);
      }
      this.nOver = 0;
    }
  }

  private markDirty(j: number): void {
    if (this.dirty[j] === 0) {
      this.dirty[j] = 1;
      this.dirtyList[this.nDirty++] = j;
    }
  }

  /** Ends a sample: after a training sample, rescales the changed columns to sum to `norm`. */
  endSample(learning: boolean): void {
    if (learning) this.normalize();
  }

  /** Rescales each changed column of W to sum to `norm` (a column summing to 0 is left as is). */
  normalize(): void {
    const { w, n, stride, colSum } = this;
    const norm = this.config.norm;
    const wmax = this.config.wmax;
    const nd = this.nDirty;
    const list = this.dirtyList;
    if (nd === 0) return;
    if (nd === n) {
      // Everything changed (the first sample): one row-major pass.
      colSum.fill(0);
      for (let base = 0; base < w.length; base += stride) {
        for (let j = 0; j < n; j++) colSum[j] += w[base + j];
      }
      for (let j = 0; j < n; j++) colSum[j] = norm / (colSum[j] === 0 ? 1 : colSum[j]);
      let over = 0;
      for (let base = 0; base < w.length; base += stride) {
        for (let j = 0; j < n; j++) {
          const x = w[base + j] * colSum[j];
          w[base + j] = x;
          if (x > wmax) over = 1;
        }
      }
      this.nOver = 0;
      if (over === 1) {
        // Which columns: one more pass, rare (the first sample only).
        for (let j = 0; j < n; j++) {
          for (let idx = j; idx < w.length; idx += stride) {
            if (w[idx] > wmax) {
              this.overList[this.nOver++] = j;
              break;
            }
          }
        }
      }
    } else {
      // Row-major over the changed columns only (sequential in memory; each column is still summed
      // in input order, as the full pass does).
      const sums = colSum;
      sums.fill(0, 0, nd);
      for (let base = 0; base < w.length; base += stride) {
        for (let k = 0; k < nd; k++) sums[k] += w[base + list[k]];
      }
      for (let k = 0; k < nd; k++) sums[k] = norm / (sums[k] === 0 ? 1 : sums[k]);
      const overCol = this.overFlag;
      overCol.fill(0, 0, nd);
      for (let base = 0; base < w.length; base += stride) {
        for (let k = 0; k < nd; k++) {
          const idx = base + list[k];
          const x = w[idx] * sums[k];
          w[idx] = x;
          if (x > wmax) overCol[k] = 1;
        }
      }
      this.nOver = 0;
      for (let k = 0; k < nd; k++) if (overCol[k] === 1) this.overList[this.nOver++] = list[k];
    }
    for (let k = 0; k < nd; k++) this.dirty[list[k]] = 0;
    this.nDirty = 0;
  }

  /**
   * One time step. `inSpikes[0..nIn)` are the input neurons firing at step `t` (0 ≤ t < time),
   * ascending. Afterwards `excNow[0..nExcNow)` and `inhNow[0..nInhNow)` hold this step's spikes;
   * `record` (if given) counts them.
   */
  step(t: number, inSpikes: Int32Array, nIn: number, learning: boolean, record?: SampleRecord): void {
    if (!(t >= 0 && t < this.preTable.length - 1)) {
      throw new RangeError(`step ${t} outside the sample (0 <= t < time = ${this.config.time})`);
    }
    const c = this.config;
    const n = this.n;
    const cur = this.cur;
    const prevIn = this.prevIn;

    // 1. Input currents, from the spikes of step t−1: cur = Σ W[i, :] (wasm or JS), plus the lateral
    //    inhibition −inhStrength · (|inh(t−1)| − [j ∈ inh(t−1)]) on the steps after inhibitory
    //    spikes, all in float32 as BindsNET sums its connections.
    this.k.forward(this.nPrevIn);
    const nPrevInh = this.nPrevInh;
    if (nPrevInh > 0) {
      const others = -c.inhStrength * nPrevInh; // onto a neuron whose own inhibitory partner is silent
      const self = -c.inhStrength * (nPrevInh - 1); // onto a neuron whose partner fired
      const mark = this.inhMark;
      for (let j = 0; j < n; j++) cur[j] += mark[j] === 1 ? self : others;
      for (let k = 0; k < nPrevInh; k++) mark[this.prevInh[k]] = 0;
    }
    const curInh = this.curInh;
    const excS = c.excStrength;
    for (let k = 0; k < this.nPrevExc; k++) curInh[this.prevExc[k]] = excS;

    // 2. Input layer: this step's spikes set their traces.
    const lastIn = this.lastIn;
    for (let k = 0; k < nIn; k++) {
      const i = inSpikes[k];
      if (lastIn[i] < 0) this.activeIn[this.nActiveIn++] = i;
      lastIn[i] = t;
    }

    // 3. Excitatory layer (wasm f64x2 or JS, identical arithmetic). Refractoriness as BindsNET's
    //    counter (set to R by a spike at step s, input blocked while it is > 0, decremented every
    //    step) is `blocked until s + R`.
    const nCrossed = this.k.excStep(t, learning);
    const crossed = this.k.crossed;
    const excNow = this.excNow;
    let nExc: number;
    if (nCrossed > 1 && c.oneSpike) {
      excNow[0] = crossed[this.rng.int(nCrossed)];
      nExc = 1;
    } else {
      for (let k = 0; k < nCrossed; k++) excNow[k] = crossed[k];
      nExc = nCrossed;
    }
    const lastExc = this.lastExc;
    for (let k = 0; k < nExc; k++) {
      const j = excNow[k];
      if (lastExc[j] < 0) {
        this.posExc[j] = this.nActiveExc;
        this.activeExc[this.nActiveExc++] = j;
      }
      lastExc[j] = t;
    }

    // 4. Inhibitory layer. A neuron at rest, not refractory and without input stays exactly at rest
    //    (rest + d·0), so only the neurons woken by their excitatory partner in this sample are
    //    updated (`awake`, in waking order): the others are skipped without changing any result.
    const vI = this.vInh;
    const untilI = this.inhBlockedUntil;
    const restI = c.inhRest;
    const dI = this.dInh;
    const thrI = c.inhThreshold;
    const resetI = c.inhReset;
    const refrI = c.inhRefractory;
    const inhNow = this.inhNow;
    const awake = this.awake;
    const awakeList = this.awakeList;
    for (let k = 0; k < this.nPrevExc; k++) {
      const j = this.prevExc[k];
      if (awake[j] === 0) {
        awake[j] = 1;
        awakeList[this.nAwake++] = j;
      }
    }
    let nInh = 0;
    const nAwake = this.nAwake;
    for (let a = 0; a < nAwake; a++) {
      const j = awakeList[a];
      let v = dI * (vI[j] - restI) + restI;
      v += t > untilI[j] ? curInh[j] : 0;
      if (v >= thrI) {
        inhNow[nInh++] = j;
        untilI[j] = t + refrI;
        v = resetI;
      }
      vI[j] = v;
    }
    for (let k = 0; k < this.nPrevExc; k++) curInh[this.prevExc[k]] = 0;

    // 5. STDP on the input → excitatory weights.
    if (learning) this.stdp(t, inSpikes, nIn, excNow, nExc);

    // 6. Monitors, and this step's spikes become the next step's inputs.
    if (record !== undefined) {
      for (let k = 0; k < nExc; k++) record.push(excNow[k]);
      record.excTotal += nExc;
      record.inhTotal += nInh;
      record.inputTotal += nIn;
    }
    for (let k = 0; k < nIn; k++) prevIn[k] = inSpikes[k];
    this.nPrevIn = nIn;
    for (let k = 0; k < nExc; k++) this.prevExc[k] = excNow[k];
    this.nPrevExc = nExc;
    for (let k = 0; k < nInh; k++) {
      this.prevInh[k] = inhNow[k];
      this.inhMark[inhNow[k]] = 1;
    }
    this.nPrevInh = nInh;
    this.nExcNow = nExc;
    this.nInhNow = nInh;
  }

  /**
   * PostPre: depress the rows of this step's input spikes by nuPre · x_post (non-zero only for the
   * excitatory neurons active in this sample), potentiate the columns of this step's excitatory
   * spikes by nuPost · x_pre (non-zero only for the inputs active in this sample), then clip the
   * touched entries (the others are already within [0, wmax]).
   */
  private stdp(t: number, inSpikes: Int32Array, nIn: number, excNow: Int32Array, nExc: number): void {
    const c = this.config;
    const stride = this.stride;
    const w = this.w;
    const nAE = this.nActiveExc;
    const activeExc = this.activeExc;
    const nAI = this.nActiveIn;
    const activeIn = this.activeIn;
    const wmax = c.wmax;
    const depress = nAE > 0 && nIn > 0 && c.nuPre !== 0;
    const potentiate = nExc > 0 && c.nuPost !== 0;
    if (depress) {
      // nuPre · x_post of the active neurons (float32, as BindsNET's product): the others stay 0.
      const ps = this.k.ps;
      const table = this.postTable;
      const lastExc = this.lastExc;
      const nu = c.nuPre;
      for (let a = 0; a < nAE; a++) {
        const j = activeExc[a];
        ps[j] = table[t - lastExc[j]] * nu;
      }
      // Depression can only lower a weight, so only the lower bound needs clipping, and it is fused
      // into the update — except for the entries also potentiated in this step (rows of this step's
      // input spikes × columns of this step's excitatory spikes), which BindsNET clips after both
      // updates: those are updated without clipping here and clipped after the potentiation.
      const nTail = potentiate ? nExc : 0;
      const dense = this.k.depressRows;
      if (dense !== null && nAE * DENSE_DEPRESSION > stride) {
        // Whole rows, SIMD (inactive columns: w − 0, max(w, 0) = w).
        this.k.rows.set(inSpikes.subarray(0, nIn));
        if (nTail > 0) this.k.tail.set(excNow.subarray(0, nTail));
        dense(nIn, nTail);
      } else {
        // The active columns only; this step's spikes (the tail) moved to the end of activeExc.
        let m = nAE;
        if (nTail > 0) {
          const pos = this.posExc;
          for (let k = 0; k < nTail; k++) {
            const j = excNow[k];
            const to = nAE - 1 - k;
            const other = activeExc[to];
            const from = pos[j];
            activeExc[from] = other;
            pos[other] = from;
            activeExc[to] = j;
            pos[j] = to;
          }
          m = nAE - nTail;
        }
        for (let k = 0; k < nIn; k++) {
          const base = inSpikes[k] * stride;
          for (let a = 0; a < m; a++) {
            const j = activeExc[a];
            const x = Math.fround(w[base + j] - ps[j]);
            // biome-ignore lint/complexity/useMathMinMax: a compare keeps −0 as is, as the reference clip does
            w[base + j] = x < 0 ? 0 : x;
          }
          for (let a = m; a < nAE; a++) {
            const j = activeExc[a];
            w[base + j] -= ps[j];
          }
        }
      }
      for (let a = 0; a < nAE; a++) this.markDirty(activeExc[a]);
    }
    if (potentiate) {
      const table = this.preTable;
      const lastIn = this.lastIn;
      const nu = c.nuPost;
      for (let k = 0; k < nExc; k++) {
        const j = excNow[k];
        for (let a = 0; a < nAI; a++) {
          const i = activeIn[a];
          const idx = i * stride + j;
          const x = Math.fround(w[idx] + Math.fround(table[t - lastIn[i]] * nu));
          // biome-ignore lint/complexity/useMathMinMax: compares, as the reference clip (keeps −0)
          w[idx] = x < 0 ? 0 : x > wmax ? wmax : x;
        }
        this.markDirty(j);
      }
    }
  }
}

/**
 * Poisson input, event-driven: each pixel with intensity v fires independently at every step with
 * probability p = intensity · v/255 · 1 ms (Bernoulli per step, as Brian2's PoissonGroup). Instead of
 * one draw per pixel and step, the next firing step is drawn directly from the geometric
 * distribution of the gap (1 + ⌊ln U / ln(1 − p)⌋), and pixels wait in per-step buckets: the cost
 * is one draw per spike plus one per non-zero pixel.
 */
export class PoissonSource {
  readonly inputs: number;
  readonly time: number;
  /** Per pixel value: 1 / ln(1 − p) (−0 when p = 1; unused for v = 0). */
  private readonly invLog = new Float64Array(256);
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly value: Uint8Array;

  constructor(inputs: number, intensity: number, time: number) {
    this.inputs = inputs;
    this.time = time;
    for (let v = 1; v < 256; v++) {
      const p = Math.min(1, (intensity * v) / 255 / 1000);
      this.invLog[v] = 1 / Math.log(1 - p);
    }
    this.head = new Int32Array(time);
    this.next = new Int32Array(inputs);
    this.value = new Uint8Array(inputs);
  }

  /** Schedules the first spike of every non-zero pixel of `pixels[offset .. offset+inputs)`. */
  begin(pixels: Uint8Array, offset: number, rng: Rng): void {
    const head = this.head;
    head.fill(-1);
    const T = this.time;
    const value = this.value;
    const invLog = this.invLog;
    for (let i = 0; i < this.inputs; i++) {
      const v = pixels[offset + i];
      value[i] = v;
      if (v === 0) continue;
      const s = Math.floor(Math.log(1 - rng.next()) * invLog[v]);
      if (s < T) {
        this.next[i] = head[s];
        head[s] = i;
      }
    }
  }

  /** Writes the pixels firing at step t (ascending) into `out`; returns their count. */
  spikesAt(t: number, out: Int32Array, rng: Rng): number {
    const head = this.head;
    const next = this.next;
    const T = this.time;
    let i = head[t];
    head[t] = -1;
    let k = 0;
    while (i >= 0) {
      const following = next[i];
      // Insertion into the sorted output (a step has a dozen spikes).
      let m = k++;
      while (m > 0 && out[m - 1] > i) {
        out[m] = out[m - 1];
        m--;
      }
      out[m] = i;
      const s = t + 1 + Math.floor(Math.log(1 - rng.next()) * this.invLog[this.value[i]]);
      if (s < T) {
        next[i] = head[s];
        head[s] = i;
      }
      i = following;
    }
    return k;
  }
}
