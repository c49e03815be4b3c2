/**
 * Dense kernels for the marginal-likelihood hot path (n up to a few thousand), register-blocked 2 × 2:
 * every inner loop is a dot product along contiguous rows that updates four accumulators from four
 * loads, which halves the memory traffic of a plain row-times-row loop (V8 does not vectorize, so the
 * loads, not the multiply-adds, bound these loops). Matrices are row-major n × n Float64Array.
 *
 * - `choleskyBlocked`: in-place lower Cholesky factor, the same algorithm and result (up to rounding
 *   order) as `choleskyInPlace` of src/linalg/cholesky.ts, about 1.5–2× faster at n ≥ 300.
 * - `inverseLowerTransposed`: U = L⁻ᵀ (upper triangular) from L.
 * - `gramUpperLower`: the lower triangle of U Uᵀ = L⁻ᵀ L⁻¹ = A⁻¹.
 *
 * A⁻¹ from L therefore costs n³/3 multiply-adds, like LAPACK's potri.
 */

/**
 * Lower Cholesky factor of `a` (n × n, symmetric positive definite; only the lower triangle is read)
 * in place: the lower triangle becomes L, the upper triangle is zeroed. Returns false (leaving `a`
 * partly overwritten) when a pivot is not a positive finite number. Cholesky–Banachiewicz, two rows
 * and two columns at a time.
 */
export function choleskyBlocked(a: Float64Array, n: number): boolean {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const r0 = i * n;
    const r1 = r0 + n;
    // Off-diagonal columns j < i, two at a time.
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const q0 = j * n;
      const q1 = q0 + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = 0; k < j; k++) {
        const a0 = a[r0 + k];
        const a1 = a[r1 + k];
        const b0 = a[q0 + k];
        const b1 = a[q1 + k];
        s00 += a0 * b0;
        s01 += a0 * b1;
        s10 += a1 * b0;
        s11 += a1 * b1;
      }
      const ljj = a[q0 + j];
      const lj1j = a[q1 + j];
      const lj1j1 = a[q1 + j + 1];
      const x0 = (a[r0 + j] - s00) / ljj;
      const x1 = (a[r1 + j] - s10) / ljj;
      a[r0 + j] = x0;
      a[r1 + j] = x1;
      a[r0 + j + 1] = (a[r0 + j + 1] - s01 - x0 * lj1j) / lj1j1;
      a[r1 + j + 1] = (a[r1 + j + 1] - s11 - x1 * lj1j) / lj1j1;
    }
    if (j < i) {
      const q0 = j * n;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < j; k++) {
        const b0 = a[q0 + k];
        s0 += a[r0 + k] * b0;
        s1 += a[r1 + k] * b0;
      }
      const ljj = a[q0 + j];
      a[r0 + j] = (a[r0 + j] - s0) / ljj;
      a[r1 + j] = (a[r1 + j] - s1) / ljj;
    }
    // Diagonal block (i, i), (i + 1, i), (i + 1, i + 1).
    let d0 = 0;
    let d10 = 0;
    let d1 = 0;
    for (let k = 0; k < i; k++) {
      const a0 = a[r0 + k];
      const a1 = a[r1 + k];
      d0 += a0 * a0;
      d10 += a1 * a0;
      d1 += a1 * a1;
    }
    const p0 = a[r0 + i] - d0;
    if (!(p0 > 0) || p0 === Infinity) return false;
    const lii = Math.sqrt(p0);
    a[r0 + i] = lii;
    const l10 = (a[r1 + i] - d10) / lii;
    a[r1 + i] = l10;
    const p1 = a[r1 + i + 1] - d1 - l10 * l10;
    if (!(p1 > 0) || p1 === Infinity) return false;
    a[r1 + i + 1] = Math.sqrt(p1);
    for (let c = i + 1; c < n; c++) a[r0 + c] = 0;
    for (let c = i + 2; c < n; c++) a[r1 + c] = 0;
  }
  if (i < n) {
    // Last row when n is odd.
    const r0 = i * n;
    for (let j = 0; j < i; j++) {
      const q0 = j * n;
      let s = 0;
      for (let k = 0; k < j; k++) s += a[r0 + k] * a[q0 + k];
      a[r0 + j] = (a[r0 + j] - s) / a[q0 + j];
    }
    let s = 0;
    for (let k = 0; k < i; k++) s += a[r0 + k] * a[r0 + k];
    const p = a[r0 + i] - s;
    if (!(p > 0) || p === Infinity) return false;
    a[r0 + i] = Math.sqrt(p);
  }
  return true;
}

