/** Small dense helpers of the L-BFGS-B solver: dot products, breakpoint sorting, a dense solve. */

/** Machine epsilon of float64. */
export const EPS = 2.220446049250313e-16;

export function dot(a: Float64Array, b: Float64Array, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += a[i] * b[i];
  return s;
}

/** Insertion sort of idx[0 … len) by key[idx] (breakpoint counts are small; n ≈ tens). */
export function sortByKey(idx: Int32Array, len: number, key: Float64Array): void {
  if (len > 64) {
    const sorted = Array.from(idx.subarray(0, len)).sort((a, b) => key[a] - key[b]);
    for (let i = 0; i < len; i++) idx[i] = sorted[i];
    return;
  }
  for (let i = 1; i < len; i++) {
    const v = idx[i];
    const kv = key[v];
    let j = i - 1;
    while (j >= 0 && key[idx[j]] > kv) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = v;
  }
}

/**
 * Solves A x = b in place (A: n × n row-major, overwritten; b: overwritten by x) by Gaussian
 * elimination with partial pivoting. Returns false when A is numerically singular.
 */
export function solveDense(a: Float64Array, n: number, b: Float64Array): boolean {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]));
  if (!(scale > 0) || !Number.isFinite(scale)) return false;
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(a[col * n + col]);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(a[r * n + col]);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (!(best > EPS * scale)) return false;
    if (piv !== col) {
      for (let q = 0; q < n; q++) {
        const tmp = a[col * n + q];
        a[col * n + q] = a[piv * n + q];
        a[piv * n + q] = tmp;
      }
      const tb = b[col];
      b[col] = b[piv];
      b[piv] = tb;
    }
    const inv = 1 / a[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col] * inv;
      if (factor === 0) continue;
      for (let q = col; q < n; q++) a[r * n + q] -= factor * a[col * n + q];
      b[r] -= factor * b[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let q = r + 1; q < n; q++) s -= a[r * n + q] * b[q];
    b[r] = s / a[r * n + r];
  }
  return true;
}
