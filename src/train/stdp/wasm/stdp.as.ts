// @ts-nocheck -- AssemblyScript, not TypeScript: compiled by ./build.mjs into ./stdp.wasm.
/**
 * WebAssembly SIMD (128-bit) kernels of the event-driven STDP network (../network.ts), which owns
 * the layout of linear memory: W, the current vector and the neuron state live here for the whole
 * run, so no call copies anything. Every kernel has a plain-JS twin in network.ts doing the same
 * IEEE operations in the same order, so that both give bit-identical results (the tests check it):
 *
 * - rowSum: cur = Σ_k W[idx[k], :] in float32 (the input current of a step; rows added in order).
 * - excStep: one step of the adaptive-threshold LIF layer in float64, two neurons per f64x2.
 * - depressRows: the pre-synaptic STDP update of whole rows, W[i, :] = max(W[i, :] − ps, 0) in
 *   float32 (ps = nuPre · x_post, 0 for the excitatory neurons silent in this sample), except the
 *   `tail` columns (neurons spiking in this step, also potentiated) which are not clipped yet.
 *
 * Rows of W and every vector are `stride` floats (a multiple of 4), 16-byte aligned, so there are no
 * partial vectors. No runtime, no allocation in here.
 */

/** cur[0 .. stride) = Σ_{k < count} W[idx[k], 0 .. stride), float32, in index order. */
export function rowSum(count: i32, idx: usize, w: usize, stride: i32, cur: usize): void {
  const nv = stride >> 2;
  const rowBytes = (<usize>stride) << 2;
  const z = f32x4.splat(0);
  let v = 0;
  for (; v + 4 <= nv; v += 4) {
    const off = (<usize>v) << 4;
    let a0 = z;
    let a1 = z;
    let a2 = z;
    let a3 = z;
    for (let k = 0; k < count; k++) {
      const s = w + <usize>load<i32>(idx + ((<usize>k) << 2)) * rowBytes + off;
      a0 = f32x4.add(a0, v128.load(s, 0));
      a1 = f32x4.add(a1, v128.load(s, 16));
      a2 = f32x4.add(a2, v128.load(s, 32));
      a3 = f32x4.add(a3, v128.load(s, 48));
    }
    const d = cur + off;
    v128.store(d, a0, 0);
    v128.store(d, a1, 16);
    v128.store(d, a2, 32);
    v128.store(d, a3, 48);
  }
  for (; v < nv; v++) {
    const off = (<usize>v) << 4;
    let a = z;
    for (let k = 0; k < count; k++) {
      a = f32x4.add(a, v128.load(w + <usize>load<i32>(idx + ((<usize>k) << 2)) * rowBytes + off));
    }
    v128.store(cur + off, a);
  }
}

/**
 * One step of the excitatory layer (BindsNET DiehlAndCookNodes), neurons [0, n):
 *   v = d·(v − rest) + rest;  θ = θ·dθ (learning);  v += cur if t > until;
 *   crossed if v >= thr + θ: v = reset, until = t + refr, θ += θ+ (learning).
 * v, θ, until: float64; cur: float32. Writes the crossed neurons (ascending) to `crossed`, returns
 * their number.
 */
export function excStep(
  n: i32,
  t: f64,
  cur: usize,
  v: usize,
  theta: usize,
  until: usize,
  crossed: usize,
  rest: f64,
  d: f64,
  thr: f64,
  reset: f64,
  refr: f64,
  learning: i32,
  dTheta: f64,
  thetaPlus: f64,
): i32 {
  const vRest = f64x2.splat(rest);
  const vD = f64x2.splat(d);
  const vThr = f64x2.splat(thr);
  const vT = f64x2.splat(t);
  const vDTheta = f64x2.splat(dTheta);
  let nc = 0;
  for (let j = 0; j < n; j += 2) {
    const pv = v + ((<usize>j) << 3);
    const pth = theta + ((<usize>j) << 3);
    let x = f64x2.add(f64x2.mul(vD, f64x2.sub(v128.load(pv), vRest)), vRest);
    let th = v128.load(pth);
    if (learning !== 0) {
      th = f64x2.mul(th, vDTheta);
      v128.store(pth, th);
    }
    const c = f64x2.promote_low_f32x4(v128.load64_zero(cur + ((<usize>j) << 2)));
    const open = f64x2.gt(vT, v128.load(until + ((<usize>j) << 3)));
    x = v128.bitselect(f64x2.add(x, c), x, open);
    const cross = f64x2.ge(x, f64x2.add(vThr, th));
    v128.store(pv, x);
    if (v128.any_true(cross)) {
      const bits = i64x2.bitmask(cross);
      for (let l = 0; l < 2; l++) {
        const jj = j + l;
        if (((bits >> l) & 1) !== 0 && jj < n) {
          store<i32>(crossed + ((<usize>nc) << 2), jj);
          nc++;
          const o = (<usize>jj) << 3;
          store<f64>(v + o, reset);
          store<f64>(until + o, t + refr);
          if (learning !== 0) store<f64>(theta + o, load<f64>(theta + o) + thetaPlus);
        }
      }
    }
  }
  return nc;
}

/**
 * Pre-synaptic STDP on the rows rows[0 .. nRows) of W: W[i, :] = max(W[i, :] − ps, 0), float32,
 * except the columns tail[0 .. nTail), which get W − ps unclipped (`saved`: nTail floats of scratch).
 */
export function depressRows(
  nRows: i32,
  rows: usize,
  w: usize,
  stride: i32,
  ps: usize,
  tail: usize,
  nTail: i32,
  saved: usize,
): void {
  const nv = stride >> 2;
  const rowBytes = (<usize>stride) << 2;
  const z = f32x4.splat(0);
  for (let r = 0; r < nRows; r++) {
    const base = w + <usize>load<i32>(rows + ((<usize>r) << 2)) * rowBytes;
    for (let q = 0; q < nTail; q++) {
      const col = <usize>load<i32>(tail + ((<usize>q) << 2));
      store<f32>(saved + ((<usize>q) << 2), load<f32>(base + (col << 2)));
    }
    let v = 0;
    for (; v + 4 <= nv; v += 4) {
      const p = base + ((<usize>v) << 4);
      const s = ps + ((<usize>v) << 4);
      v128.store(p, f32x4.max(f32x4.sub(v128.load(p, 0), v128.load(s, 0)), z), 0);
      v128.store(p, f32x4.max(f32x4.sub(v128.load(p, 16), v128.load(s, 16)), z), 16);
      v128.store(p, f32x4.max(f32x4.sub(v128.load(p, 32), v128.load(s, 32)), z), 32);
      v128.store(p, f32x4.max(f32x4.sub(v128.load(p, 48), v128.load(s, 48)), z), 48);
    }
    for (; v < nv; v++) {
      const p = base + ((<usize>v) << 4);
      v128.store(p, f32x4.max(f32x4.sub(v128.load(p), v128.load(ps + ((<usize>v) << 4))), z));
    }
    for (let q = 0; q < nTail; q++) {
      const col = <usize>load<i32>(tail + ((<usize>q) << 2));
      store<f32>(base + (col << 2), load<f32>(saved + ((<usize>q) << 2)) - load<f32>(ps + (col << 2)));
    }
  }
}

/** First byte address free for the caller's buffers. */
export function heapBase(): usize {
  return __heap_base;
}