/**
 * U = L⁻ᵀ (n × n, upper triangular, strictly lower part zeroed) into `u`, for L lower triangular with
 * a non-zero diagonal (only its lower triangle is read). Row r of U is column r of L⁻¹:
 * U_ri = −(Σ_{r ≤ k < i} L_ik U_rk) / L_ii, computed for rows r, r + 1 and columns i, i + 1 at a time.
 * `u` must not be `l`. n³/6 multiply-adds.
 */
export function inverseLowerTransposed(l: Float64Array, n: number, u: Float64Array): void {
  for (let r = 0; r < n; r++) u.fill(0, r * n, r * n + r);
  let r = 0;
  for (; r + 1 < n; r += 2) {
    const u0 = r * n;
    const u1 = u0 + n;
    const inv0 = 1 / l[r * n + r];
    const inv1 = 1 / l[(r + 1) * n + r + 1];
    u[u0 + r] = inv0;
    u[u1 + r + 1] = inv1;
    u[u0 + r + 1] = -l[(r + 1) * n + r] * inv0 * inv1;
    // U[r + 1, r] = 0, so both rows can sum from k = r.
    let i = r + 2;
    for (; i + 1 < n; i += 2) {
      const li0 = i * n;
      const li1 = li0 + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = r; k < i; k++) {
        const a0 = l[li0 + k];
        const a1 = l[li1 + k];
        const b0 = u[u0 + k];
        const b1 = u[u1 + k];
        s00 += a0 * b0;
        s01 += a0 * b1;
        s10 += a1 * b0;
        s11 += a1 * b1;
      }
      const invI = 1 / l[li0 + i];
      const invI1 = 1 / l[li1 + i + 1];
      const li1i = l[li1 + i];
      const x0 = -s00 * invI;
      const x1 = -s01 * invI;
      u[u0 + i] = x0;
      u[u1 + i] = x1;
      u[u0 + i + 1] = -(s10 + li1i * x0) * invI1;
      u[u1 + i + 1] = -(s11 + li1i * x1) * invI1;
    }
    if (i < n) {
      const li0 = i * n;
      let s0 = 0;
      let s1 = 0;
      for (let k = r; k < i; k++) {
        const a0 = l[li0 + k];
        s0 += a0 * u[u0 + k];
        s1 += a0 * u[u1 + k];
      }
      const invI = 1 / l[li0 + i];
      u[u0 + i] = -s0 * invI;
      u[u1 + i] = -s1 * invI;
    }
  }
  if (r < n) u[r * n + r] = 1 / l[r * n + r];
}

/**
 * Lower triangle (diagonal included) of U Uᵀ into `out` (n × n), for U upper triangular with its
 * strictly lower part zero: (U Uᵀ)_ij = Σ_{k ≥ i} U_ik U_jk for j ≤ i. The upper triangle of `out` is
 * not written. `out` must not be `u`. n³/6 multiply-adds.
 */
export function gramUpperLower(u: Float64Array, n: number, out: Float64Array): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const a0 = i * n;
    const a1 = a0 + n;
    // Columns j, j + 1 ≤ i + 1; sums from k = i (U[i + 1, i] = 0 and U[j, k] covers k ≥ i ≥ j).
    for (let j = 0; j <= i; j += 2) {
      const b0 = j * n;
      const b1 = b0 + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = i; k < n; k++) {
        const x0 = u[a0 + k];
        const x1 = u[a1 + k];
        const y0 = u[b0 + k];
        const y1 = u[b1 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      out[a0 + j] = s00;
      out[a1 + j] = s10;
      out[a1 + j + 1] = s11;
      if (j + 1 <= i) out[a0 + j + 1] = s01;
    }
  }
  if (i < n) {
    // Last row when n is odd: only U[i, i] is non-zero in it.
    const a0 = i * n;
    const uii = u[a0 + i];
    for (let j = 0; j <= i; j++) out[a0 + j] = uii * u[j * n + i];
  }
}
