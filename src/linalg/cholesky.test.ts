import { CholeskyDecomposition, inverse, LuDecomposition, Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import {
  cholesky,
  choleskyAppend,
  choleskyInPlace,
  choleskyInverse,
  choleskyWithJitter,
  cholSolve,
  cholSolveMany,
  logDetFromCholesky,
  NotPositiveDefiniteError,
  solveLower,
  solveLowerMany,
  solveLowerTransposed,
  solveLowerTransposedMany,
} from './cholesky.ts';

/** A random SPD matrix B Bᵀ / n + 0.1 I (n × n), exactly symmetric. */
function randomSpd(n: number, rng: Rng): Float64Array {
  const b = new Float64Array(n * n);
  for (let i = 0; i < b.length; i++) b[i] = rng.normal();
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
      s /= n;
      if (i === j) s += 0.1;
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return a;
}

/** Squared-exponential kernel matrix of `n` points spread over [0, 1] (numerically singular). */
function rbfKernel(n: number, lengthscale: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = (i - j) / (n - 1) / lengthscale;
      a[i * n + j] = Math.exp(-0.5 * d * d);
    }
  }
  return a;
}

function randomVector(len: number, rng: Rng): Float64Array {
  const v = new Float64Array(len);
  for (let i = 0; i < len; i++) v[i] = rng.normal();
  return v;
}

function toMatrix(a: Float64Array, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, a[i * cols + j]);
  return m;
}

function maxAbsDiff(a: Float64Array, m: Matrix): number {
  let e = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.columns; j++) e = Math.max(e, Math.abs(a[i * m.columns + j] - m.get(i, j)));
  }
  return e;
}

function maxAbs(a: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]));
  return e;
}

/** max |L Lᵀ − A| over all entries. */
function reconstructionError(l: Float64Array, a: Float64Array, n: number, jitter = 0): number {
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += l[i * n + k] * l[j * n + k];
      e = Math.max(e, Math.abs(s - a[i * n + j] - (i === j ? jitter : 0)));
    }
  }
  return e;
}

const SIZES = [1, 5, 50, 200];

describe('cholesky', () => {
  it.each(SIZES)('matches ml-matrix on a random SPD matrix, n = %i', (n) => {
    const rng = new Rng(100 + n);
    const a = randomSpd(n, rng);
    const l = cholesky(a, n);
    const ref = new CholeskyDecomposition(toMatrix(a, n, n));
    expect(ref.isPositiveDefinite()).toBe(true);
    expect(maxAbsDiff(l, ref.lowerTriangularMatrix)).toBeLessThan(1e-12);
    expect(reconstructionError(l, a, n)).toBeLessThan(1e-12);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
  });

  it('reads only the lower triangle and works in place', () => {
    const n = 6;
    const a = randomSpd(n, new Rng(3));
    const garbage = a.slice();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) garbage[i * n + j] = 1e6 * (i - j);
    expect(choleskyInPlace(garbage, n)).toBe(true);
    expect(maxAbs(garbage.map((v, i) => v - cholesky(a, n)[i]))).toBe(0);
  });

  it('reports failure on an indefinite matrix and on NaN', () => {
    expect(choleskyInPlace(Float64Array.of(1, 2, 2, 1), 2)).toBe(false);
    expect(choleskyInPlace(Float64Array.of(Number.NaN), 1)).toBe(false);
    expect(choleskyInPlace(Float64Array.of(0), 1)).toBe(false);
    expect(() => cholesky(Float64Array.of(1, 2, 2, 1), 2)).toThrow(NotPositiveDefiniteError);
  });

  it('handles n = 0 and rejects bad sizes', () => {
    expect(choleskyInPlace(new Float64Array(0), 0)).toBe(true);
    expect(() => choleskyInPlace(new Float64Array(3), 2)).toThrow(/a\.length: 3/);
    expect(() => choleskyInPlace(new Float64Array(4), 1.5)).toThrow(ValidationError);
    expect(() => choleskyInPlace(new Float64Array(4), -1)).toThrow(/invalid n: -1/);
  });
});

