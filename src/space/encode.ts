/**
 * Encoding of parameter values to and from the unit cube [0, 1]^dims that the GP models work in.
 *
 * - float: one dimension, `(v - low) / (high - low)`, or with `log: true`
 *   `(ln v - ln low) / (ln high - ln low)`. A uniform point of [0, 1] decodes to a uniform (log-uniform)
 *   value.
 * - int: one dimension over the widened range [low - 0.5, high + 0.5] (in log space when `log: true`),
 *   decoded by rounding to the nearest integer, so every integer owns a full bin of the unit interval:
 *   the bin of `k` is the image of [k - 0.5, k + 0.5]. Linear ints therefore get equal-width bins; log
 *   ints get bins whose widths follow the log-uniform density (endpoints get full bins, not the half
 *   bins of naive rounding). This is the transform of Garrido-Merchán & Hernández-Lobato (2020), with
 *   their "rounding inside the kernel" approximated by rounding at decode (`SearchSpace.snap` rounds
 *   explicitly); it is also what Optuna does for integer distributions. A value encodes to the image of
 *   `k` itself (the centre of its bin for linear ints).
 * - categorical: one-hot, one dimension per choice; decode takes the argmax (ties: the first choice).
 *   This is the usual encoding for GP-BO (BoTorch, SMAC).
 * - fixed: no dimension.
 * - inactive conditional parameters: every one of their dimensions is set to the centre of the
 *   parameter's encoded domain, 0.5 for floats and ints and 1/k on each of the k one-hot dimensions of a
 *   categorical. Two configurations in which a parameter is inactive therefore agree exactly on its
 *   dimensions, so distances between them ignore it; the centre is also the point of the domain nearest
 *   (in the worst case) to every active value, and for a categorical it is equidistant from all choices.
 */
import type { ParamDef, ParamValue } from './params.ts';

/** Number of unit-cube dimensions parameter `p` occupies. */
export function paramWidth(p: ParamDef): number {
  switch (p.type) {
    case 'float':
    case 'int':
      return 1;
    case 'categorical':
      return p.choices.length;
    case 'fixed':
      return 0;
  }
}

function clamp01(u: number): number {
  return Math.min(1, Math.max(0, u));
}

/** Bounds of the continuous range an int parameter is spread over (log-transformed when `log`). */
function intRange(p: { low: number; high: number; log: boolean }): [number, number] {
  return p.log ? [Math.log(p.low - 0.5), Math.log(p.high + 0.5)] : [p.low - 0.5, p.high + 0.5];
}

/** Maps a numeric value of a float or int parameter to [0, 1]. */
export function numericToUnit(
  p: { type: 'float' | 'int'; low: number; high: number; log: boolean },
  v: number,
) {
  if (p.type === 'float') {
    if (p.log) return clamp01((Math.log(v) - Math.log(p.low)) / (Math.log(p.high) - Math.log(p.low)));
    return clamp01((v - p.low) / (p.high - p.low));
  }
  const [a, b] = intRange(p);
  return clamp01(((p.log ? Math.log(v) : v) - a) / (b - a));
}

/** Maps u in [0, 1] (clamped) to a value of a float or int parameter; ints are rounded. */
export function unitToNumeric(
  p: { type: 'float' | 'int'; low: number; high: number; log: boolean },
  u: number,
): number {
  u = clamp01(u);
  if (p.type === 'float') {
    if (u === 0) return p.low;
    if (u === 1) return p.high;
    const v = p.log
      ? Math.exp(Math.log(p.low) + u * (Math.log(p.high) - Math.log(p.low)))
      : p.low + u * (p.high - p.low);
    return Math.min(p.high, Math.max(p.low, v));
  }
  const [a, b] = intRange(p);
  const t = a + u * (b - a);
  const v = Math.round(p.log ? Math.exp(t) : t);
  return Math.min(p.high, Math.max(p.low, v));
}

/** Writes the encoding of active value `v` of `p` at `out[offset ...]`. `v` must be a valid value. */
export function encodeValue(p: ParamDef, v: ParamValue, out: Float64Array, offset: number): void {
  switch (p.type) {
    case 'float':
    case 'int':
      out[offset] = numericToUnit(p, v as number);
      return;
    case 'categorical': {
      const k = p.choices.indexOf(v);
      for (let i = 0; i < p.choices.length; i++) out[offset + i] = i === k ? 1 : 0;
      return;
    }
    case 'fixed':
      return;
  }
}

/** Writes the neutral encoding of an inactive `p` (the centre of its encoded domain). */
export function encodeInactive(p: ParamDef, out: Float64Array, offset: number): void {
  const w = paramWidth(p);
  const c = p.type === 'categorical' ? 1 / w : 0.5;
  for (let i = 0; i < w; i++) out[offset + i] = c;
}

/** Decodes the value of `p` from `x[offset ...]` (clamped, rounded, snapped: always a valid value). */
export function decodeValue(p: ParamDef, x: ArrayLike<number>, offset: number): ParamValue {
  switch (p.type) {
    case 'float':
    case 'int':
      return unitToNumeric(p, x[offset]);
    case 'categorical': {
      let best = 0;
      for (let i = 1; i < p.choices.length; i++) if (x[offset + i] > x[offset + best]) best = i;
      return p.choices[best];
    }
    case 'fixed':
      return p.value;
  }
}
