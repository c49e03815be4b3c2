/**
 * Matérn-5/2 kernel with automatic relevance determination (one lengthscale per input dimension):
 *
 *   k(x, x') = σ² (1 + √5 r + 5r²/3) e^{−√5 r},   r = ‖(x − x') / ℓ‖  (elementwise division),
 *
 * with lengthscales ℓ_1 … ℓ_d > 0 and output scale σ² > 0. Inputs are row-major Float64Array:
 * `x` n × d with x[i, j] = x[i * d + j]; kernel matrices are row-major too.
 *
 * Derivatives are taken with respect to the log-hyperparameters θ = (log ℓ_1 … log ℓ_d, log σ²):
 * with s_j = ((x_j − x'_j) / ℓ_j)², r² = Σ_j s_j,
 *
 *   ∂k/∂log ℓ_j = σ² (5/3) (1 + √5 r) e^{−√5 r} s_j      (smooth at r = 0: no 1/r),
 *   ∂k/∂log σ²  = k.
 *
 * `maternGradientTraces` contracts these with a symmetric weight matrix W without ever forming the
 * d + 1 derivative matrices: tr(W ∂K/∂θ_j) = Σ_{ik} W_ik ∂K_ik/∂θ_j, accumulated pair by pair —
 * which is what the marginal-likelihood gradient needs (W = ααᵀ − K⁻¹).
 */
import { ValidationError } from '../../core/errors.ts';
import { checkInt, checkNumber } from '../../core/validate.ts';

const SQRT5 = Math.sqrt(5);
const FIVE_THIRDS = 5 / 3;

/** e^{−k/32} for k = 0 … 64·32: the table of `expNeg` (16 KiB). */
const EXP_STEPS = 32;
const EXP_RANGE = 64;
const EXP_TABLE = new Float64Array(EXP_RANGE * EXP_STEPS + 1);
for (let k = 0; k < EXP_TABLE.length; k++) EXP_TABLE[k] = Math.exp(-k / EXP_STEPS);

/**
 * e^{−x} for x ≥ 0, about twice as fast as Math.exp in V8 (whose exp is a call, not an instruction),
 * within 3 ulp: e^{−k/32} from a table times the degree-7 Taylor polynomial of e^{−r}, 0 ≤ r < 1/32
 * (truncation below 2e-17). Math.exp outside [0, 64), where the kernel is below 1e-27 anyway.
 */
export function expNeg(x: number): number {
  if (!(x >= 0 && x < EXP_RANGE)) return Math.exp(-x);
  const k = (x * EXP_STEPS) | 0;
  const r = x - k * (1 / EXP_STEPS);
  const p =
    1 - r * (1 - r * (0.5 - r * (1 / 6 - r * (1 / 24 - r * (1 / 120 - r * (1 / 720 - r * (1 / 5040)))))));
  return EXP_TABLE[k] * p;
}

/** Hyperparameters of the Matérn-5/2 ARD kernel, in natural units. */
export interface MaternParams {
  /** ℓ_j > 0, one per input dimension (length d). */
  readonly lengthscales: ArrayLike<number>;
  /** σ² > 0. */
  readonly outputScale: number;
}

/** k as a function of the scaled distance r ≥ 0: σ² (1 + √5 r + 5r²/3) e^{−√5 r}. */
export function matern52(r: number, outputScale: number): number {
  const sr = SQRT5 * r;
  return outputScale * (1 + sr + sr * sr * (1 / 3)) * expNeg(sr);
}

/**
 * Inputs divided by the lengthscales: out[i, j] = x[i, j] / ℓ_j (n × d, row-major). Distances between
 * scaled rows are the r of the kernel.
 */