describe('triangular solves', () => {
  it.each(SIZES)('match ml-matrix for one and many right-hand sides, n = %i', (n) => {
    const rng = new Rng(200 + n);
    const a = randomSpd(n, rng);
    const l = cholesky(a, n);
    const lm = toMatrix(l, n, n);
    const b = randomVector(n, rng);
    const bm = toMatrix(b, n, 1);
    const scale = 1 + maxAbs(b);

    const y = solveLower(l, n, b);
    expect(maxAbsDiff(y, solve(lm, bm)) / scale).toBeLessThan(1e-10);
    const z = solveLowerTransposed(l, n, b);
    expect(maxAbsDiff(z, solve(lm.transpose(), bm)) / scale).toBeLessThan(1e-10);
    const x = cholSolve(l, n, b);
    expect(maxAbsDiff(x, solve(toMatrix(a, n, n), bm)) / scale).toBeLessThan(1e-9);
    expect(maxAbsDiff(x, new CholeskyDecomposition(toMatrix(a, n, n)).solve(bm)) / scale).toBeLessThan(1e-10);

    for (const m of [1, 3, 7]) {
      const bb = randomVector(n * m, rng);
      const bbm = toMatrix(bb, n, m);
      const s = 1 + maxAbs(bb);
      expect(maxAbsDiff(solveLowerMany(l, n, bb, m), solve(lm, bbm)) / s).toBeLessThan(1e-10);
      expect(maxAbsDiff(solveLowerTransposedMany(l, n, bb, m), solve(lm.transpose(), bbm)) / s).toBeLessThan(
        1e-10,
      );
      expect(maxAbsDiff(cholSolveMany(l, n, bb, m), solve(toMatrix(a, n, n), bbm)) / s).toBeLessThan(1e-9);
    }
  });

  it('work in place and agree with the one-column versions', () => {
    const n = 30;
    const m = 4;
    const rng = new Rng(9);
    const l = cholesky(randomSpd(n, rng), n);
    const bb = randomVector(n * m, rng);
    const expected = cholSolveMany(l, n, bb, m);
    for (let j = 0; j < m; j++) {
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) col[i] = bb[i * m + j];
      const x = cholSolve(l, n, col, col);
      for (let i = 0; i < n; i++) expect(x[i]).toBeCloseTo(expected[i * m + j], 12);
    }
    const inPlace = bb.slice();
    expect(cholSolveMany(l, n, inPlace, m, inPlace)).toBe(inPlace);
    expect(maxAbs(inPlace.map((v, i) => v - expected[i]))).toBe(0);
    const b = randomVector(n, rng);
    const copy = b.slice();
    solveLowerTransposed(l, n, copy, copy);
    expect(maxAbs(copy.map((v, i) => v - solveLowerTransposed(l, n, b)[i]))).toBe(0);
  });

  it('rejects short right-hand sides', () => {
    const l = Float64Array.of(1, 0, 0, 1);
    expect(() => solveLower(l, 2, new Float64Array(1))).toThrow(/b\.length: 1/);
    expect(() => cholSolveMany(l, 2, new Float64Array(5), 3)).toThrow(/b\.length: 5/);
  });
});

describe('log-determinant and inverse', () => {
  it.each(SIZES)('match ml-matrix, n = %i', (n) => {
    const a = randomSpd(n, new Rng(300 + n));
    const l = cholesky(a, n);
    const lu = new LuDecomposition(toMatrix(a, n, n));
    let ref = 0;
    for (let i = 0; i < n; i++) ref += Math.log(Math.abs(lu.upperTriangularMatrix.get(i, i)));
    expect(Math.abs(logDetFromCholesky(l, n) - ref)).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref)));
    const inv = choleskyInverse(l, n);
    const refInv = inverse(toMatrix(a, n, n));
    expect(maxAbsDiff(inv, refInv) / (1 + refInv.max())).toBeLessThan(1e-9);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(inv[i * n + j]).toBe(inv[j * n + i]);
  });

  it('log det of a diagonal matrix is the sum of logs', () => {
    const l = cholesky(Float64Array.of(4, 0, 0, 0, 9, 0, 0, 0, 0.25), 3);
    expect(logDetFromCholesky(l, 3)).toBeCloseTo(Math.log(4 * 9 * 0.25), 14);
  });
});

