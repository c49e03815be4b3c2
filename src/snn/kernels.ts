/**
 * Hot loops of the dense synaptic layer, kept apart from the layer API (tfjs-backend-cpu style):
 * plain indexed loops over preallocated typed arrays, no allocation and no calls inside inner loops.
 * Shapes are in the doc comments; all matrices are row-major. W is nIn × nOut.
 */
import { wasmDenseKernels, wasmSimdAvailable } from './wasm/index.ts';

export interface DenseKernels {
  /** Y (rows × out) = bias + Σ_{i fired in row r} W[i, :]  (spike input as CSR). */
  forwardSpikes(
    rows: number,
    out: number,
    rowPtr: Int32Array,
    colIdx: Int32Array,
    W: Float32Array,
    bias: Float32Array | null,
    Y: Float32Array,
  ): void;
  /** Y (rows × out) = bias + X (rows × nIn) W. Zero entries of X are skipped. */
  forwardDense(
    rows: number,
    nIn: number,
    out: number,
    X: Float32Array,
    W: Float32Array,
    bias: Float32Array | null,
    Y: Float32Array,
  ): void;
  /** dW (nIn × out) += Σ_r Σ_{i fired in row r} e_i dY[r, :]. */
  weightGradSpikes(
    rows: number,
    out: number,
    rowPtr: Int32Array,
    colIdx: Int32Array,
    dY: Float32Array,
    dW: Float32Array,
  ): void;
  /** dW (nIn × out) += Xᵀ dY. */
  weightGradDense(
    rows: number,
    nIn: number,
    out: number,
    X: Float32Array,
    dY: Float32Array,
    dW: Float32Array,
  ): void;
  /** db (out) += Σ_r dY[r, :]. */
  biasGrad(rows: number, out: number, dY: Float32Array, db: Float32Array): void;
  /** dX (rows × nIn) = dY (rows × out) Wᵀ. */
  inputGrad(
    rows: number,
    nIn: number,
    out: number,
    dY: Float32Array,
    W: Float32Array,
    dX: Float32Array,
  ): void;
}

export const jsDenseKernels: DenseKernels = {
  forwardSpikes(rows, out, rowPtr, colIdx, W, bias, Y) {
    for (let r = 0; r < rows; r++) {
      const yo = r * out;
      if (bias === null) Y.fill(0, yo, yo + out);
      else Y.set(bias.subarray(0, out), yo);
      const end = rowPtr[r + 1];
      for (let k = rowPtr[r]; k < end; k++) {
        const wo = colIdx[k] * out;
        for (let o = 0; o < out; o++) Y[yo + o] += W[wo + o];
      }
    }
  },
  forwardDense(rows, nIn, out, X, W, bias, Y) {
    for (let r = 0; r < rows; r++) {
      const yo = r * out;
      if (bias === null) Y.fill(0, yo, yo + out);
      else Y.set(bias.subarray(0, out), yo);
      const xo = r * nIn;
      for (let i = 0; i < nIn; i++) {
        const xv = X[xo + i];
        if (xv === 0) continue;
        const wo = i * out;
        for (let o = 0; o < out; o++) Y[yo + o] += xv * W[wo + o];
      }
    }
  },
  weightGradSpikes(rows, out, rowPtr, colIdx, dY, dW) {
    for (let r = 0; r < rows; r++) {
      const yo = r * out;
      const end = rowPtr[r + 1];
      for (let k = rowPtr[r]; k < end; k++) {
        const wo = colIdx[k] * out;
        for (let o = 0; o < out; o++) dW[wo + o] += dY[yo + o];
      }
    }
  },
  weightGradDense(rows, nIn, out, X, dY, dW) {
    for (let r = 0; r < rows; r++) {
      const yo = r * out;
      const xo = r * nIn;
      for (let i = 0; i < nIn; i++) {
        const xv = X[xo + i];
        if (xv === 0) continue;
        const wo = i * out;
        for (let o = 0; o < out; o++) dW[wo + o] += xv * dY[yo + o];
      }
    }
  },
  biasGrad(rows, out, dY, db) {
    for (let r = 0; r < rows; r++) {
      const yo = r * out;
      for (let o = 0; o < out; o++) db[o] += dY[yo + o];
    }
  },
  inputGrad(rows, nIn, out, dY, W, dX) {
    for (let r = 0; r < rows; r++) {
      const yo = r * out;
      const xo = r * nIn;
      for (let i = 0; i < nIn; i++) {
        const wo = i * out;
        let s = 0;
        for (let o = 0; o < out; o++) s += dY[yo + o] * W[wo + o];
        dX[xo + i] = s;
      }
    }
  },
};

/**
 * The kernels in use: WebAssembly SIMD when this runtime supports it (26-36x faster than the JS loops
 * on the hot kernels, see bench/kernels.ts), else plain JS. SPIKETUNE_KERNELS=js forces the JS set.
 */
export let denseKernels: DenseKernels =
  process.env.SPIKETUNE_KERNELS !== 'js' && wasmSimdAvailable() ? wasmDenseKernels : jsDenseKernels;

/** Which kernel set is in use. */
export function denseKernelsName(): 'wasm-simd' | 'js' {
  return denseKernels === jsDenseKernels ? 'js' : 'wasm-simd';
}

export function setDenseKernels(k: DenseKernels): void {
  denseKernels = k;
}
