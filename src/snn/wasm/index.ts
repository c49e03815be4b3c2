/**
 * WebAssembly SIMD implementation of the dense-layer kernels (see ../kernels.ts for the contract and the
 * plain-JS reference). The module (kernels.wasm, compiled from as/kernels.as.ts by
 * scripts/build-wasm.mjs and committed) has its own linear memory: every call lays its operands out in
 * that memory (TypedArray.set, i.e. memcpy), runs the kernels on byte addresses and copies the result
 * back. The memory grows on demand and is kept, so that steady-state calls allocate nothing in wasm.
 *
 * How each kernel maps onto the single gather row-sum primitive of the module
 * (dst[j, :] = init + Σ_k w_k src[idx[k], :], see as/kernels.as.ts):
 * - forwardSpikes: target rows = output rows, idx = the CSR of the spikes, src = W, init = bias.
 * - forwardDense: the same with a CSR-with-values built from X in wasm (zeros skipped).
 * - weightGradSpikes: the CSR is transposed (counting sort) into a CSC cut into blocks of rows of dY, so
 *   that one pass's dY rows stay in cache; per block: target rows = rows of dW, src = dY, init = dW
 *   itself (accumulate).
 * - weightGradDense: the same per block of rows, the block's CSC-with-values built by a SIMD transpose of
 *   the block of X and a SIMD stream compaction of its nonzeros.
 * - biasGrad: one target row gathering every row of dY into db.
 * - inputGrad: dX = dY Wᵀ as a weighted gather over the nonzeros of dY with src = Wᵀ (transposed in
 *   wasm), so that the SIMD width is nIn rather than out (out is 10 for an output layer).
 * For spike input every float is summed in the same order as in jsDenseKernels, so forwardSpikes,
 * weightGradSpikes and biasGrad agree bit for bit; products (dense input) may differ by float32 rounding.
 */
import { readFileSync } from 'node:fs';
import type { DenseKernels } from '../kernels.ts';

/**
 * The little of the WebAssembly JS API used here, typed locally: the project's lib (ES2022, no DOM) does
 * not declare it.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The functions exported by kernels.wasm (addresses are byte offsets into `memory`). */
export interface WasmKernelExports {
  readonly memory: WasmMemory;
  gather(
    j0: number,
    j1: number,
    width: number,
    ptr: number,
    idx: number,
    vals: number,
    src: number,
    srcStride: number,
    dst: number,
    dstStride: number,
    init: number,
    mode: number,
  ): void;
  checkCsr(rows: number, rowPtr: number, colIdx: number, nCols: number): number;
  transposeCsr(
    rows: number,
    nCols: number,
    rowPtr: number,
    colIdx: number,
    outPtr: number,
    outIdx: number,
    rowsPerBlock: number,
  ): number;
  denseToCsr(
    r0: number,
    r1: number,
    cols: number,
    x: number,
    stride: number,
    rowPtr: number,
    colIdx: number,
    vals: number,
  ): number;
  transpose(rows: number, cols: number, src: number, srcStride: number, dst: number, dstStride: number): void;
  iota(p: number, n: number): void;
  heapBase(): number;
}

/** Gather modes (the `mode` argument of `gather`). */
export const GATHER_ZERO = 0;
export const GATHER_INIT = 1;
export const GATHER_ACCUMULATE = 2;

/**
 * Bytes of dY per row block of the weight-gradient gather: a block's source rows are read once per row
 * of dW, so they should stay in cache. 16 to 64 KiB (at least 32 rows) measured best, within noise, on a
 * 48 KiB-L1 / 2 MiB-L2 x64 (bench/kernels.ts; 256 KiB took ~10% longer, no blocking ~1.8× as long).
 */
export const WEIGHT_GRAD_BLOCK_BYTES = 32 * 1024;

/** Rows of dY per block of the weight-gradient gather for a given width. */
export function weightGradRowsPerBlock(out: number): number {
  return Math.max(32, Math.floor(WEIGHT_GRAD_BLOCK_BYTES / (4 * Math.max(1, out))));
}

/** Milliseconds spent per phase, accumulated while `profile` is set on a WasmDenseKernels. */
export interface KernelProfile {
  /** Copying operands into wasm memory (and growing it). */
  copyIn: number;
  /** Checking and building indices (CSR checks, CSR from dense, CSC transposes, Wᵀ). */
  index: number;
  /** The gather kernels proper. */
  kernel: number;
  /** Copying results out of wasm memory. */
  copyOut: number;
}