describe('choleskyWithJitter', () => {
  it('uses no jitter on a well-conditioned matrix', () => {
    const n = 50;
    const a = randomSpd(n, new Rng(4));
    const before = a.slice();
    const r = choleskyWithJitter(a, n);
    expect(r.jitter).toBe(0);
    expect(r.attempts).toBe(1);
    expect(maxAbs(r.L.map((v, i) => v - cholesky(a, n)[i]))).toBe(0);
    expect(a).toEqual(before);
  });

  it.each([50, 200])('adds just enough jitter to an ill-conditioned kernel matrix, n = %i', (n) => {
    const a = rbfKernel(n, 1);
    expect(choleskyInPlace(a.slice(), n)).toBe(false);
    expect(new CholeskyDecomposition(toMatrix(a, n, n)).isPositiveDefinite()).toBe(false);
    const r = choleskyWithJitter(a, n);
    expect(r.jitter).toBeGreaterThan(0);
    expect(r.attempts).toBeGreaterThan(1);
    // The jitter is the first of the sequence 1e-10 · mean diag · 10^k that works (mean diag is 1).
    const k = r.attempts - 2;
    expect(r.jitter).toBeCloseTo(1e-10 * 10 ** k, 20);
    expect(
      choleskyInPlace(
        a.map((v, i) => (i % (n + 1) === 0 ? v + r.jitter / 10 : v)),
        n,
      ),
    ).toBe(k === 0);
    expect(reconstructionError(r.L, a, n, r.jitter)).toBeLessThan(1e-12);
    // Agrees with ml-matrix on the jittered matrix, up to the conditioning (κ ≈ 1e10 here).
    const jittered = a.map((v, i) => (i % (n + 1) === 0 ? v + r.jitter : v));
    const ref = new CholeskyDecomposition(toMatrix(jittered, n, n));
    expect(ref.isPositiveDefinite()).toBe(true);
    expect(maxAbsDiff(r.L, ref.lowerTriangularMatrix)).toBeLessThan(1e-5);
  });

  it('scales the jitter with the mean diagonal and honours the options', () => {
    const n = 40;
    const a = rbfKernel(n, 2).map((v) => v * 1e4);
    const out = new Float64Array(n * n);
    const r = choleskyWithJitter(a, n, { initialJitter: 1e-6, factor: 2, out });
    expect(r.L).toBe(out);
    expect(r.jitter / 1e4 / 1e-6).toBeCloseTo(2 ** (r.attempts - 2), 6);
  });

  it('throws a clear error when the matrix stays indefinite', () => {
    const a = Float64Array.of(1, 2, 2, 1);
    expect(() => choleskyWithJitter(a, 2)).toThrow(NotPositiveDefiniteError);
    try {
      choleskyWithJitter(a, 2, { maxTries: 3 });
    } catch (e) {
      expect(e).toBeInstanceOf(NotPositiveDefiniteError);
      const err = e as NotPositiveDefiniteError;
      expect(err.code).toBe('E_NOT_POSITIVE_DEFINITE');
      expect(err.jitter).toBeCloseTo(1e-8, 20);
      expect(err.message).toMatch(/2 × 2 matrix is not positive definite.*3 tries/);
    }
    expect(() => choleskyWithJitter(Float64Array.of(-1, 0, 0, -1), 2)).toThrow(/mean diagonal -1/);
  });

  it('rejects NaN, infinities, aliasing and bad options', () => {
    expect(() => choleskyWithJitter(Float64Array.of(1, 0, Number.NaN, 1), 2)).toThrow(/a\[1, 0\]: NaN/);
    expect(() => choleskyWithJitter(Float64Array.of(Infinity), 1)).toThrow(ValidationError);
    const a = Float64Array.of(1);
    expect(() => choleskyWithJitter(a, 1, { out: a })).toThrow(/invalid out/);
    expect(() => choleskyWithJitter(a, 1, { maxTries: -1 })).toThrow(/maxTries: -1/);
    expect(() => choleskyWithJitter(a, 1, { factor: 0.5 })).toThrow(/factor: 0.5/);
  });
});

describe('choleskyAppend', () => {
  it.each([0, 1, 5, 50])('extends an n × n factor to the bordered matrix, n = %i', (n) => {
    const m = n + 1;
    const a = randomSpd(m, new Rng(400 + n));
    const top = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) top[i * n + j] = a[i * m + j];
    const l = cholesky(top, n);
    const row = a.slice(n * m, n * m + m);
    const ext = choleskyAppend(l, n, row);
    expect(ext).not.toBeNull();
    const full = cholesky(a, m);
    expect(maxAbs(ext!.map((v, i) => v - full[i]))).toBeLessThan(1e-12);
  });

  it('grows a factor in place inside a larger buffer', () => {
    const total = 12;
    const a = randomSpd(total, new Rng(11));
    const buf = new Float64Array(total * total);
    buf[0] = Math.sqrt(a[0]);
    for (let n = 1; n < total; n++) {
      const row = new Float64Array(n + 1);
      for (let j = 0; j <= n; j++) row[j] = a[n * total + j];
      expect(choleskyAppend(buf, n, row, { out: buf })).toBe(buf);
    }
    const full = cholesky(a, total);
    expect(maxAbs(buf.map((v, i) => v - full[i]))).toBeLessThan(1e-12);
  });

  it('returns null when the bordered matrix is not positive definite, and jitter fixes it', () => {
    const l = cholesky(Float64Array.of(1, 0.5, 0.5, 1), 2);
    const before = l.slice();
    expect(choleskyAppend(l, 2, Float64Array.of(1, 0.5, 0))).toBeNull();
    // A duplicate of the first point: δ² = 1 − 1 = 0 (up to rounding).
    expect(choleskyAppend(l, 2, Float64Array.of(1, 0.5, 1 - 1e-12))).toBeNull();
    expect(l).toEqual(before);
    const ext = choleskyAppend(l, 2, Float64Array.of(1, 0.5, 1), { jitter: 1e-6 });
    expect(ext).not.toBeNull();
    expect(ext![8]).toBeCloseTo(1e-3, 6);
  });

  it('rejects short rows and outputs', () => {
    const l = Float64Array.of(1);
    expect(() => choleskyAppend(l, 1, Float64Array.of(0.5))).toThrow(/row\.length: 1/);
    expect(() => choleskyAppend(l, 1, Float64Array.of(0.5, 1), { out: new Float64Array(3) })).toThrow(
      /out\.length: 3/,
    );
  });
});
