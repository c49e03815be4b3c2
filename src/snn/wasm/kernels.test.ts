import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { jsDenseKernels } from '../kernels.ts';
import { indexSpikes } from '../tensor.ts';
import {
  GATHER_ACCUMULATE,
  type KernelProfile,
  WasmDenseKernels,
  wasmDenseKernels,
  wasmSimdAvailable,
  weightGradRowsPerBlock,
} from './index.ts';

// 63 and 130: several passes (of up to 7 vectors) ending in a partial vector.
const WIDTHS = [1, 3, 4, 10, 17, 63, 64, 130, 256, 300];

function uniform(n: number, rng: Rng, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** A spike matrix (rows × cols) with density p, where every third row is silent, and its CSR. */
function spikes(rows: number, cols: number, p: number, rng: Rng) {
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    if (r % 3 === 1) continue;
    for (let c = 0; c < cols; c++) values[r * cols + c] = rng.next() < p ? 1 : 0;
  }
  return { values, ...indexSpikes(values, rows, cols, undefined, undefined) };
}

/** A dense matrix with about half its entries exactly 0 (and silent rows), as the kernels skip zeros. */
function sparseDense(rows: number, cols: number, rng: Rng): Float32Array {
  const a = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    if (r % 4 === 2) continue;
    for (let c = 0; c < cols; c++) if (rng.next() < 0.5) a[r * cols + c] = rng.uniform(-2, 2);
  }
  return a;
}

const abs = (a: Float32Array): Float32Array => a.map(Math.abs);

/**
 * |got - want| <= rel · scale elementwise, where scale is the same computation on absolute values (the
 * sum of |terms|, the natural bound of float32 rounding error whatever the summation order).
 */
function expectClose(got: Float32Array, want: Float32Array, scale: Float32Array, rel = 1e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]) - rel * (scale[i] + 1e-30);
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
      at = i;
    }
  }
  expect(at, at < 0 ? '' : `index ${at}: got ${got[at]}, want ${want[at]} (scale ${scale[at]})`).toBe(-1);
}

