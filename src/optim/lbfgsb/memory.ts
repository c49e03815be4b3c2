/** The compact limited-memory BFGS matrix of the L-BFGS-B solver. */
import { choleskyInPlace, cholSolve } from '../../linalg/cholesky.ts';

/**
 * The limited-memory BFGS matrix B = θI − W M Wᵀ in compact form. Pairs (s_j, y_j), j = 0 (oldest)
 * … k−1, are rows of S and Y (k × n). M = [[−D, Lᵀ], [L, θSᵀS]]⁻¹ with D = diag(s_jᵀy_j) and
 * L_ij = s_iᵀy_j for i > j; it is applied through the Cholesky factor J of
 * T = θSᵀS + L D⁻¹ Lᵀ (k × k), as in the reference code.
 */
export class Memory {
  k = 0;
  theta = 1;
  readonly s: Float64Array;
  readonly y: Float64Array;
  /** sy[i·m + j] = s_iᵀ y_j. */
  readonly sy: Float64Array;
  /** ss[i·m + j] = s_iᵀ s_j. */
  readonly ss: Float64Array;
  /** Cholesky factor of T, packed k × k. */
  readonly j: Float64Array;
  private readonly t: Float64Array;
  private readonly q2: Float64Array;

  constructor(
    readonly n: number,
    readonly m: number,
  ) {
    this.s = new Float64Array(m * n);
    this.y = new Float64Array(m * n);
    this.sy = new Float64Array(m * m);
    this.ss = new Float64Array(m * m);
    this.j = new Float64Array(m * m);
    this.t = new Float64Array(m);
    this.q2 = new Float64Array(m);
  }

  reset(): void {
    this.k = 0;
    this.theta = 1;
  }

  /** Adds a pair (sᵀy > 0 assumed); returns false (and resets) if T is not numerically PD. */
  add(sv: Float64Array, yv: Float64Array, sTy: number, yTy: number): boolean {
    const { n, m } = this;
    if (this.k === m) {
      this.s.copyWithin(0, n);
      this.y.copyWithin(0, n);
      for (let i = 0; i + 1 < m; i++) {
        for (let q = 0; q + 1 < m; q++) {
          this.sy[i * m + q] = this.sy[(i + 1) * m + q + 1];
          this.ss[i * m + q] = this.ss[(i + 1) * m + q + 1];
        }
      }
      this.k = m - 1;
    }
    const k = this.k;
    this.s.set(sv, k * n);
    this.y.set(yv, k * n);
    for (let q = 0; q <= k; q++) {
      let sky = 0;
      let syk = 0;
      let sks = 0;
      const oq = q * n;
      const ok = k * n;
      for (let i = 0; i < n; i++) {
        sky += this.s[ok + i] * this.y[oq + i];
        syk += this.s[oq + i] * this.y[ok + i];
        sks += this.s[ok + i] * this.s[oq + i];
      }
      this.sy[k * m + q] = sky;
      this.sy[q * m + k] = syk;
      this.ss[k * m + q] = sks;
      this.ss[q * m + k] = sks;
    }
    this.sy[k * m + k] = sTy;
    this.k = k + 1;
    this.theta = yTy / sTy;
    if (!this.formT()) {
      this.reset();
      return false;
    }
    return true;
  }

  private formT(): boolean {
    const { k, m, theta } = this;
    const jm = this.j;
    for (let i = 0; i < k; i++) {
      for (let q = 0; q <= i; q++) {
        let v = theta * this.ss[i * m + q];
        for (let l = 0; l < q; l++) v += (this.sy[i * m + l] * this.sy[q * m + l]) / this.sy[l * m + l];
        jm[i * k + q] = v;
      }
    }
    return choleskyInPlace(jm, k);
  }

  /** out (2k) = M v (2k). `out` must not be `v`. */
  applyM(v: Float64Array, out: Float64Array): void {
    const { k, m } = this;
    const t = this.t;
    // q2 = T⁻¹ (v2 + L D⁻¹ v1); q1 = D⁻¹ (Lᵀ q2 − v1).
    for (let i = 0; i < k; i++) {
      let s = v[k + i];
      for (let q = 0; q < i; q++) s += (this.sy[i * m + q] * v[q]) / this.sy[q * m + q];
      t[i] = s;
    }
    const q2 = cholSolve(this.j, k, t, this.q2);
    for (let i = 0; i < k; i++) {
      let s = -v[i];
      for (let q = i + 1; q < k; q++) s += this.sy[q * m + i] * q2[q];
      out[i] = s / this.sy[i * m + i];
      out[k + i] = q2[i];
    }
  }

  /** out (2k) = row i of W: [y_0[i] … y_{k−1}[i], θ s_0[i] … θ s_{k−1}[i]]. */
  row(i: number, out: Float64Array): void {
    const { k, n, theta } = this;
    for (let q = 0; q < k; q++) {
      out[q] = this.y[q * n + i];
      out[k + q] = theta * this.s[q * n + i];
    }
  }
}
