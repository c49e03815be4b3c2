/**
 * Point sets for the multi-objective utilities. Every objective is MINIMIZED throughout src/optim/mo:
 * a caller with an objective to maximize (accuracy) negates it before handing it over, so that
 * "smaller is better" holds for every column (e.g. the point for a trial is [-accuracy, spikes]).
 *
 * A set of n points in m objectives is either a row-major Float64Array of length n·m (point i is
 * data[i·m .. i·m + m - 1]; m must then be given) or an array of n rows of m numbers each.
 */
import { ValidationError } from '../../core/errors.ts';
import { checkInt } from '../../core/validate.ts';

/** n points in m objectives: row-major n × m Float64Array, or n rows of m numbers. */
export type PointSet = Float64Array | readonly (readonly number[])[];

/** A point set in row-major form. */
export interface PointMatrix {
  /** n × m, row-major; may be the caller's array itself (never written to). */
  readonly data: Float64Array;
  readonly n: number;
  readonly m: number;
}

/**
 * Row-major view of `points`. For a Float64Array `m` is required and the array is used as is (not
 * copied); for rows, `m` defaults to the length of the first row and every row must have that length.
 * NaN is rejected (it is neither better nor worse than anything); ±Infinity is accepted.
 */
export function toPointMatrix(points: PointSet, m: number | undefined, field = 'points'): PointMatrix {
  if (points instanceof Float64Array) {
    if (m === undefined) {
      throw new ValidationError('m', m, 'expected the number of objectives when points is a Float64Array');
    }
    checkInt('m', m, 1);
    if (points.length % m !== 0) {
      throw new ValidationError(`${field}.length`, points.length, `expected a multiple of m = ${m}`);
    }
    for (let i = 0; i < points.length; i++) {
      if (Number.isNaN(points[i])) {
        throw new ValidationError(`${field}[${Math.floor(i / m)}][${i % m}]`, points[i], 'expected a number');
      }
    }
    return { data: points, n: points.length / m, m };
  }
  if (!Array.isArray(points)) {
    throw new ValidationError(field, points, 'expected a Float64Array or an array of number arrays');
  }
  const n = points.length;
  const mm = m ?? (n > 0 ? points[0].length : 1);
  checkInt('m', mm, 1);
  const data = new Float64Array(n * mm);
  for (let i = 0; i < n; i++) {
    const row = points[i];
    if (!Array.isArray(row) || row.length !== mm) {
      throw new ValidationError(`${field}[${i}]`, row, `expected an array of ${mm} numbers`);
    }
    for (let j = 0; j < mm; j++) {
      const v = row[j];
      if (typeof v !== 'number' || Number.isNaN(v)) {
        throw new ValidationError(`${field}[${i}][${j}]`, v, 'expected a number');
      }
      data[i * mm + j] = v;
    }
  }
  return { data, n, m: mm };
}

/** Checks a single point of `m` objectives (no NaN); returns it as a Float64Array copy. */
export function toPoint(point: ArrayLike<number>, m: number | undefined, field: string): Float64Array {
  if (point === null || typeof point !== 'object' || typeof point.length !== 'number') {
    throw new ValidationError(field, point, 'expected an array of numbers');
  }
  if (m !== undefined && point.length !== m) {
    throw new ValidationError(`${field}.length`, point.length, `expected ${m} objectives`);
  }
  const out = new Float64Array(point.length);
  for (let j = 0; j < point.length; j++) {
    const v = point[j];
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new ValidationError(`${field}[${j}]`, v, 'expected a number');
    }
    out[j] = v;
  }
  return out;
}