describe('wasm SIMD dense kernels', () => {
  it('are available on Node >= 20', () => {
    expect(wasmSimdAvailable()).toBe(true);
  });

  const k = wasmDenseKernels;
  const js = jsDenseKernels;

  it('forwardSpikes equals the JS reference bit for bit (same summation order)', () => {
    const rng = new Rng(1);
    for (const out of WIDTHS) {
      for (const [rows, nIn] of [
        [7, 5],
        [33, 40],
      ]) {
        for (const withBias of [false, true]) {
          const x = spikes(rows, nIn, 0.3, rng);
          const W = uniform(nIn * out, rng);
          const b = withBias ? uniform(out, rng) : null;
          const want = new Float32Array(rows * out + 5).fill(7);
          const got = new Float32Array(rows * out + 5).fill(7);
          js.forwardSpikes(rows, out, x.rowPtr, x.colIdx, W, b, want);
          k.forwardSpikes(rows, out, x.rowPtr, x.colIdx, W, b, got);
          expect(got, `out ${out} rows ${rows} bias ${withBias}`).toEqual(want);
        }
      }
    }
  });

  it('weightGradSpikes accumulates into dW bit for bit, over several row blocks', () => {
    const rng = new Rng(2);
    for (const out of WIDTHS) {
      // Enough rows for several blocks of the blocked transpose at the wider widths.
      const rows = Math.min(400, 3 * weightGradRowsPerBlock(out) + 5);
      const nIn = 23;
      const x = spikes(rows, nIn, 0.25, rng);
      const dY = uniform(rows * out, rng);
      const dW0 = uniform(nIn * out, rng);
      const want = dW0.slice();
      const got = dW0.slice();
      js.weightGradSpikes(rows, out, x.rowPtr, x.colIdx, dY, want);
      k.weightGradSpikes(rows, out, x.rowPtr, x.colIdx, dY, got);
      expect(got, `out ${out}`).toEqual(want);
    }
  });

  it('biasGrad accumulates column sums into db bit for bit', () => {
    const rng = new Rng(3);
    for (const out of WIDTHS) {
      for (const rows of [1, 9, 150]) {
        const dY = uniform(rows * out, rng);
        const db0 = uniform(out, rng);
        const want = db0.slice();
        const got = db0.slice();
        js.biasGrad(rows, out, dY, want);
        k.biasGrad(rows, out, dY, got);
        expect(got, `out ${out} rows ${rows}`).toEqual(want);
      }
    }
  });

  it('forwardDense matches the JS reference to float32 rounding', () => {
    const rng = new Rng(4);
    for (const out of WIDTHS) {
      for (const [rows, nIn] of [
        [6, 3],
        [21, 37],
      ]) {
        for (const withBias of [false, true]) {
          const X = sparseDense(rows, nIn, rng);
          const W = uniform(nIn * out, rng);
          const b = withBias ? uniform(out, rng) : null;
          const want = new Float32Array(rows * out);
          const scale = new Float32Array(rows * out);
          const got = new Float32Array(rows * out);
          js.forwardDense(rows, nIn, out, X, W, b, want);
          js.forwardDense(rows, nIn, out, abs(X), abs(W), b === null ? null : abs(b), scale);
          k.forwardDense(rows, nIn, out, X, W, b, got);
          expectClose(got, want, scale);
        }
      }
    }
  });

  it('weightGradDense accumulates Xᵀ dY into dW to float32 rounding', () => {
    const rng = new Rng(5);
    for (const out of WIDTHS) {
      const rows = Math.min(400, 2 * weightGradRowsPerBlock(out) + 3);
      const nIn = 19;
      const X = sparseDense(rows, nIn, rng);
      const dY = uniform(rows * out, rng);
      const dW0 = uniform(nIn * out, rng);
      const want = dW0.slice();
      const scale = abs(dW0);
      const got = dW0.slice();
      js.weightGradDense(rows, nIn, out, X, dY, want);
      js.weightGradDense(rows, nIn, out, abs(X), abs(dY), scale);
      k.weightGradDense(rows, nIn, out, X, dY, got);
      expectClose(got, want, scale);
    }
  });

  it('inputGrad computes dY Wᵀ to float32 rounding', () => {
    const rng = new Rng(6);
    for (const out of WIDTHS) {
      for (const nIn of [1, 3, 5, 7, 17, 64, 130]) {
        const rows = 11;
        const dY = sparseDense(rows, out, rng);
        const W = uniform(nIn * out, rng);
        const want = new Float32Array(rows * nIn);
        const scale = new Float32Array(rows * nIn);
        const got = new Float32Array(rows * nIn).fill(Number.NaN);
        js.inputGrad(rows, nIn, out, dY, W, want);
        js.inputGrad(rows, nIn, out, abs(dY), abs(W), scale);
        k.inputGrad(rows, nIn, out, dY, W, got);
        expectClose(got, want, scale);
      }
    }
  });

  it('stays correct while its memory grows and shrinks back to small problems', () => {
    const w = new WasmDenseKernels();
    const rng = new Rng(7);
    const before = w.memoryBytes;
    for (const [rows, nIn, out] of [
      [4, 3, 2],
      [600, 300, 256],
      [5, 7, 10],
      [900, 400, 300],
    ]) {
      const x = spikes(rows, nIn, 0.3, rng);
      const W = uniform(nIn * out, rng);
      const b = uniform(out, rng);
      const want = new Float32Array(rows * out);
      const got = new Float32Array(rows * out);
      js.forwardSpikes(rows, out, x.rowPtr, x.colIdx, W, b, want);
      w.forwardSpikes(rows, out, x.rowPtr, x.colIdx, W, b, got);
      expect(got).toEqual(want);
    }
    expect(w.memoryBytes).toBeGreaterThan(before);
  });

  it('accepts CSR buffers longer than needed and leaves the rest of Y alone', () => {
    const rng = new Rng(8);
    const x = spikes(9, 12, 0.4, rng);
    const colIdx = new Int32Array(x.colIdx.length + 50).fill(12345);
    colIdx.set(x.colIdx);
    const W = uniform(12 * 6, rng);
    const want = new Float32Array(9 * 6 + 3).fill(-1);
    const got = want.slice();
    js.forwardSpikes(9, 6, x.rowPtr, x.colIdx, W, null, want);
    k.forwardSpikes(9, 6, x.rowPtr, colIdx, W, null, got);
    expect(got).toEqual(want);
  });

  it('rejects column indices outside W and malformed row pointers', () => {
    const W = new Float32Array(4 * 3);
    const Y = new Float32Array(2 * 3);
    const dW = new Float32Array(4 * 3);
    expect(() => k.forwardSpikes(2, 3, Int32Array.of(0, 1, 2), Int32Array.of(1, 4), W, null, Y)).toThrow(
      RangeError,
    );
    expect(() => k.weightGradSpikes(2, 3, Int32Array.of(0, 1, 2), Int32Array.of(-1, 0), Y, dW)).toThrow(
      RangeError,
    );
    expect(() => k.forwardSpikes(2, 3, Int32Array.of(0, 2, 1), Int32Array.of(1, 2), W, null, Y)).toThrow(
      RangeError,
    );
    expect(() => k.forwardSpikes(2, 3, Int32Array.of(0, 1, 9), Int32Array.of(1, 2), W, null, Y)).toThrow(
      RangeError,
    );
  });

  it('handles zero rows', () => {
    const Y = new Float32Array(3).fill(5);
    k.forwardSpikes(0, 3, Int32Array.of(0), new Int32Array(0), new Float32Array(6), null, Y);
    k.forwardDense(0, 2, 3, new Float32Array(0), new Float32Array(6), null, Y);
    expect(Y).toEqual(new Float32Array(3).fill(5));
  });

  it('records per-phase timings when profiling', () => {
    const w = new WasmDenseKernels();
    const profile: KernelProfile = { copyIn: 0, index: 0, kernel: 0, copyOut: 0 };
    w.profile = profile;
    const rng = new Rng(9);
    const x = spikes(50, 30, 0.3, rng);
    w.forwardSpikes(50, 20, x.rowPtr, x.colIdx, uniform(600, rng), null, new Float32Array(1000));
    w.weightGradSpikes(50, 20, x.rowPtr, x.colIdx, uniform(1000, rng), new Float32Array(600));
    const total = profile.copyIn + profile.index + profile.kernel + profile.copyOut;
    expect(total).toBeGreaterThan(0);
  });

  it('gathers any sub-range of target rows, so that threads can split the work', () => {
    const w = new WasmDenseKernels();
    const ex = w.wasm;
    const rng = new Rng(10);
    const rows = 40;
    const nIn = 30;
    const out = 45;
    const x = spikes(rows, nIn, 0.3, rng);
    const W = uniform(nIn * out, rng);
    const want = new Float32Array(rows * out);
    js.forwardSpikes(rows, out, x.rowPtr, x.colIdx, W, null, want);
    // Lay the operands out by hand (the wrapper's layout is private) and gather in two ranges.
    const mem = ex.memory;
    const base = Math.ceil(ex.heapBase() / 64) * 64;
    const nnz = x.rowPtr[rows];
    const pRP = base;
    const pCI = pRP + 4 * (rows + 1) + 64;
    const pW = pCI + 4 * nnz + 64;
    const pY = pW + 4 * W.length + 64;
    const end = pY + 4 * rows * out + 64;
    if (end > mem.buffer.byteLength) mem.grow(Math.ceil((end - mem.buffer.byteLength) / 65536));
    new Int32Array(mem.buffer, pRP, rows + 1).set(x.rowPtr.subarray(0, rows + 1));
    new Int32Array(mem.buffer, pCI, nnz).set(x.colIdx.subarray(0, nnz));
    new Float32Array(mem.buffer, pW, W.length).set(W);
    const Y = new Float32Array(mem.buffer, pY, rows * out);
    Y.fill(0);
    ex.gather(17, rows, out, pRP, pCI, 0, pW, out, pY, out, 0, GATHER_ACCUMULATE);
    ex.gather(0, 17, out, pRP, pCI, 0, pW, out, pY, out, 0, GATHER_ACCUMULATE);
    expect(Float32Array.from(Y)).toEqual(want);
  });
});
