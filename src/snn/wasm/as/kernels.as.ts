/**
 * WebAssembly SIMD (128-bit, f32x4) kernels of the dense synaptic layer, written in AssemblyScript and
 * compiled by scripts/build-wasm.mjs into ../kernels.wasm (committed; `npm run build:wasm` rebuilds it).
 * The JS side (../index.ts) owns the layout of linear memory: it copies the operands in, calls these
 * functions with byte addresses, and copies the results out. No runtime, no allocation in here.
 *
 * One primitive covers both hot loops of the layer, the gather row-sum: for every target row j,
 *   dst[j, 0:width] = init_j + Σ_{k = ptr[j]}^{ptr[j+1]-1} w_k · src[idx[k], 0:width]
 * (w_k = vals[k], or 1 for spike input). The width is cut into chunks of up to CHUNK f32x4 vectors held
 * in locals (registers), so that every index entry costs one v128.load + f32x4.add per 4 floats and every
 * destination chunk is loaded and stored once. gather (and denseToCsr) work on a range of target rows
 * [j0, j1), so that threads can split the work by disjoint target rows.
 *
 * Buffers handed to these kernels need 16 readable bytes after their end: the last, partial vector of a
 * row whose width is not a multiple of 4 is loaded whole (the extra lanes are never stored).
 *
 * This file is AssemblyScript, not TypeScript: the root tsconfig excludes this folder.
 */

/**
 * Maximum f32x4 accumulators per pass. V8 (x64) gives wasm SIMD values xmm0 to xmm14 and issues the
 * loads of one entry before its adds, so a pass of N vectors needs 2N registers (+1 for the multiplier):
 * 7 fits, 8 spills an accumulator to the stack (a store-to-load chain per entry: 20-25% slower in cache).
 */
const CHUNK: i32 = 7;

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript allows @inline only on functions of a class
class G {
  /**
   * Target row j, column chunk of N vectors at byte offset `off`. Inlined with a constant N: the
   * `N > i` tests fold away and the unused accumulators disappear.
   */
  @inline static pass(
    N: i32,
    j: i32,
    ptr: usize,
    idx: usize,
    vals: usize,
    src: usize,
    srcStride: usize,
    dst: usize,
    dstStride: usize,
    off: usize,
    init: usize,
    mode: i32,
    lastLanes: i32,
  ): void {
    const z = f32x4.splat(0);
    const d = dst + <usize>j * dstStride + off;
    const b: usize = mode === 1 ? init + off : d;
    let a0 = z;
    let a1 = z;
    let a2 = z;
    let a3 = z;
    let a4 = z;
    let a5 = z;
    let a6 = z;
    if (mode !== 0) {
      a0 = v128.load(b, 0);
      if (N > 1) a1 = v128.load(b, 16);
      if (N > 2) a2 = v128.load(b, 32);
      if (N > 3) a3 = v128.load(b, 48);
      if (N > 4) a4 = v128.load(b, 64);
      if (N > 5) a5 = v128.load(b, 80);
      if (N > 6) a6 = v128.load(b, 96);
    }
    let k = load<i32>(ptr + ((<usize>j) << 2));
    const e = load<i32>(ptr + ((<usize>j) << 2), 4);
    if (vals === 0) {
      for (; k < e; k++) {
        const s = src + <usize>load<i32>(idx + ((<usize>k) << 2)) * srcStride + off;
        a0 = f32x4.add(a0, v128.load(s, 0));
        if (N > 1) a1 = f32x4.add(a1, v128.load(s, 16));
        if (N > 2) a2 = f32x4.add(a2, v128.load(s, 32));
        if (N > 3) a3 = f32x4.add(a3, v128.load(s, 48));
        if (N > 4) a4 = f32x4.add(a4, v128.load(s, 64));
        if (N > 5) a5 = f32x4.add(a5, v128.load(s, 80));
        if (N > 6) a6 = f32x4.add(a6, v128.load(s, 96));
      }
    } else {
      for (; k < e; k++) {
        const p = (<usize>k) << 2;
        const s = src + <usize>load<i32>(idx + p) * srcStride + off;
        const m = f32x4.splat(load<f32>(vals + p));
        a0 = f32x4.add(a0, f32x4.mul(v128.load(s, 0), m));
        if (N > 1) a1 = f32x4.add(a1, f32x4.mul(v128.load(s, 16), m));
        if (N > 2) a2 = f32x4.add(a2, f32x4.mul(v128.load(s, 32), m));
        if (N > 3) a3 = f32x4.add(a3, f32x4.mul(v128.load(s, 48), m));
        if (N > 4) a4 = f32x4.add(a4, f32x4.mul(v128.load(s, 64), m));
        if (N > 5) a5 = f32x4.add(a5, f32x4.mul(v128.load(s, 80), m));
        if (N > 6) a6 = f32x4.add(a6, f32x4.mul(v128.load(s, 96), m));
      }
    }
    if (N > 1) v128.store(d, a0, 0);
    if (N > 2) v128.store(d, a1, 16);
    if (N > 3) v128.store(d, a2, 32);
    if (N > 4) v128.store(d, a3, 48);
    if (N > 5) v128.store(d, a4, 64);
    if (N > 6) v128.store(d, a5, 80);
    let last = a0;
    if (N === 2) last = a1;
    if (N === 3) last = a2;
    if (N === 4) last = a3;
    if (N === 5) last = a4;
    if (N === 6) last = a5;
    if (N === 7) last = a6;
    const q = d + <usize>(N - 1) * 16;
    if (lastLanes === 4) {
      v128.store(q, last);
    } else {
      v128.store32_lane(q, last, 0);
      if (lastLanes > 1) v128.store32_lane(q, last, 1, 4);
      if (lastLanes > 2) v128.store32_lane(q, last, 2, 8);
    }
  }
}