const PAGE = 65536;
/** Alignment of every buffer in wasm memory (a cache line). */
const ALIGN = 64;
/** Readable slack after every buffer (the kernels load the last partial f32x4 of a row whole). */
const SLACK = 16;

let compiled: object | null | undefined;

function wasmModule(): object | null {
  if (compiled === undefined) {
    compiled = null;
    if (wasmApi === undefined) return null;
    try {
      // Compilation validates the module: it fails where the engine lacks 128-bit SIMD.
      compiled = new wasmApi.Module(readFileSync(new URL('./kernels.wasm', import.meta.url)));
    } catch {
      // compiled stays null
    }
  }
  return compiled;
}

/** Whether the WebAssembly SIMD kernels can run here (false: keep jsDenseKernels). */
export function wasmSimdAvailable(): boolean {
  return wasmModule() !== null;
}

/** A fresh instance of kernels.wasm, with its own memory. Throws when wasmSimdAvailable() is false. */
export function instantiateKernels(): WasmKernelExports {
  const mod = wasmModule();
  if (mod === null || wasmApi === undefined) {
    throw new Error('WebAssembly SIMD kernels are not available in this runtime');
  }
  return new wasmApi.Instance(mod, {}).exports as WasmKernelExports;
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`wasm dense kernels: ${what}`);
}

/** The dense-layer kernels on one wasm instance (one linear memory, used by one thread). */
export class WasmDenseKernels implements DenseKernels {
  readonly wasm: WasmKernelExports;
  /** Set to an object to accumulate per-phase timings into it (bench/kernels.ts); null: no timing. */
  profile: KernelProfile | null = null;
  private readonly base: number;
  private top = 0;
  private f32: Float32Array;
  private i32: Int32Array;
  private t0 = 0;

  constructor(wasm: WasmKernelExports = instantiateKernels()) {
    this.wasm = wasm;
    this.base = align(wasm.heapBase());
    this.f32 = new Float32Array(wasm.memory.buffer);
    this.i32 = new Int32Array(wasm.memory.buffer);
  }

  /** Current size of the wasm linear memory in bytes. */
  get memoryBytes(): number {
    return this.wasm.memory.buffer.byteLength;
  }

  forwardSpikes(
    rows: number,
    out: number,
    rowPtr: Int32Array,
    colIdx: Int32Array,
    W: Float32Array,
    bias: Float32Array | null,
    Y: Float32Array,
  ): void {
    if (rows <= 0 || out <= 0) return;
    const nIn = Math.floor(W.length / out);
    need(Y.length >= rows * out, 'Y is too short');
    need(bias === null || bias.length >= out, 'bias is too short');
    this.begin();
    const pRP = this.putI32(rowPtr, rows + 1);
    const pCI = this.putI32(colIdx, this.csrEnd(rows, rowPtr, colIdx));
    const pW = this.putF32(W, nIn * out);
    const pB = bias === null ? 0 : this.putF32(bias, out);
    const pY = this.alloc(rows * out);
    this.mark('copyIn');
    this.checkCsr(rows, pRP, pCI, nIn);
    this.mark('index');
    const mode = bias === null ? GATHER_ZERO : GATHER_INIT;
    this.wasm.gather(0, rows, out, pRP, pCI, 0, pW, out, pY, out, pB, mode);
    this.mark('kernel');
    this.getF32(Y, pY, rows * out);
    this.mark('copyOut');
  }

  forwardDense(
    rows: number,
    nIn: number,
    out: number,
    X: Float32Array,
    W: Float32Array,
    bias: Float32Array | null,
    Y: Float32Array,
  ): void {
    if (rows <= 0 || out <= 0) return;
    need(X.length >= rows * nIn && W.length >= nIn * out && Y.length >= rows * out, 'operand too short');
    need(bias === null || bias.length >= out, 'bias is too short');
    this.begin();
    const pX = this.putF32(X, rows * nIn);
    const pW = this.putF32(W, nIn * out);
    const pB = bias === null ? 0 : this.putF32(bias, out);
    const pRP = this.alloc(rows + 1);
    const pCI = this.alloc(rows * nIn);
    const pV = this.alloc(rows * nIn);
    const pY = this.alloc(rows * out);
    this.mark('copyIn');
    this.wasm.denseToCsr(0, rows, nIn, pX, nIn, pRP, pCI, pV);
    this.mark('index');
    const mode = bias === null ? GATHER_ZERO : GATHER_INIT;
    this.wasm.gather(0, rows, out, pRP, pCI, pV, pW, out, pY, out, pB, mode);
    this.mark('kernel');
    this.getF32(Y, pY, rows * out);
    this.mark('copyOut');
  }

