import { inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { choleskyInPlace } from '../../linalg/cholesky.ts';
import { choleskyBlocked, gramUpperLower, inverseLowerTransposed } from './dense.ts';

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

const SIZES = [1, 2, 3, 4, 5, 8, 9, 31, 64, 65];

describe('blocked dense kernels', () => {
  it.each(SIZES)('choleskyBlocked equals choleskyInPlace, n = %i', (n) => {
    const a = randomSpd(n, new Rng(n));
    const ref = a.slice();
    expect(choleskyInPlace(ref, n)).toBe(true);
    const l = a.slice();
    expect(choleskyBlocked(l, n)).toBe(true);
    let err = 0;
    for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(l[i] - ref[i]));
    expect(err).toBeLessThan(1e-12);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
  });

  it('choleskyBlocked reports an indefinite matrix', () => {
    const a = new Float64Array([1, 2, 2, 1]);
    expect(choleskyBlocked(a, 2)).toBe(false);
    const b = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, -1]);
    expect(choleskyBlocked(b, 3)).toBe(false);
    const c = new Float64Array([1, 0, 0, Number.NaN]);
    expect(choleskyBlocked(c, 2)).toBe(false);
  });

  it.each(SIZES)('L⁻ᵀ and its Gram give A⁻¹ as ml-matrix, n = %i', (n) => {
    const a = randomSpd(n, new Rng(100 + n));
    const l = a.slice();
    expect(choleskyBlocked(l, n)).toBe(true);
    const u = new Float64Array(n * n).fill(Number.NaN);
    inverseLowerTransposed(l, n, u);
    // U is upper triangular and Lᵀ U = I.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (j < i) expect(u[i * n + j]).toBe(0);
        let s = 0;
        for (let k = 0; k < n; k++) s += l[k * n + i] * u[k * n + j];
        expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-10);
      }
    }
    const inv = new Float64Array(n * n);
    gramUpperLower(u, n, inv);
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) rows.push(Array.from(a.subarray(i * n, (i + 1) * n)));
    const ref = inverse(new Matrix(rows));
    let err = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        err = Math.max(err, Math.abs(inv[i * n + j] - ref.get(i, j)));
        scale = Math.max(scale, Math.abs(ref.get(i, j)));
      }
    }
    expect(err / scale).toBeLessThan(1e-10);
  });
});
