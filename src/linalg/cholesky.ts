/**
 * Cholesky factorization A = L Lᵀ of symmetric positive definite matrices and the triangular solves
 * that go with it, for Gaussian-process regression. Every matrix is a row-major Float64Array:
 * `A` is n × n with A[i, j] = A[i * n + j]; a many-column right-hand side `B` is n × m with
 * B[i, j] = B[i * m + j]. A factor `L` is n × n, lower triangular, its upper triangle zero.
 *
 * Functions that take an `out` argument write their result there (allocating it when omitted) and
 * return it; unless said otherwise `out` may be the input itself, which makes the operation in place.
 */
import { SpiketuneError, ValidationError } from '../core/errors.ts';
import { checkInt, checkNumber } from '../core/validate.ts';

/** The matrix is not (numerically) positive definite, even after the allowed diagonal jitter. */
export class NotPositiveDefiniteError extends SpiketuneError {
  /** The largest absolute jitter that was tried (0 when none was). */
  readonly jitter: number;
  constructor(message: string, jitter: number) {
    super('E_NOT_POSITIVE_DEFINITE', message);
    this.name = 'NotPositiveDefiniteError';
    this.jitter = jitter;
  }
}

/**
 * Lower Cholesky factor of `a` (n × n, row-major, symmetric positive definite), in place: on success
 * the lower triangle of `a` holds L, the upper triangle is zeroed, and the result is true. Only the
 * lower triangle of `a` is read. On failure (a pivot that is not a positive finite number) the result
 * is false and `a` is left partly overwritten. Cost n³/3 multiply-adds (Cholesky–Banachiewicz: each
 * entry is a dot product of two contiguous row prefixes).
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  checkSquare('a', a, n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      if (j < i) {
        a[ri + j] = s / a[rj + j];
      } else {
        // `!(s > 0)` also rejects NaN.
        if (!(s > 0) || s === Infinity) return false;
        a[ri + i] = Math.sqrt(s);
      }
    }
    for (let j = i + 1; j < n; j++) a[ri + j] = 0;
  }
  return true;
}

/** Lower Cholesky factor of `a` (n × n, SPD) into a new array (or `out`); throws when it fails. */
export function cholesky(a: Float64Array, n: number, out?: Float64Array): Float64Array {
  const l = copyInto(a, n, out, 'out');
  if (!choleskyInPlace(l, n)) {
    throw new NotPositiveDefiniteError(`cholesky: the ${n} × ${n} matrix is not positive definite`, 0);
  }
  return l;
}

export interface JitterOptions {
  /** First jitter, relative to the mean of the diagonal of A (default 1e-10). */
  readonly initialJitter?: number;
  /** Number of jittered attempts after the plain one fails (default 8). */
  readonly maxTries?: number;
  /** Growth of the jitter from one attempt to the next (default 10). */
  readonly factor?: number;
  /** Where to write L (n × n); must not be `a`, which is needed intact for the retries. */
  readonly out?: Float64Array;
}

export interface JitteredCholesky {
  /** Lower factor of A + jitter · I (n × n, row-major). */
  readonly L: Float64Array;
  /** Absolute value added to every diagonal entry; 0 when the plain factorization succeeded. */
  readonly jitter: number;
  /** Factorizations performed, the plain one included (1 when no jitter was needed). */
  readonly attempts: number;
}

/**
 * Cholesky factor of `a` (n × n, symmetric, meant to be positive definite), adding increasing
 * jitter to the diagonal when rounding makes it numerically indefinite (as kernel matrices of close
 * points are): first A itself, then A + τ_k I with τ_k = initialJitter · mean(diag A) · factor^k,
 * k = 0 … maxTries − 1. `a` is not modified. Throws NotPositiveDefiniteError when every attempt fails,
 * and ValidationError when `a` holds a NaN or infinity (which no jitter could fix).
 */