export function scaleInputs(
  x: Float64Array,
  n: number,
  d: number,
  lengthscales: ArrayLike<number>,
  out?: Float64Array,
): Float64Array {
  checkShape('x', x, n, d);
  checkLengthscales(lengthscales, d);
  const res = out ?? new Float64Array(n * d);
  if (res.length < n * d) throw new ValidationError('out.length', res.length, `expected at least ${n * d}`);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) res[o + j] = x[o + j] / lengthscales[j];
  }
  return res;
}

/**
 * Kernel matrix K(X, X) (n × n, row-major, exactly symmetric, diagonal σ²). `x` is n × d. Cost
 * n(n − 1)/2 · (d + 1 exp). `out` (length ≥ n²) is written and returned when given; `scratch`
 * (length ≥ n·d), when given, receives the scaled inputs.
 */
export function maternKernelMatrix(
  x: Float64Array,
  n: number,
  d: number,
  params: MaternParams,
  out?: Float64Array,
  scratch?: Float64Array,
): Float64Array {
  checkShape('x', x, n, d);
  const s2 = checkOutputScale(params.outputScale);
  const k = out ?? new Float64Array(n * n);
  if (k.length < n * n) throw new ValidationError('out.length', k.length, `expected at least ${n * n}`);
  const sx = scaleInputs(x, n, d, params.lengthscales, scratch);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const oi = i * d;
    for (let c = 0; c < i; c++) {
      const oc = c * d;
      let r2 = 0;
      for (let j = 0; j < d; j++) {
        const t = sx[oi + j] - sx[oc + j];
        r2 += t * t;
      }
      const sr = SQRT5 * Math.sqrt(r2);
      const v = s2 * (1 + sr + FIVE_THIRDS * r2) * expNeg(sr);
      k[ri + c] = v;
      k[c * n + i] = v;
    }
    k[ri + i] = s2;
  }
  return k;
}

/**
 * Cross-covariance K(A, B) (na × nb, row-major): out[i, c] = k(a_i, b_c). `a` is na × d, `b` is
 * nb × d. `out` (length ≥ na·nb) is written and returned when given.
 */
export function maternCrossKernel(
  a: Float64Array,
  na: number,
  b: Float64Array,
  nb: number,
  d: number,
  params: MaternParams,
  out?: Float64Array,
): Float64Array {
  checkShape('a', a, na, d);
  checkShape('b', b, nb, d);
  const s2 = checkOutputScale(params.outputScale);
  const k = out ?? new Float64Array(na * nb);
  if (k.length < na * nb) throw new ValidationError('out.length', k.length, `expected at least ${na * nb}`);
  const sa = scaleInputs(a, na, d, params.lengthscales);
  const sb = scaleInputs(b, nb, d, params.lengthscales);
  crossKernelScaled(sa, na, sb, nb, d, s2, k);
  return k;
}

/**
 * K(A, B) from inputs already divided by the lengthscales (see `scaleInputs`): out[i, c] for
 * i < na, c < nb (na × nb, row-major). No validation: for hot loops that have checked their shapes.
 */
export function crossKernelScaled(
  sa: Float64Array,
  na: number,
  sb: Float64Array,
  nb: number,
  d: number,
  outputScale: number,
  out: Float64Array,
): void {
  for (let i = 0; i < na; i++) {
    const oi = i * d;
    const ri = i * nb;
    for (let c = 0; c < nb; c++) {
      const oc = c * d;
      let r2 = 0;
      for (let j = 0; j < d; j++) {
        const t = sa[oi + j] - sb[oc + j];
        r2 += t * t;
      }
      const sr = SQRT5 * Math.sqrt(r2);
      out[ri + c] = outputScale * (1 + sr + FIVE_THIRDS * r2) * expNeg(sr);
    }
  }
}

/**
 * Inputs divided by the lengthscales and transposed: out[j, i] = x[i, j] / ℓ_j (d × n, row-major), the
 * layout `crossKernelRowT` reads.
 */