/**
 * Gather row-sum over target rows [j0, j1) (see the file comment). ptr: i32 offsets (one per target row,
 * plus one); idx: i32 source rows; vals: f32 multipliers, or 0 for none (spikes). src and dst are f32
 * matrices with row strides in floats. mode 0: init = 0; 1: init = the f32 vector at `init` (bias);
 * 2: init = dst[j] (accumulate).
 */
export function gather(
  j0: i32,
  j1: i32,
  width: i32,
  ptr: usize,
  idx: usize,
  vals: usize,
  src: usize,
  srcStride: i32,
  dst: usize,
  dstStride: i32,
  init: usize,
  mode: i32,
): void {
  const nv = (width + 3) >> 2;
  if (nv <= 0) return;
  const lastLanes = width - ((nv - 1) << 2);
  const ss = (<usize>srcStride) << 2;
  const ds = (<usize>dstStride) << 2;
  // Balanced passes: nv vectors in ceil(nv / CHUNK) passes of `base` or `base + 1` vectors.
  const passes = (nv + CHUNK - 1) / CHUNK;
  const base = nv / passes;
  const extra = nv - base * passes;
  for (let j = j0; j < j1; j++) {
    // Accumulating nothing leaves the row as it is.
    if (mode === 2 && load<i32>(ptr + ((<usize>j) << 2)) === load<i32>(ptr + ((<usize>j) << 2), 4)) continue;
    let v0 = 0;
    for (let pass = 0; pass < passes; pass++) {
      const n = pass < extra ? base + 1 : base;
      const ll = v0 + n === nv ? lastLanes : 4;
      const off = (<usize>v0) << 4;
      v0 += n;
      switch (n) {
        case 1:
          G.pass(1, j, ptr, idx, vals, src, ss, dst, ds, off, init, mode, ll);
          break;
        case 2:
          G.pass(2, j, ptr, idx, vals, src, ss, dst, ds, off, init, mode, ll);
          break;
        case 3:
          G.pass(3, j, ptr, idx, vals, src, ss, dst, ds, off, init, mode, ll);
          break;
        case 4:
          G.pass(4, j, ptr, idx, vals, src, ss, dst, ds, off, init, mode, ll);
          break;
        case 5:
          G.pass(5, j, ptr, idx, vals, src, ss, dst, ds, off, init, mode, ll);
          break;
        case 6:
          G.pass(6, j, ptr, idx, vals, src, ss, dst, ds, off, init, mode, ll);
          break;
        case 7:
          G.pass(7, j, ptr, idx, vals, src, ss, dst, ds, off, init, mode, ll);
          break;
      }
    }
  }
}