  weightGradSpikes(
    rows: number,
    out: number,
    rowPtr: Int32Array,
    colIdx: Int32Array,
    dY: Float32Array,
    dW: Float32Array,
  ): void {
    if (rows <= 0 || out <= 0) return;
    const nIn = Math.floor(dW.length / out);
    need(dY.length >= rows * out, 'dY is too short');
    this.begin();
    const pRP = this.putI32(rowPtr, rows + 1);
    const end = this.csrEnd(rows, rowPtr, colIdx);
    const pCI = this.putI32(colIdx, end);
    const pdY = this.putF32(dY, rows * out);
    const pdW = this.putF32(dW, nIn * out);
    // The CSR transposed into a CSC cut into blocks of rows of dY (see weightGradRowsPerBlock).
    const rpb = weightGradRowsPerBlock(out);
    const nb = Math.ceil(rows / rpb);
    const pCP = this.alloc(nb * nIn + 1);
    const pRI = this.alloc(end - rowPtr[0]);
    this.mark('copyIn');
    this.checkCsr(rows, pRP, pCI, nIn);
    this.wasm.transposeCsr(rows, nIn, pRP, pCI, pCP, pRI, rpb);
    this.mark('index');
    for (let b = 0; b < nb; b++) {
      this.wasm.gather(0, nIn, out, pCP + 4 * b * nIn, pRI, 0, pdY, out, pdW, out, 0, GATHER_ACCUMULATE);
    }
    this.mark('kernel');
    this.getF32(dW, pdW, nIn * out);
    this.mark('copyOut');
  }

  weightGradDense(
    rows: number,
    nIn: number,
    out: number,
    X: Float32Array,
    dY: Float32Array,
    dW: Float32Array,
  ): void {
    if (rows <= 0 || out <= 0 || nIn <= 0) return;
    need(X.length >= rows * nIn && dY.length >= rows * out && dW.length >= nIn * out, 'operand too short');
    this.begin();
    const pX = this.putF32(X, rows * nIn);
    const pdY = this.putF32(dY, rows * out);
    const pdW = this.putF32(dW, nIn * out);
    // Per block of rows of dY: Xᵀ of the block, the CSR (with values) of its nonzeros, the gather.
    const rpb = Math.min(rows, weightGradRowsPerBlock(out));
    const pXt = this.alloc(nIn * rpb);
    const pRP = this.alloc(nIn + 1);
    const pCI = this.alloc(nIn * rpb);
    const pV = this.alloc(nIn * rpb);
    this.mark('copyIn');
    const ex = this.wasm;
    for (let r0 = 0; r0 < rows; r0 += rpb) {
      const rb = Math.min(rpb, rows - r0);
      ex.transpose(rb, nIn, pX + 4 * r0 * nIn, nIn, pXt, rb);
      ex.denseToCsr(0, nIn, rb, pXt, rb, pRP, pCI, pV);
      this.mark('index');
      ex.gather(0, nIn, out, pRP, pCI, pV, pdY + 4 * r0 * out, out, pdW, out, 0, GATHER_ACCUMULATE);
      this.mark('kernel');
    }
    this.getF32(dW, pdW, nIn * out);
    this.mark('copyOut');
  }

  biasGrad(rows: number, out: number, dY: Float32Array, db: Float32Array): void {
    if (rows <= 0 || out <= 0) return;
    need(dY.length >= rows * out && db.length >= out, 'operand too short');
    this.begin();
    const pdY = this.putF32(dY, rows * out);
    const pdb = this.putF32(db, out);
    const pP = this.alloc(2);
    const pI = this.alloc(rows);
    this.mark('copyIn');
    this.i32[pP >> 2] = 0;
    this.i32[(pP >> 2) + 1] = rows;
    this.wasm.iota(pI, rows);
    this.mark('index');
    this.wasm.gather(0, 1, out, pP, pI, 0, pdY, out, pdb, out, 0, GATHER_ACCUMULATE);
    this.mark('kernel');
    this.getF32(db, pdb, out);
    this.mark('copyOut');
  }