export function scaleInputsTransposed(
  x: Float64Array,
  n: number,
  d: number,
  lengthscales: ArrayLike<number>,
  out?: Float64Array,
): Float64Array {
  checkShape('x', x, n, d);
  checkLengthscales(lengthscales, d);
  const res = out ?? new Float64Array(n * d);
  if (res.length < n * d) throw new ValidationError('out.length', res.length, `expected at least ${n * d}`);
  for (let j = 0; j < d; j++) {
    const inv = 1 / lengthscales[j];
    const oj = j * n;
    for (let i = 0; i < n; i++) res[oj + i] = x[i * d + j] * inv;
  }
  return res;
}

/**
 * Squared distances out[oo + c] = ‖a − b_c‖², c < nb, between the point a = sa[oa … oa + d) and the
 * points b_c stored transposed in `sbT` (d rows of stride `ld` ≥ nb: b_c[j] = sbT[j · ld + c]). Four
 * dimensions per pass along rows of length nb: long contiguous loops, about twice as fast in V8 as a
 * d-long inner loop per pair.
 */
function squaredDistancesT(
  sa: Float64Array,
  oa: number,
  sbT: Float64Array,
  ld: number,
  nb: number,
  d: number,
  out: Float64Array,
  oo: number,
): void {
  let j = 0;
  if (d >= 4) {
    const a0 = sa[oa];
    const a1 = sa[oa + 1];
    const a2 = sa[oa + 2];
    const a3 = sa[oa + 3];
    const o1 = ld;
    const o2 = 2 * ld;
    const o3 = 3 * ld;
    for (let c = 0; c < nb; c++) {
      const t0 = a0 - sbT[c];
      const t1 = a1 - sbT[o1 + c];
      const t2 = a2 - sbT[o2 + c];
      const t3 = a3 - sbT[o3 + c];
      out[oo + c] = t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
    }
    j = 4;
  } else {
    out.fill(0, oo, oo + nb);
  }
  for (; j + 3 < d; j += 4) {
    const a0 = sa[oa + j];
    const a1 = sa[oa + j + 1];
    const a2 = sa[oa + j + 2];
    const a3 = sa[oa + j + 3];
    const o0 = j * ld;
    const o1 = o0 + ld;
    const o2 = o1 + ld;
    const o3 = o2 + ld;
    for (let c = 0; c < nb; c++) {
      const t0 = a0 - sbT[o0 + c];
      const t1 = a1 - sbT[o1 + c];
      const t2 = a2 - sbT[o2 + c];
      const t3 = a3 - sbT[o3 + c];
      out[oo + c] += t0 * t0 + t1 * t1 + (t2 * t2 + t3 * t3);
    }
  }
  for (; j < d; j++) {
    const a0 = sa[oa + j];
    const o0 = j * ld;
    for (let c = 0; c < nb; c++) {
      const t = a0 - sbT[o0 + c];
      out[oo + c] += t * t;
    }
  }
}

/**
 * One row of a cross-covariance against many points: out[c] = k(a, b_c), c < nb, where `a` is the
 * scaled point sa[oa … oa + d) and `sbT` holds the scaled points b_c transposed (d × nb, see
 * `scaleInputsTransposed`). No validation: for hot loops.
 */
export function crossKernelRowT(
  sa: Float64Array,
  oa: number,
  sbT: Float64Array,
  nb: number,
  d: number,
  outputScale: number,
  out: Float64Array,
): void {
  squaredDistancesT(sa, oa, sbT, nb, nb, d, out, 0);
  for (let c = 0; c < nb; c++) {
    const r2 = out[c];
    const sr = SQRT5 * Math.sqrt(r2);
    out[c] = outputScale * (1 + sr + FIVE_THIRDS * r2) * expNeg(sr);
  }
}

/**
 * Lower triangle (diagonal σ² included) of K(X, X) into `out` (n × n; the upper triangle is not
 * written), from the scaled inputs in both layouts: `sx` n × d and `sxT` d × n. No validation: the
 * marginal likelihood's hot path.
 */