/**
 * Checks a CSR index: rowPtr (rows + 1, non-decreasing, from >= 0) and colIdx[rowPtr[0] .. rowPtr[rows])
 * all in [0, nCols). Returns 0 when valid, 1 for a bad rowPtr, 2 for a column out of range.
 */
export function checkCsr(rows: i32, rowPtr: usize, colIdx: usize, nCols: i32): i32 {
  let prev = load<i32>(rowPtr);
  if (prev < 0) return 1;
  for (let r = 1; r <= rows; r++) {
    const v = load<i32>(rowPtr + ((<usize>r) << 2));
    if (v < prev) return 1;
    prev = v;
  }
  const k1 = prev;
  let k = load<i32>(rowPtr);
  const lim = i32x4.splat(nCols);
  let bad = i32x4.splat(0);
  for (; k + 4 <= k1; k += 4) bad = v128.or(bad, i32x4.ge_u(v128.load(colIdx + ((<usize>k) << 2)), lim));
  if (v128.any_true(bad)) return 2;
  for (; k < k1; k++) if (<u32>load<i32>(colIdx + ((<usize>k) << 2)) >= <u32>nCols) return 2;
  return 0;
}

/**
 * Transposes a CSR index (rows × nCols, valid per checkCsr) into a row-blocked CSC: the rows are cut into
 * blocks of `rowsPerBlock`, and block b's column c lists its rows (ascending) in
 * outIdx[outPtr[b·nCols + c] .. outPtr[b·nCols + c + 1]); outPtr has nBlocks·nCols + 1 entries. A
 * counting sort: O(nnz + nBlocks·nCols). Returns nBlocks. (Blocking keeps the source rows of one pass
 * of the weight-gradient gather in cache.)
 */
export function transposeCsr(
  rows: i32,
  nCols: i32,
  rowPtr: usize,
  colIdx: usize,
  outPtr: usize,
  outIdx: usize,
  rowsPerBlock: i32,
): i32 {
  const nb = rows > 0 ? (rows + rowsPerBlock - 1) / rowsPerBlock : 0;
  const nk = nb * nCols;
  memory.fill(outPtr, 0, (<usize>nk + 1) << 2);
  // Counts of key kb + c go to outPtr[kb + c + 1].
  for (let r = 0; r < rows; r++) {
    const kb = <usize>((r / rowsPerBlock) * nCols) + 1;
    const e = load<i32>(rowPtr + ((<usize>r) << 2), 4);
    for (let k = load<i32>(rowPtr + ((<usize>r) << 2)); k < e; k++) {
      const p = outPtr + ((kb + <usize>load<i32>(colIdx + ((<usize>k) << 2))) << 2);
      store<i32>(p, load<i32>(p) + 1);
    }
  }
  // Prefix sums: outPtr[key + 1] = start of key + 1 = end of key.
  let acc = 0;
  for (let c = 1; c <= nk; c++) {
    const p = outPtr + ((<usize>c) << 2);
    acc += load<i32>(p);
    store<i32>(p, acc);
  }
  // Scatter, advancing outPtr[key] (the start of key) to its end, which is the start of key + 1 ...
  for (let r = 0; r < rows; r++) {
    const kb = <usize>((r / rowsPerBlock) * nCols);
    const e = load<i32>(rowPtr + ((<usize>r) << 2), 4);
    for (let k = load<i32>(rowPtr + ((<usize>r) << 2)); k < e; k++) {
      const p = outPtr + ((kb + <usize>load<i32>(colIdx + ((<usize>k) << 2))) << 2);
      const q = load<i32>(p);
      store<i32>(p, q + 1);
      store<i32>(outIdx + ((<usize>q) << 2), r);
    }
  }
  // ... so shifting by one restores the starts.
  memory.copy(outPtr + 4, outPtr, (<usize>nk) << 2);
  store<i32>(outPtr, 0);
  return nb;
}

/**
 * Swizzle patterns for stream compaction: entry m (16 bytes) moves the f32/i32 lanes set in the 4-bit
 * mask m to the front (the other lanes read as 0). Filled at instantiation.
 */
