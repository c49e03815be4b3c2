/**
 * Candidate generation inside the trust region (TuRBO / SCBO): a box around the centre whose side in
 * dimension i is L · ℓ_i / (Π ℓ_j)^{1/d} (longer along directions the GP finds smooth), clipped to
 * [0, 1]^d; candidates are scrambled Sobol' points of the box, and each one perturbs only a random
 * subset of coordinates (probability min(1, 20/d) per coordinate, at least one), keeping the rest at
 * the centre — this keeps high-dimensional search local (Regis & Shoemaker's DYCORS rule, as TuRBO).
 *
 * Shapes: centre d; lengthscales d; output m × d row-major.
 */
import type { Rng } from '../../core/rng.ts';
import { SobolEngine } from '../../linalg/sobol.ts';

export function trustRegionBounds(
  centre: Float64Array,
  lengthscales: ArrayLike<number>,
  length: number,
): { lo: Float64Array; hi: Float64Array } {
  const d = centre.length;
  let logMean = 0;
  for (let i = 0; i < d; i++) logMean += Math.log(lengthscales[i]);
  const gm = Math.exp(logMean / d);
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const half = (length * (lengthscales[i] / gm)) / 2;
    lo[i] = Math.max(0, centre[i] - half);
    hi[i] = Math.min(1, centre[i] + half);
  }
  return { lo, hi };
}

export function trustRegionCandidates(
  centre: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  m: number,
  rng: Rng,
): Float64Array {
  const d = centre.length;
  const sob = new SobolEngine(d, { seed: rng.nextU32(), scramble: 'lms' }).draw(m);
  const prob = Math.min(1, 20 / d);
  const out = new Float64Array(m * d);
  for (let j = 0; j < m; j++) {
    let any = false;
    for (let i = 0; i < d; i++) {
      const perturb = rng.next() < prob;
      any ||= perturb;
      out[j * d + i] = perturb ? lo[i] + (hi[i] - lo[i]) * sob[j * d + i] : centre[i];
    }
    if (!any) {
      const i = rng.int(d);
      out[j * d + i] = lo[i] + (hi[i] - lo[i]) * sob[j * d + i];
    }
  }
  return out;
}
