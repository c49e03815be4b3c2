/**
 * Losses on the output layer of a spiking network, with their gradients. Tensors are time-major
 * (row t·B + b), C output neurons.
 *
 * - `count-ce`: cross-entropy on spike counts, logits z_bc = Σ_t s_tbc; L = mean_b CE(z_b, y_b).
 *   dL/ds_tbc = (softmax(z_b)_c − [c = y_b]) / B for every t.
 * - `membrane-ce`: cross-entropy on the membrane at every step (snnTorch `ce_rate_loss` style),
 *   L = (1/T) Σ_t mean_b CE(u_tb, y_b); gradient goes to the pre-reset membrane u_t.
 * - `rate-mse`: mean squared error between spike counts and target counts (SLAYER / snnTorch
 *   `mse_count_loss`): target T·correctRate for the label neuron, T·incorrectRate for the others;
 *   L = mean_{b,c} (z_bc − target_bc)². dL/ds_tbc = 2 (z_bc − target_bc) / (B C).
 *
 * Predictions: argmax of spike counts (first index on ties), or of the time-averaged membrane for
 * `membrane-ce`.
 */
import { ValidationError } from '../../core/errors.ts';
import { checkNumber } from '../../core/validate.ts';

export type LossSpec =
  | { readonly kind: 'count-ce' }
  | { readonly kind: 'membrane-ce' }
  | { readonly kind: 'rate-mse'; readonly correctRate: number; readonly incorrectRate: number };

export const lossKinds = ['count-ce', 'membrane-ce', 'rate-mse'] as const;

export function validateLoss(l: LossSpec, field = 'loss'): LossSpec {
  switch (l.kind) {
    case 'count-ce':
    case 'membrane-ce':
      return l;
    case 'rate-mse':
      checkNumber(`${field}.correctRate`, l.correctRate, 0, 1);
      checkNumber(`${field}.incorrectRate`, l.incorrectRate, 0, 1);
      return l;
    default:
      throw new ValidationError(
        `${field}.kind`,
        (l as { kind: unknown }).kind,
        `expected one of ${lossKinds.join(', ')}`,
      );
  }
}

/** Output of the last layer for one mini-batch. */
export interface OutputView {
  readonly T: number;
  readonly B: number;
  readonly C: number;
  /** Spikes, T·B × C. */
  readonly spikes: Float32Array;
  /** Pre-reset membrane, T·B × C. */
  readonly membrane: Float32Array;
}

export interface LossValue {
  /** Mean loss over the batch. */
  readonly loss: number;
  /** Number of correct predictions in the batch. */
  readonly correct: number;
}

/** Writes the predicted class of each of the B samples into `pred`. */
export function predict(spec: LossSpec, out: OutputView, pred: Int32Array): void {
  const { T, B, C } = out;
  const src = spec.kind === 'membrane-ce' ? out.membrane : out.spikes;
  for (let b = 0; b < B; b++) {
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < C; c++) {
      let z = 0;
      for (let t = 0; t < T; t++) z += src[(t * B + b) * C + c];
      if (z > bestV) {
        bestV = z;
        best = c;
      }
    }
    pred[b] = best;
  }
}

/**
 * Computes the loss of a batch and writes its gradients: dL/ds into `dSpikes` (T·B × C) and dL/du
 * into `dMembrane` (T·B × C) — each is fully overwritten (zeros where the loss does not depend on it).
 * `labels[b]` is the class of sample b.
 */
export function lossAndGrad(
  spec: LossSpec,
  out: OutputView,
  labels: ArrayLike<number>,
  dSpikes: Float32Array,
  dMembrane: Float32Array,
): LossValue {
  const { T, B, C } = out;
  const n = T * B * C;
  dSpikes.fill(0, 0, n);
  dMembrane.fill(0, 0, n);
  const z = new Float64Array(C);
  let loss = 0;
  let correct = 0;
  for (let b = 0; b < B; b++) {
    const y = labels[b];
    if (spec.kind === 'membrane-ce') {
      const zAvg = new Float64Array(C);
      for (let t = 0; t < T; t++) {
        const o = (t * B + b) * C;
        for (let c = 0; c < C; c++) {
          z[c] = out.membrane[o + c];
          zAvg[c] += z[c];
        }
        loss += softmaxCe(z, y, C) / T;
        for (let c = 0; c < C; c++) dMembrane[o + c] = (z[c] - (c === y ? 1 : 0)) / (T * B);
      }
      if (argmax(zAvg, C) === y) correct++;
      continue;
    }
    z.fill(0);
    for (let t = 0; t < T; t++) {
      const o = (t * B + b) * C;
      for (let c = 0; c < C; c++) z[c] += out.spikes[o + c];
    }
    if (argmax(z, C) === y) correct++;
    if (spec.kind === 'count-ce') {
      loss += softmaxCe(z, y, C);
      // z now holds softmax probabilities.
      for (let t = 0; t < T; t++) {
        const o = (t * B + b) * C;
        for (let c = 0; c < C; c++) dSpikes[o + c] = (z[c] - (c === y ? 1 : 0)) / B;
      }
    } else {
      for (let c = 0; c < C; c++) {
        const target = T * (c === y ? spec.correctRate : spec.incorrectRate);
        const diff = z[c] - target;
        loss += (diff * diff) / C;
        const g = (2 * diff) / (B * C);
        for (let t = 0; t < T; t++) dSpikes[(t * B + b) * C + c] = g;
      }
    }
  }
  return { loss: loss / B, correct };
}

/** Returns CE(z, y) and overwrites z with softmax(z). */
function softmaxCe(z: Float64Array, y: number, C: number): number {
  let m = -Infinity;
  for (let c = 0; c < C; c++) if (z[c] > m) m = z[c];
  let s = 0;
  for (let c = 0; c < C; c++) {
    z[c] = Math.exp(z[c] - m);
    s += z[c];
  }
  const ce = -Math.log(z[y] / s);
  for (let c = 0; c < C; c++) z[c] /= s;
  return ce;
}

function argmax(z: Float64Array, C: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (z[c] > z[best]) best = c;
  return best;
}