  inputGrad(
    rows: number,
    nIn: number,
    out: number,
    dY: Float32Array,
    W: Float32Array,
    dX: Float32Array,
  ): void {
    if (rows <= 0 || nIn <= 0) return;
    need(dY.length >= rows * out && W.length >= nIn * out && dX.length >= rows * nIn, 'operand too short');
    this.begin();
    const pdY = this.putF32(dY, rows * out);
    const pW = this.putF32(W, nIn * out);
    const pWt = this.alloc(out * nIn);
    const pRP = this.alloc(rows + 1);
    const pCI = this.alloc(rows * out);
    const pV = this.alloc(rows * out);
    const pdX = this.alloc(rows * nIn);
    this.mark('copyIn');
    this.wasm.transpose(nIn, out, pW, out, pWt, nIn);
    this.wasm.denseToCsr(0, rows, out, pdY, out, pRP, pCI, pV);
    this.mark('index');
    this.wasm.gather(0, rows, nIn, pRP, pCI, pV, pWt, nIn, pdX, nIn, 0, GATHER_ZERO);
    this.mark('kernel');
    this.getF32(dX, pdX, rows * nIn);
    this.mark('copyOut');
  }

  /** rowPtr[rows], checked against colIdx. */
  private csrEnd(rows: number, rowPtr: Int32Array, colIdx: Int32Array): number {
    need(rowPtr.length > rows, 'rowPtr is too short');
    const end = rowPtr[rows];
    need(end >= 0 && end <= colIdx.length, 'rowPtr[rows] is outside colIdx');
    return end;
  }

  private checkCsr(rows: number, pRP: number, pCI: number, nCols: number): void {
    const bad = this.wasm.checkCsr(rows, pRP, pCI, nCols);
    need(bad !== 1, 'rowPtr is not a non-decreasing list of offsets');
    need(bad !== 2, `a column index is outside [0, ${nCols})`);
  }

  private begin(): void {
    this.top = this.base;
    if (this.profile !== null) this.t0 = performance.now();
  }

  private mark(phase: keyof KernelProfile): void {
    const p = this.profile;
    if (p === null) return;
    const t = performance.now();
    p[phase] += t - this.t0;
    this.t0 = t;
  }

  /** Reserves n 4-byte elements (plus slack), growing the memory if needed; returns the byte address. */
  private alloc(n: number): number {
    const at = this.top;
    this.top = align(at + 4 * n + SLACK);
    const mem = this.wasm.memory;
    if (this.top > mem.buffer.byteLength) {
      // Grow by at least a quarter, so that a slowly growing workload does not grow on every call.
      const want = Math.max(this.top, Math.ceil(mem.buffer.byteLength * 1.25));
      mem.grow(Math.ceil((want - mem.buffer.byteLength) / PAGE));
    }
    if (this.f32.buffer !== mem.buffer) {
      this.f32 = new Float32Array(mem.buffer);
      this.i32 = new Int32Array(mem.buffer);
    }
    return at;
  }

  private putF32(a: Float32Array, n: number): number {
    const at = this.alloc(n);
    this.f32.set(a.length === n ? a : a.subarray(0, n), at >> 2);
    return at;
  }

  private putI32(a: Int32Array, n: number): number {
    const at = this.alloc(n);
    this.i32.set(a.length === n ? a : a.subarray(0, n), at >> 2);
    return at;
  }

  private getF32(dst: Float32Array, at: number, n: number): void {
    dst.set(this.f32.subarray(at >> 2, (at >> 2) + n));
  }
}

function align(x: number): number {
  return Math.ceil(x / ALIGN) * ALIGN;
}

let shared: WasmDenseKernels | null = null;

function kernels(): WasmDenseKernels {
  if (shared === null) shared = new WasmDenseKernels();
  return shared;
}

/**
 * The WebAssembly SIMD dense kernels (one shared instance, created on first use). Check
 * wasmSimdAvailable() first: where it is false every call throws.
 */
export const wasmDenseKernels: DenseKernels = {
  forwardSpikes: (rows, out, rowPtr, colIdx, W, bias, Y) =>
    kernels().forwardSpikes(rows, out, rowPtr, colIdx, W, bias, Y),
  forwardDense: (rows, nIn, out, X, W, bias, Y) => kernels().forwardDense(rows, nIn, out, X, W, bias, Y),
  weightGradSpikes: (rows, out, rowPtr, colIdx, dY, dW) =>
    kernels().weightGradSpikes(rows, out, rowPtr, colIdx, dY, dW),
  weightGradDense: (rows, nIn, out, X, dY, dW) => kernels().weightGradDense(rows, nIn, out, X, dY, dW),
  biasGrad: (rows, out, dY, db) => kernels().biasGrad(rows, out, dY, db),
  inputGrad: (rows, nIn, out, dY, W, dX) => kernels().inputGrad(rows, nIn, out, dY, W, dX),
};