export function kernelLowerScaled(
  sx: Float64Array,
  sxT: Float64Array,
  n: number,
  d: number,
  outputScale: number,
  out: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    squaredDistancesT(sx, i * d, sxT, n, i, d, out, ri);
    for (let c = 0; c < i; c++) {
      const r2 = out[ri + c];
      const sr = SQRT5 * Math.sqrt(r2);
      out[ri + c] = outputScale * (1 + sr + FIVE_THIRDS * r2) * expNeg(sr);
    }
    out[ri + i] = outputScale;
  }
}

/**
 * `maternGradientTraces` from the scaled inputs in both layouts (`sx` n × d, `sxT` d × n), with
 * scratch rows `r2` and `g` (length ≥ n). Row by row: the squared distances to the earlier points,
 * then the per-pair weights g_ic = W_ic (1 + √5 r) e^{−√5 r}, then Σ_c g_ic (x_ij − x_cj)² four
 * dimensions per pass. No validation.
 */
export function gradientTracesScaled(
  sx: Float64Array,
  sxT: Float64Array,
  n: number,
  d: number,
  outputScale: number,
  w: Float64Array,
  out: Float64Array,
  r2: Float64Array,
  g: Float64Array,
): void {
  out.fill(0, 0, d + 1);
  let wk = 0;
  let wDiag = 0;
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    const ri = i * n;
    wDiag += w[ri + i];
    if (i === 0) continue;
    squaredDistancesT(sx, oi, sxT, n, i, d, r2, 0);
    for (let c = 0; c < i; c++) {
      const q = r2[c];
      const sr = SQRT5 * Math.sqrt(q);
      const e = w[ri + c] * expNeg(sr);
      wk += (1 + sr + FIVE_THIRDS * q) * e;
      g[c] = (1 + sr) * e;
    }
    let j = 0;
    for (; j + 3 < d; j += 4) {
      const a0 = sx[oi + j];
      const a1 = sx[oi + j + 1];
      const a2 = sx[oi + j + 2];
      const a3 = sx[oi + j + 3];
      const o0 = j * n;
      const o1 = o0 + n;
      const o2 = o1 + n;
      const o3 = o2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let c = 0; c < i; c++) {
        const gc = g[c];
        const t0 = a0 - sxT[o0 + c];
        const t1 = a1 - sxT[o1 + c];
        const t2 = a2 - sxT[o2 + c];
        const t3 = a3 - sxT[o3 + c];
        s0 += gc * t0 * t0;
        s1 += gc * t1 * t1;
        s2 += gc * t2 * t2;
        s3 += gc * t3 * t3;
      }
      out[j] += s0;
      out[j + 1] += s1;
      out[j + 2] += s2;
      out[j + 3] += s3;
    }
    for (; j < d; j++) {
      const a0 = sx[oi + j];
      const o0 = j * n;
      let s0 = 0;
      for (let c = 0; c < i; c++) {
        const t0 = a0 - sxT[o0 + c];
        s0 += g[c] * t0 * t0;
      }
      out[j] += s0;
    }
  }
  // Off-diagonal pairs count twice (W and ∂K symmetric); the diagonal of ∂K/∂log ℓ is zero.
  const scale = 2 * outputScale * FIVE_THIRDS;
  for (let j = 0; j < d; j++) out[j] *= scale;
  out[d] = outputScale * (2 * wk + wDiag);
}

/** The diagonal k(x_i, x_i) = σ² of K(X, X), length n (every entry equals σ² for a stationary kernel). */
export function maternDiagonal(n: number, params: MaternParams, out?: Float64Array): Float64Array {
  checkInt('n', n, 0);
  const s2 = checkOutputScale(params.outputScale);
  const res = out ?? new Float64Array(n);
  if (res.length < n) throw new ValidationError('out.length', res.length, `expected at least ${n}`);
  res.fill(s2, 0, n);
  return res;
}

