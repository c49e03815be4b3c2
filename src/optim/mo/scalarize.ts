/**
 * Random augmented Chebyshev scalarization for multi-objective Bayesian optimization (ParEGO,
 * Knowles 2006; MORBO, Daulton et al. 2022): each round draws a weight vector w uniformly on the
 * simplex, normalizes the observed objectives to [0, 1], and fits the single-objective model to
 *   s_w(y) = max_j w_j y_j + ρ Σ_j w_j y_j,   ρ = 0.05 (ParEGO's value).
 * All objectives are MINIMIZED (negate maximized ones first, e.g. [-accuracy, spikes]), so s_w is
 * minimized too. The augmentation term ρ Σ w_j y_j breaks the ties of the max so that minimizers of
 * s_w are Pareto optimal rather than only weakly so.
 */
import { ValidationError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import { checkInt, checkNumber } from '../../core/validate.ts';

/** ParEGO's augmentation coefficient ρ. */
export const PAREGO_RHO = 0.05;

/**
 * A weight vector uniform on the simplex {w >= 0, Σ w = 1} (the flat Dirichlet(1, ..., 1)):
 * independent standard exponentials E_j = -ln(1 - U_j), divided by their sum.
 */
export function sampleSimplexWeights(m: number, rng: Rng): Float64Array {
  checkInt('m', m, 1);
  const w = new Float64Array(m);
  let sum = 0;
  // The sum is 0 only if every U_j is exactly 0 (probability 2^(-32 m)); draw again then.
  while (!(sum > 0)) {
    sum = 0;
    for (let j = 0; j < m; j++) {
      w[j] = -Math.log1p(-rng.next());
      sum += w[j];
    }
  }
  for (let j = 0; j < m; j++) w[j] /= sum;
  return w;
}

/**
 * Augmented Chebyshev scalarization max_j w_j y_j + ρ Σ_j w_j y_j of one (minimized, normalized)
 * objective vector `y` with weights `w`; ρ defaults to 0.05 (ParEGO).
 */
export function chebyshev(y: ArrayLike<number>, w: ArrayLike<number>, rho = PAREGO_RHO): number {
  if (y.length !== w.length || y.length === 0) {
    throw new ValidationError('w.length', w.length, `expected ${y.length} weights, one per objective`);
  }
  checkNumber('rho', rho, 0);
  let max = -Infinity;
  let sum = 0;
  for (let j = 0; j < y.length; j++) {
    const v = w[j] * y[j];
    if (v > max) max = v;
    sum += v;
  }
  return max + rho * sum;
}

/**
 * Per-objective min-max normalization of n observations of m objectives (row-major `Y`, n × m) to
 * [0, 1]: (y - min_j) / (max_j - min_j) over the observed values of objective j. An objective that is
 * constant over the observations maps to 0. Values must be finite. Returns a new array (or `out`).
 */
export function normalizeObjectives(
  Y: ArrayLike<number>,
  n: number,
  m: number,
  out?: Float64Array,
): Float64Array {
  checkInt('n', n, 0);
  checkInt('m', m, 1);
  if (Y.length !== n * m) throw new ValidationError('Y.length', Y.length, `expected n·m = ${n * m}`);
  const res = out ?? new Float64Array(n * m);
  if (res.length !== n * m) throw new ValidationError('out.length', res.length, `expected n·m = ${n * m}`);
  for (let i = 0; i < n * m; i++) {
    if (!Number.isFinite(Y[i])) {
      throw new ValidationError(`Y[${Math.floor(i / m)}][${i % m}]`, Y[i], 'expected a finite number');
    }
  }
  for (let j = 0; j < m; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = Y[i * m + j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const range = hi - lo;
    for (let i = 0; i < n; i++) res[i * m + j] = range > 0 ? (Y[i * m + j] - lo) / range : 0;
  }
  return res;
}

/**
 * ParEGO targets: the observations `Y` (n × m, minimized) normalized by `normalizeObjectives` and
 * scalarized by `chebyshev` with weights `w` and augmentation ρ. Returns n values.
 */
export function chebyshevScalarize(
  Y: ArrayLike<number>,
  n: number,
  m: number,
  w: ArrayLike<number>,
  rho = PAREGO_RHO,
): Float64Array {
  if (w.length !== m) throw new ValidationError('w.length', w.length, `expected m = ${m} weights`);
  const z = normalizeObjectives(Y, n, m);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = chebyshev(z.subarray(i * m, i * m + m), w, rho);
  return s;
}
