/**
 * Read-outs of the excitatory layer: from what each sample made the layer do to a class.
 *
 * A sample's activity is stored as its **firing order** (the excitatory neurons in the order they
 * spiked; within a step, ascending index), which also gives its spike counts. `SpikeOrders` holds
 * many samples in CSR form. Decoders (BindsNET `bindsnet.evaluation`, with the differences noted):
 *
 * - label assignment: rates[j, c] = mean spike count of neuron j over the samples of class c;
 *   neuron j's class is argmax_c rates[j, c], its proportions rates[j, :] / Σ_c rates[j, c]. A neuron
 *   that never fired is unassigned (BindsNET assigns it class 0 with a zero rate, which lowers class
 *   0's mean in `all`).
 * - all: score_c = mean count of the neurons assigned to c; the class with the highest score.
 * - vote (proportion weighting): score_c = Σ_{j assigned c} proportions[j, c] · count_j / |assigned c|.
 * - 2gram / 3gram: every run of n consecutive neurons in a training sample's firing order adds one
 *   to that n-gram's count for the sample's class; a sample scores the sum of its n-grams' counts
 *   (all of them: BindsNET's loop skips the last one); a sample with no known n-gram falls back to
 *   `all`.
 * - logreg: softmax regression on the counts (scaled by the mean non-zero count of the training
 *   set, no centring so that features stay sparse), Adam on mini-batches of 32, seeded.
 *
 * Ties go to the lowest class index (a sample that fired nothing is predicted as class 0).
 */
import type { Rng } from '../../core/rng.ts';

/** Firing orders of many samples: sample s fired idx[ptr[s] .. ptr[s+1]) in that order. */
export interface SpikeOrders {
  readonly samples: number;
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
}

/** Grows a `SpikeOrders` one sample at a time. */
export class SpikeOrdersBuilder {
  private ptr: Int32Array;
  private idx: Int32Array;
  private samples = 0;

  constructor(expectedSamples = 1024) {
    this.ptr = new Int32Array(Math.max(1, expectedSamples) + 1);
    this.idx = new Int32Array(Math.max(16, expectedSamples * 16));
  }

  add(order: ArrayLike<number>, length: number): void {
    if (this.samples + 2 > this.ptr.length) {
      const p = new Int32Array(this.ptr.length * 2);
      p.set(this.ptr);
      this.ptr = p;
    }
    const start = this.ptr[this.samples];
    if (start + length > this.idx.length) {
      const x = new Int32Array(Math.max(this.idx.length * 2, start + length));
      x.set(this.idx);
      this.idx = x;
    }
    for (let k = 0; k < length; k++) this.idx[start + k] = order[k];
    this.samples++;
    this.ptr[this.samples] = start + length;
  }

  build(): SpikeOrders {
    const s = this.samples;
    return { samples: s, ptr: this.ptr.slice(0, s + 1), idx: this.idx.slice(0, this.ptr[s]) };
  }
}

/** Spike orders from explicit per-sample lists (tests, synthetic data). */
export function ordersFrom(lists: readonly (readonly number[])[]): SpikeOrders {
  const b = new SpikeOrdersBuilder(lists.length);
  for (const l of lists) b.add(l, l.length);
  return b.build();
}

export interface LabelAssignment {
  readonly neurons: number;
  readonly classes: number;
  /** Class of each neuron, −1 for a neuron that never fired. */
  readonly assignments: Int32Array;
  /** neurons × classes, row-major. */
  readonly proportions: Float64Array;
  /** neurons × classes: mean spike count per sample of each class. */
  readonly rates: Float64Array;
}

function argmax(scores: ArrayLike<number>, offset: number, len: number): number {
  let best = 0;
  let bv = scores[offset];
  for (let c = 1; c < len; c++) {
    if (scores[offset + c] > bv) {
      bv = scores[offset + c];
      best = c;
    }
  }
  return best;
}

/** Assigns every neuron the class it responds to most (mean spike count per sample of the class). */
export function assignLabels(
  orders: SpikeOrders,
  labels: ArrayLike<number>,
  neurons: number,
  classes: number,
): LabelAssignment {
  const sums = new Float64Array(neurons * classes);
  const perClass = new Float64Array(classes);
  for (let s = 0; s < orders.samples; s++) {
    const c = labels[s];
    perClass[c]++;
    for (let k = orders.ptr[s]; k < orders.ptr[s + 1]; k++) sums[orders.idx[k] * classes + c]++;
  }
  const rates = new Float64Array(neurons * classes);
  const proportions = new Float64Array(neurons * classes);
  const assignments = new Int32Array(neurons).fill(-1);
  for (let j = 0; j < neurons; j++) {
    let total = 0;
    for (let c = 0; c < classes; c++) {
      const r = perClass[c] > 0 ? sums[j * classes + c] / perClass[c] : 0;
      rates[j * classes + c] = r;
      total += r;
    }
    if (total > 0) {
      for (let c = 0; c < classes; c++) proportions[j * classes + c] = rates[j * classes + c] / total;
      assignments[j] = argmax(rates, j * classes, classes);
    }
  }
  return { neurons, classes, assignments, proportions, rates };
}