/**
 * The full derivative matrix ∂K/∂θ_p (n × n) for one log-hyperparameter: p < d is log ℓ_p, p = d is
 * log σ². For tests and diagnostics; the likelihood gradient uses `maternGradientTraces`, which never
 * forms these matrices.
 */
export function maternKernelDerivative(
  x: Float64Array,
  n: number,
  d: number,
  params: MaternParams,
  p: number,
  out?: Float64Array,
): Float64Array {
  checkInt('p', p, 0, d);
  if (p === d) return maternKernelMatrix(x, n, d, params, out);
  checkShape('x', x, n, d);
  const s2 = checkOutputScale(params.outputScale);
  const res = out ?? new Float64Array(n * n);
  if (res.length < n * n) throw new ValidationError('out.length', res.length, `expected at least ${n * n}`);
  const sx = scaleInputs(x, n, d, params.lengthscales);
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let c = 0; c < i; c++) {
      const oc = c * d;
      let r2 = 0;
      for (let j = 0; j < d; j++) {
        const t = sx[oi + j] - sx[oc + j];
        r2 += t * t;
      }
      const sr = SQRT5 * Math.sqrt(r2);
      const tp = sx[oi + p] - sx[oc + p];
      const v = s2 * FIVE_THIRDS * (1 + sr) * expNeg(sr) * tp * tp;
      res[i * n + c] = v;
      res[c * n + i] = v;
    }
    res[i * n + i] = 0;
  }
  return res;
}

/**
 * Traces tr(W ∂K/∂θ_p) = Σ_{i,c} W_ic ∂K_ic/∂θ_p for every log-hyperparameter at once, without forming
 * the derivative matrices: out[p] for p < d is log ℓ_p, out[d] is log σ² (length d + 1). `w` is
 * n × n and symmetric; only its lower triangle (diagonal included) is read. Cost n(n − 1)/2 · (2d + 1
 * exp), O(n d) memory. See `gradientTracesScaled` for the allocation-free hot-path version.
 */
export function maternGradientTraces(
  x: Float64Array,
  n: number,
  d: number,
  params: MaternParams,
  w: Float64Array,
  out?: Float64Array,
): Float64Array {
  checkShape('x', x, n, d);
  const s2 = checkOutputScale(params.outputScale);
  if (w.length < n * n) throw new ValidationError('w.length', w.length, `expected at least ${n * n}`);
  const res = out ?? new Float64Array(d + 1);
  if (res.length < d + 1) throw new ValidationError('out.length', res.length, `expected at least ${d + 1}`);
  const sx = scaleInputs(x, n, d, params.lengthscales);
  const sxT = scaleInputsTransposed(x, n, d, params.lengthscales);
  gradientTracesScaled(sx, sxT, n, d, s2, w, res, new Float64Array(n), new Float64Array(n));
  return res;
}

function checkShape(name: string, x: Float64Array, n: number, d: number): void {
  checkInt('n', n, 0);
  checkInt('d', d, 1);
  if (!(x instanceof Float64Array)) throw new ValidationError(name, typeof x, 'expected a Float64Array');
  if (x.length < n * d) {
    throw new ValidationError(`${name}.length`, x.length, `expected at least n·d = ${n * d}`);
  }
}

function checkLengthscales(lengthscales: ArrayLike<number>, d: number): void {
  if (lengthscales.length !== d) {
    throw new ValidationError('lengthscales.length', lengthscales.length, `expected d = ${d}`);
  }
  for (let j = 0; j < d; j++) {
    const l = lengthscales[j];
    if (!(l > 0) || !Number.isFinite(l)) {
      throw new ValidationError(`lengthscales[${j}]`, l, 'expected a finite number > 0');
    }
  }
}

function checkOutputScale(s2: number): number {
  checkNumber('outputScale', s2, 0);
  if (!(s2 > 0)) throw new ValidationError('outputScale', s2, 'expected a finite number > 0');
  return s2;
}