export function choleskyWithJitter(
  a: Float64Array,
  n: number,
  options: JitterOptions = {},
): JitteredCholesky {
  checkSquare('a', a, n);
  const initialJitter = checkNumber('initialJitter', options.initialJitter ?? 1e-10, 0);
  const maxTries = checkInt('maxTries', options.maxTries ?? 8, 0, 1000);
  const factor = checkNumber('factor', options.factor ?? 10, 1);
  if (options.out === a) throw new ValidationError('out', 'the input matrix', 'expected a separate array');
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = a[i * n + j];
      if (!Number.isFinite(v)) throw new ValidationError(`a[${i}, ${j}]`, v, 'expected a finite number');
    }
  }
  const l = copyInto(a, n, options.out, 'out');
  if (choleskyInPlace(l, n)) return { L: l, jitter: 0, attempts: 1 };
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a[i * n + i];
  meanDiag /= n;
  if (!(meanDiag > 0)) {
    throw new NotPositiveDefiniteError(
      `cholesky: the ${n} × ${n} matrix has mean diagonal ${meanDiag}, so it cannot be positive definite`,
      0,
    );
  }
  let jitter = initialJitter * meanDiag;
  let tried = 0;
  for (let t = 0; t < maxTries; t++) {
    copyInto(a, n, l, 'out');
    for (let i = 0; i < n; i++) l[i * n + i] += jitter;
    tried = jitter;
    if (choleskyInPlace(l, n)) return { L: l, jitter, attempts: t + 2 };
    jitter *= factor;
  }
  throw new NotPositiveDefiniteError(
    `cholesky: the ${n} × ${n} matrix is not positive definite, even with diagonal jitter up to ${tried} ` +
      `(${maxTries} tries, mean diagonal ${meanDiag})`,
    tried,
  );
}

/** Solves L x = b by forward substitution; L n × n lower triangular, b length n. `out` may be `b`. */
export function solveLower(l: Float64Array, n: number, b: Float64Array, out?: Float64Array): Float64Array {
  checkSquare('L', l, n);
  const x = vectorOut(b, n, out);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * x[k];
    x[i] = s / l[ri + i];
  }
  return x;
}

/**
 * Solves Lᵀ x = b by back substitution; L n × n lower triangular, b length n. Works along rows of L
 * (column-oriented elimination), so memory access stays contiguous. `out` may be `b`.
 */
export function solveLowerTransposed(
  l: Float64Array,
  n: number,
  b: Float64Array,
  out?: Float64Array,
): Float64Array {
  checkSquare('L', l, n);
  const x = vectorOut(b, n, out);
  if (x !== b) x.set(b.subarray(0, n));
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = x[i] / l[ri + i];
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] -= l[ri + k] * xi;
  }
  return x;
}

/** Solves L X = B for m right-hand sides; B and X are n × m row-major. `out` may be `b`. */
export function solveLowerMany(
  l: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  out?: Float64Array,
): Float64Array {
  checkSquare('L', l, n);
  const x = matrixOut(b, n, m, out);
  if (x !== b) x.set(b.subarray(0, n * m));
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const xi = i * m;
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k];
      if (lik === 0) continue;
      const xk = k * m;
      for (let j = 0; j < m; j++) x[xi + j] -= lik * x[xk + j];
    }
    const inv = 1 / l[ri + i];
    for (let j = 0; j < m; j++) x[xi + j] *= inv;
  }
  return x;
}

/** Solves Lᵀ X = B for m right-hand sides; B and X are n × m row-major. `out` may be `b`. */
export function solveLowerTransposedMany(
  l: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  out?: Float64Array,
): Float64Array {
  checkSquare('L', l, n);
  const x = matrixOut(b, n, m, out);
  if (x !== b) x.set(b.subarray(0, n * m));
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = i * m;
    const inv = 1 / l[ri + i];
    for (let j = 0; j < m; j++) x[xi + j] *= inv;
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k];
      if (lik === 0) continue;
      const xk = k * m;
      for (let j = 0; j < m; j++) x[xk + j] -= lik * x[xi + j];
    }
  }
  return x;
}

/** Solves A x = b given the Cholesky factor L of A (n × n); b length n. `out` may be `b`. */
export function cholSolve(l: Float64Array, n: number, b: Float64Array, out?: Float64Array): Float64Array {
  const x = solveLower(l, n, b, out);
  return solveLowerTransposed(l, n, x, x);
}

/** Solves A X = B given the Cholesky factor L of A; B and X are n × m row-major. `out` may be `b`. */
export function cholSolveMany(
  l: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  out?: Float64Array,
): Float64Array {
  const x = solveLowerMany(l, n, b, m, out);
  return solveLowerTransposedMany(l, n, x, m, x);
}

/** log det A = 2 Σ log L_ii, from the Cholesky factor L of A (n × n). */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  checkSquare('L', l, n);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

/**
 * A⁻¹ (n × n, symmetric, full) from the Cholesky factor L of A, as L⁻ᵀ L⁻¹: the inverse of L is
 * formed by forward substitution, then the product keeps only what the triangles make non-zero.
 * `out` must not be `l`. About n³/2 multiply-adds.
 */
