/**
 * Time-batched activations. Every layer of the surrogate-gradient engine works on all time steps of a
 * mini-batch at once: a tensor has `rows = T·B` rows, **time-major** (row `t·B + b` is sample `b` at
 * step `t`), and `cols` features, row-major in a Float32Array. Feed-forward synaptic operations (dense,
 * convolution, pooling, dropout) have no memory across time, so they run over all T·B rows in one
 * call; only neuron layers iterate over time.
 *
 * Spike tensors carry, besides their 0/1 values, the list of active columns of each row (CSR), so
 * that the next synaptic layer can accumulate the weight rows of the inputs that fired instead of
 * multiplying zeros ("event-driven").
 */

/** Real-valued activations (rows × cols, row-major). */
export interface DenseActivations {
  readonly kind: 'dense';
  readonly rows: number;
  readonly cols: number;
  /** rows × cols, row-major. */
  readonly values: Float32Array;
}

/** Binary spikes (rows × cols) with, per row, the indices of the columns that fired. */
export interface SpikeActivations {
  readonly kind: 'spikes';
  readonly rows: number;
  readonly cols: number;
  /** rows × cols, row-major, each 0 or 1. */
  readonly values: Float32Array;
  /** rows + 1 offsets into colIdx: row r's active columns are colIdx[rowPtr[r] .. rowPtr[r+1]). */
  readonly rowPtr: Int32Array;
  /** Active column indices, ascending within a row; length >= rowPtr[rows]. */
  readonly colIdx: Int32Array;
}

export type Activations = DenseActivations | SpikeActivations;

/** Shape of one sample's features: [C, H, W] for images / feature maps, [N] for flat vectors. */
export type Shape = readonly [number] | readonly [number, number, number];

export function shapeSize(s: Shape): number {
  return s.length === 1 ? s[0] : s[0] * s[1] * s[2];
}

/** A growable Float32Array buffer: reallocated only when a larger size is requested. */
export function ensureF32(buf: Float32Array | undefined, size: number): Float32Array {
  return buf !== undefined && buf.length >= size ? buf : new Float32Array(size);
}

/** A growable Int32Array buffer: reallocated only when a larger size is requested. */
export function ensureI32(buf: Int32Array | undefined, size: number): Int32Array {
  return buf !== undefined && buf.length >= size ? buf : new Int32Array(size);
}

/**
 * Builds the CSR index of a 0/1 matrix (rows × cols) into the given buffers (grown as needed).
 * Returns the (possibly reallocated) buffers.
 */
export function indexSpikes(
  values: Float32Array,
  rows: number,
  cols: number,
  rowPtr: Int32Array | undefined,
  colIdx: Int32Array | undefined,
): { rowPtr: Int32Array; colIdx: Int32Array } {
  const rp = ensureI32(rowPtr, rows + 1);
  let ci = colIdx ?? new Int32Array(Math.max(16, (rows * cols) >> 3));
  let nnz = 0;
  rp[0] = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    if (nnz + cols > ci.length) {
      const grown = new Int32Array(Math.max(ci.length * 2, nnz + cols));
      grown.set(ci.subarray(0, nnz));
      ci = grown;
    }
    for (let c = 0; c < cols; c++) {
      if (values[base + c] !== 0) ci[nnz++] = c;
    }
    rp[r + 1] = nnz;
  }
  return { rowPtr: rp, colIdx: ci };
}