/** Per-sample class scores of `all` (weighted = false) or `vote` (weighted = true). */
function activityScores(orders: SpikeOrders, a: LabelAssignment, weighted: boolean): Float64Array {
  const C = a.classes;
  const nAssigned = new Float64Array(C);
  for (let j = 0; j < a.neurons; j++) if (a.assignments[j] >= 0) nAssigned[a.assignments[j]]++;
  const scores = new Float64Array(orders.samples * C);
  for (let s = 0; s < orders.samples; s++) {
    for (let k = orders.ptr[s]; k < orders.ptr[s + 1]; k++) {
      const j = orders.idx[k];
      const c = a.assignments[j];
      if (c < 0) continue;
      scores[s * C + c] += weighted ? a.proportions[j * C + c] : 1;
    }
    for (let c = 0; c < C; c++) if (nAssigned[c] > 0) scores[s * C + c] /= nAssigned[c];
  }
  return scores;
}

function argmaxRows(scores: Float64Array, samples: number, C: number): Int32Array {
  const out = new Int32Array(samples);
  for (let s = 0; s < samples; s++) out[s] = argmax(scores, s * C, C);
  return out;
}

/** BindsNET `all_activity`: the class whose assigned neurons fired most on average. */
export function predictAllActivity(orders: SpikeOrders, a: LabelAssignment): Int32Array {
  return argmaxRows(activityScores(orders, a, false), orders.samples, a.classes);
}

/** BindsNET `proportion_weighting`: as `all`, each spike weighted by its neuron's proportion. */
export function predictVote(orders: SpikeOrders, a: LabelAssignment): Int32Array {
  return argmaxRows(activityScores(orders, a, true), orders.samples, a.classes);
}

/** n-gram scores over firing orders (BindsNET `update_ngram_scores` / `ngram`). */
export class NgramDecoder {
  readonly n: number;
  readonly neurons: number;
  readonly classes: number;
  private readonly scores = new Map<number, Float64Array>();