export function choleskyInverse(l: Float64Array, n: number, out?: Float64Array): Float64Array {
  checkSquare('L', l, n);
  if (out === l) throw new ValidationError('out', 'the factor itself', 'expected a separate array');
  const res = matrixOut(l, n, n, out);
  // W = L⁻¹ (lower triangular), column by column.
  const w = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    w[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = 0;
      for (let k = j; k < i; k++) s -= l[ri + k] * w[k * n + j];
      w[ri + j] = s / l[ri + i];
    }
  }
  // A⁻¹[i, j] = Σ_{k ≥ max(i, j)} W[k, i] W[k, j].
  res.fill(0);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const wki = w[rk + i];
      if (wki === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) res[ri + j] += wki * w[rk + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) res[j * n + i] = res[i * n + j];
  return res;
}

export interface AppendOptions {
  /** Added to the new diagonal entry before factoring (default 0). */
  readonly jitter?: number;
  /**
   * Where to write the (n+1) × (n+1) factor. May be `l` itself when `l.length ≥ (n+1)²`: the rows are
   * then moved in place, which lets a caller grow one buffer by fantasy points without copying it.
   */
  readonly out?: Float64Array;
}

/**
 * Extends the Cholesky factor L of A (n × n) to the factor of the bordered matrix
 * [[A, a], [aᵀ, α]] ((n+1) × (n+1)), where `row` = [a_0, …, a_{n−1}, α] (length n + 1) is the new
 * last row of the matrix. O(n²): ℓ = L⁻¹ a, δ = √(α + jitter − ℓᵀℓ). Returns the new factor, or null
 * when the bordered matrix is not numerically positive definite (δ² ≤ 0 or not finite) — the caller
 * can then refactor the whole matrix with jitter. On null nothing has been written (`l` and `out` are
 * as they were).
 */
export function choleskyAppend(
  l: Float64Array,
  n: number,
  row: Float64Array,
  options: AppendOptions = {},
): Float64Array | null {
  checkSquare('L', l, n);
  if (row.length < n + 1) throw new ValidationError('row.length', row.length, `expected at least ${n + 1}`);
  const jitter = checkNumber('jitter', options.jitter ?? 0, 0);
  const m = n + 1;
  const out = options.out ?? new Float64Array(m * m);
  if (out.length < m * m) throw new ValidationError('out.length', out.length, `expected at least ${m * m}`);
  // ℓ = L⁻¹ a, computed before anything is moved (L may be `out`).
  const ell = new Float64Array(n);
  let dot = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = row[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * ell[k];
    s /= l[ri + i];
    ell[i] = s;
    dot += s * s;
  }
  const d2 = row[n] + jitter - dot;
  if (!(d2 > 0) || !Number.isFinite(d2)) return null;
  // Move row i from offset i·n to i·(n+1), last row first and right to left: the destination of an
  // entry never precedes its source, and never overlaps a source still to be read.
  for (let i = n - 1; i >= 0; i--) {
    const src = i * n;
    const dst = i * m;
    out[dst + n] = 0;
    for (let k = n - 1; k >= 0; k--) out[dst + k] = l[src + k];
  }
  const last = n * m;
  for (let k = 0; k < n; k++) out[last + k] = ell[k];
  out[last + n] = Math.sqrt(d2);
  return out;
}

function checkSquare(name: string, a: Float64Array, n: number): void {
  checkInt('n', n, 0);
  if (!(a instanceof Float64Array)) throw new ValidationError(name, typeof a, 'expected a Float64Array');
  if (a.length < n * n) {
    throw new ValidationError(`${name}.length`, a.length, `expected at least n² = ${n * n} (n = ${n})`);
  }
}

function copyInto(a: Float64Array, n: number, out: Float64Array | undefined, name: string): Float64Array {
  const nn = n * n;
  if (out === undefined) return a.slice(0, nn);
  if (out.length < nn) throw new ValidationError(`${name}.length`, out.length, `expected at least ${nn}`);
  if (out !== a) out.set(a.subarray(0, nn));
  return out;
}

function vectorOut(b: Float64Array, n: number, out: Float64Array | undefined): Float64Array {
  if (b.length < n) throw new ValidationError('b.length', b.length, `expected at least n = ${n}`);
  if (out === undefined) return new Float64Array(n);
  if (out.length < n) throw new ValidationError('out.length', out.length, `expected at least n = ${n}`);
  return out;
}

function matrixOut(b: Float64Array, n: number, m: number, out: Float64Array | undefined): Float64Array {
  checkInt('m', m, 0);
  if (b.length < n * m) throw new ValidationError('b.length', b.length, `expected at least n·m = ${n * m}`);
  if (out === undefined) return new Float64Array(n * m);
  if (out.length < n * m) throw new ValidationError('out.length', out.length, `expected at least ${n * m}`);
  return out;
}