const COMPACT: usize = memory.data(256);
for (let m = 0; m < 16; m++) {
  let j = 0;
  for (let lane = 0; lane < 4; lane++) {
    if ((m & (1 << lane)) === 0) continue;
    for (let byte = 0; byte < 4; byte++) store<u8>(COMPACT + <usize>(m * 16 + j * 4 + byte), lane * 4 + byte);
    j++;
  }
  for (let byte = j * 4; byte < 16; byte++) store<u8>(COMPACT + <usize>(m * 16 + byte), 0x80);
}

/**
 * CSR with values of the nonzero entries of rows [r0, r1) of a dense matrix x (row stride `stride`
 * floats), columns [0, cols): rowPtr gets r1 - r0 + 1 offsets, from 0. Returns nnz. colIdx and vals need
 * room for (r1 - r0)·cols entries plus 16 bytes (whole vectors are stored, SIMD stream compaction).
 */
export function denseToCsr(
  r0: i32,
  r1: i32,
  cols: i32,
  x: usize,
  stride: i32,
  rowPtr: usize,
  colIdx: usize,
  vals: usize,
): i32 {
  let nnz = 0;
  const zero = f32x4.splat(0);
  const four = i32x4.splat(4);
  store<i32>(rowPtr, 0);
  for (let r = r0; r < r1; r++) {
    const base = x + ((<usize>r * <usize>stride) << 2);
    let c = 0;
    let cv = i32x4(0, 1, 2, 3);
    for (; c + 4 <= cols; c += 4) {
      const v = v128.load(base + ((<usize>c) << 2));
      const m = i32x4.bitmask(f32x4.ne(v, zero));
      const pattern = v128.load(COMPACT + ((<usize>m) << 4));
      v128.store(vals + ((<usize>nnz) << 2), i8x16.swizzle(v, pattern));
      v128.store(colIdx + ((<usize>nnz) << 2), i8x16.swizzle(cv, pattern));
      nnz += popcnt<i32>(m);
      cv = i32x4.add(cv, four);
    }
    for (; c < cols; c++) {
      const f = load<f32>(base + ((<usize>c) << 2));
      store<i32>(colIdx + ((<usize>nnz) << 2), c);
      store<f32>(vals + ((<usize>nnz) << 2), f);
      nnz += i32(f !== 0);
    }
    store<i32>(rowPtr + ((<usize>(r - r0) + 1) << 2), nnz);
  }
  return nnz;
}

/**
 * dst = srcᵀ: src is rows × cols (row stride srcStride floats), dst cols × rows (row stride dstStride),
 * by 4 × 4 blocks of f32x4 shuffles.
 */
export function transpose(
  rows: i32,
  cols: i32,
  src: usize,
  srcStride: i32,
  dst: usize,
  dstStride: i32,
): void {
  const ss = (<usize>srcStride) << 2;
  const ds = (<usize>dstStride) << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const s = src + <usize>r * ss;
    const d = dst + ((<usize>r) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const sc = s + ((<usize>c) << 2);
      const a = v128.load(sc);
      const b = v128.load(sc + ss);
      const e = v128.load(sc + 2 * ss);
      const f = v128.load(sc + 3 * ss);
      const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(e, f, 0, 4, 1, 5);
      const t3 = i32x4.shuffle(e, f, 2, 6, 3, 7);
      const dc = d + <usize>c * ds;
      v128.store(dc, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
      v128.store(dc + ds, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
      v128.store(dc + 2 * ds, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
      v128.store(dc + 3 * ds, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
    }
    for (; c < cols; c++) {
      for (let q = 0; q < 4; q++) {
        store<f32>(d + <usize>c * ds + ((<usize>q) << 2), load<f32>(s + <usize>q * ss + ((<usize>c) << 2)));
      }
    }
  }
  for (; r < rows; r++) {
    const s = src + <usize>r * ss;
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + <usize>c * ds + ((<usize>r) << 2), load<f32>(s + ((<usize>c) << 2)));
    }
  }
}

/** p[0 .. n) = 0, 1, ..., n - 1 (i32). */
export function iota(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(p + ((<usize>i) << 2), i);
}

/** First byte address free for the caller's buffers. */
export function heapBase(): usize {
  return __heap_base;
}