  constructor(n: number, neurons: number, classes: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n-gram length must be >= 1, got ${n}`);
    this.n = n;
    this.neurons = neurons;
    this.classes = classes;
  }

  /** Number of distinct n-grams seen in training. */
  get size(): number {
    return this.scores.size;
  }

  private key(idx: Int32Array, at: number): number {
    let k = 0;
    for (let m = 0; m < this.n; m++) k = k * this.neurons + idx[at + m];
    return k;
  }

  fit(orders: SpikeOrders, labels: ArrayLike<number>): this {
    for (let s = 0; s < orders.samples; s++) {
      const end = orders.ptr[s + 1] - this.n;
      for (let k = orders.ptr[s]; k <= end; k++) {
        const key = this.key(orders.idx, k);
        let row = this.scores.get(key);
        if (row === undefined) {
          row = new Float64Array(this.classes);
          this.scores.set(key, row);
        }
        row[labels[s]]++;
      }
    }
    return this;
  }

  /** Predictions; samples with no known n-gram take `fallback[s]` (e.g. the `all` prediction). */
  predict(orders: SpikeOrders, fallback?: Int32Array): Int32Array {
    const C = this.classes;
    const out = new Int32Array(orders.samples);
    const score = new Float64Array(C);
    for (let s = 0; s < orders.samples; s++) {
      score.fill(0);
      let known = false;
      const end = orders.ptr[s + 1] - this.n;
      for (let k = orders.ptr[s]; k <= end; k++) {
        const row = this.scores.get(this.key(orders.idx, k));
        if (row === undefined) continue;
        known = true;
        for (let c = 0; c < C; c++) score[c] += row[c];
      }
      out[s] = known || fallback === undefined ? argmax(score, 0, C) : fallback[s];
    }
    return out;
  }
}

export interface LogisticOptions {
  readonly epochs: number;
  readonly lr: number;
  readonly batchSize?: number;
  /** L2 penalty on the weights (not the biases). */
  readonly l2?: number;
  readonly rng: Rng;
}

/** Softmax regression on spike counts, trained with Adam (sparse features, dense parameters). */
export class LogisticDecoder {
  readonly neurons: number;
  readonly classes: number;
  /** neurons × classes, then classes biases. */
  readonly params: Float64Array;
  /** Features are count / scale. */
  scale = 1;

  constructor(neurons: number, classes: number) {
    this.neurons = neurons;
    this.classes = classes;
    this.params = new Float64Array((neurons + 1) * classes);
  }

  /** Sparse counts of sample s: (neuron, count) pairs into the given buffers; returns their number. */
  private static counts(
    orders: SpikeOrders,
    s: number,
    seen: Int32Array,
    ids: Int32Array,
    cnt: Float64Array,
  ): number {
    let m = 0;
    for (let k = orders.ptr[s]; k < orders.ptr[s + 1]; k++) {
      const j = orders.idx[k];
      if (seen[j] < 0) {
        seen[j] = m;
        ids[m] = j;
        cnt[m] = 0;
        m++;
      }
      cnt[seen[j]]++;
    }
    for (let q = 0; q < m; q++) seen[ids[q]] = -1;
    return m;
  }

  fit(orders: SpikeOrders, labels: ArrayLike<number>, opts: LogisticOptions): this {
    const N = this.neurons;
    const C = this.classes;
    const P = this.params;
    P.fill(0);
    const seen = new Int32Array(N).fill(-1);
    const ids = new Int32Array(N);
    const cnt = new Float64Array(N);
    // Scale: the mean non-zero count, so that typical features are ~1.
    let nz = 0;
    let total = 0;
    for (let s = 0; s < orders.samples; s++) {
      const m = LogisticDecoder.counts(orders, s, seen, ids, cnt);
      nz += m;
      for (let q = 0; q < m; q++) total += cnt[q];
    }
    this.scale = nz > 0 ? total / nz : 1;
    const inv = 1 / this.scale;
    const B = opts.batchSize ?? 32;
    const l2 = opts.l2 ?? 1e-4;
    const grad = new Float64Array(P.length);
    const m1 = new Float64Array(P.length);
    const m2 = new Float64Array(P.length);
    const b1 = 0.9;
    const b2 = 0.999;
    const eps = 1e-8;
    let step = 0;
    const order = new Int32Array(orders.samples);
    for (let s = 0; s < order.length; s++) order[s] = s;
    const logits = new Float64Array(C);
    for (let e = 0; e < opts.epochs; e++) {
      opts.rng.shuffle(order);
      for (let start = 0; start < order.length; start += B) {
        const end = Math.min(order.length, start + B);
        grad.fill(0);
        for (let q = start; q < end; q++) {
          const s = order[q];
          const m = LogisticDecoder.counts(orders, s, seen, ids, cnt);
          this.logitsInto(ids, cnt, m, inv, logits);
          softmaxInPlace(logits);
          logits[labels[s]] -= 1; // dLoss/dlogits
          for (let r = 0; r < m; r++) {
            const x = cnt[r] * inv;
            const base = ids[r] * C;
            for (let c = 0; c < C; c++) grad[base + c] += x * logits[c];
          }
          const bb = N * C;
          for (let c = 0; c < C; c++) grad[bb + c] += logits[c];
        }
        const bs = end - start;
        step++;
        const c1 = 1 - b1 ** step;
        const c2 = 1 - b2 ** step;
        const wEnd = N * C;
        for (let k = 0; k < P.length; k++) {
          const g = grad[k] / bs + (k < wEnd ? l2 * P[k] : 0);
          m1[k] = b1 * m1[k] + (1 - b1) * g;
          m2[k] = b2 * m2[k] + (1 - b2) * g * g;
          P[k] -= (opts.lr * (m1[k] / c1)) / (Math.sqrt(m2[k] / c2) + eps);
        }
      }
    }
    return this;
  }

  private logitsInto(ids: Int32Array, cnt: Float64Array, m: number, inv: number, out: Float64Array): void {
    const C = this.classes;
    const P = this.params;
    const bb = this.neurons * C;
    for (let c = 0; c < C; c++) out[c] = P[bb + c];
    for (let r = 0; r < m; r++) {
      const x = cnt[r] * inv;
      const base = ids[r] * C;
      for (let c = 0; c < C; c++) out[c] += x * P[base + c];
    }
  }

  predict(orders: SpikeOrders): Int32Array {
    const N = this.neurons;
    const seen = new Int32Array(N).fill(-1);
    const ids = new Int32Array(N);
    const cnt = new Float64Array(N);
    const logits = new Float64Array(this.classes);
    const out = new Int32Array(orders.samples);
    for (let s = 0; s < orders.samples; s++) {
      const m = LogisticDecoder.counts(orders, s, seen, ids, cnt);
      this.logitsInto(ids, cnt, m, 1 / this.scale, logits);
      out[s] = argmax(logits, 0, this.classes);
    }
    return out;
  }
}

function softmaxInPlace(x: Float64Array): void {
  let mx = -Infinity;
  for (let c = 0; c < x.length; c++) if (x[c] > mx) mx = x[c];
  let s = 0;
  for (let c = 0; c < x.length; c++) {
    x[c] = Math.exp(x[c] - mx);
    s += x[c];
  }
  for (let c = 0; c < x.length; c++) x[c] /= s;
}

/** Fraction of predictions equal to the labels (0 for an empty set). */
export function accuracy(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (pred.length === 0) return 0;
  let ok = 0;
  for (let s = 0; s < pred.length; s++) if (pred[s] === labels[s]) ok++;
  return ok / pred.length;
}
