/**
 * Exact hypervolume indicator. All objectives are MINIMIZED (negate maximized ones first, see
 * points.ts): the hypervolume of a point set P w.r.t. a reference point r is the Lebesgue measure of
 * the union of the boxes [p, r] = [p_1, r_1] × ... × [p_m, r_m] over p in P. Points that do not
 * strictly dominate r (p_j < r_j for every j) are ignored, as are dominated points (their box lies
 * inside another's).
 *
 * Algorithms, by the number of objectives m:
 *  - m = 1: r - min p.
 *  - m = 2: sort by f1 and sweep, adding the rectangle each new staircase step uncovers: O(n log n).
 *  - m = 3: dimension sweep over f3 (HV3D; Fonseca, Paquete & López-Ibáñez 2006, Beume et al. 2009):
 *    points in increasing f3 are inserted into the 2-D staircase of the (f1, f2) projections seen so
 *    far, whose area is updated by the area each insertion uncovers; the volume is the staircase area
 *    integrated over f3. Binary search plus an array splice per insertion: O(n log n) comparisons,
 *    O(n²) element moves in the worst case (memmove-fast; n = 10⁴ is milliseconds).
 *  - m >= 4: WFG (While, Bradstreet & Barone 2012), the variant that sorts by the last objective so
 *    that every limit set lies in a hyperplane and recurses in m - 1 objectives, down to the m = 3
 *    sweep. Each level solves up to n limit sets of up to n points, about n^(m-2) log n in all: the
 *    number of non-dominated points is capped (`maxPoints`, default `defaultMaxPoints(m)`), and
 *    larger sets are rejected with a HypervolumeError. Inclusion–exclusion is not used (2^n terms).
 */
import { SpiketuneError, ValidationError } from '../../core/errors.ts';
import { checkNumber } from '../../core/validate.ts';
import { type PointSet, toPoint, toPointMatrix } from './points.ts';

/** The exact hypervolume would take too long (too many non-dominated points for m >= 4). */
export class HypervolumeError extends SpiketuneError {
  constructor(message: string) {
    super('E_HYPERVOLUME', message);
    this.name = 'HypervolumeError';
  }
}

export interface HypervolumeOptions {
  /**
   * For m >= 4 only: the most non-dominated points (strictly dominating the reference) accepted;
   * default `defaultMaxPoints(m)`. Infinity disables the check.
   */
  maxPoints?: number;
}

/**
 * Default cap on the number of non-dominated points for m >= 4 (WFG): 2000 for m = 4, 1000 for m = 5,
 * 300, 120, 60, 40, 30 for m = 6..10, and 20 for m >= 11. At the cap a full front (spherical, linear
 * or convex, all points non-dominated) took at most about 0.6 s on one core of a 2020s x86 CPU.
 */
export function defaultMaxPoints(m: number): number {
  const table = [Infinity, Infinity, Infinity, Infinity, 2000, 1000, 300, 120, 60, 40, 30];
  return m < table.length ? table[m] : 20;
}

/**
 * Hypervolume dominated by `points` (n × m; m = ref.length) w.r.t. the reference point `ref`
 * (finite). Points with a coordinate >= the reference's are ignored. Throws a HypervolumeError for
 * m >= 4 when more than `maxPoints` non-dominated points remain.
 */
export function hypervolume(
  points: PointSet,
  ref: ArrayLike<number>,
  options: HypervolumeOptions = {},
): number {
  const r = checkRef(ref);
  const { data, n } = filterDominatingRef(points, r);
  return hvOf(data, n, r, options);
}

/**
 * Exclusive hypervolume contribution of every point: HV(P) - HV(P without point i), computed as the
 * volume of its box minus the hypervolume of the other points clipped to that box (the WFG limit set).
 * A point that does not strictly dominate the reference, that is dominated by another point, or that
 * has an identical copy in `points` contributes 0. O(n · cost of one hypervolume of n - 1 points);
 * for m >= 4 the `maxPoints` cap applies to the whole set.
 */
export function hypervolumeContribution(
  points: PointSet,
  ref: ArrayLike<number>,
  options: HypervolumeOptions = {},
): Float64Array {
  const r = checkRef(ref);
  const m = r.length;
  const { data, n, index, total } = filterDominatingRef(points, r);
  const contrib = new Float64Array(total);
  if (m >= 4) checkCap(nondominatedRows(data, n, m).n, m, options);
  const lim = new Float64Array(Math.max(0, n - 1) * m);
  for (let a = 0; a < n; a++) {
    const pa = a * m;
    // Weakly dominated by (or equal to) another point: its box adds nothing.
    let covered = false;
    for (let b = 0; b < n && !covered; b++) {
      if (b === a) continue;
      let le = true;
      for (let j = 0; j < m && le; j++) le = data[b * m + j] <= data[pa + j];
      covered = le;
    }
    if (covered) continue;
    let cnt = 0;
    for (let b = 0; b < n; b++) {
      if (b === a) continue;
      for (let j = 0; j < m; j++) lim[cnt * m + j] = Math.max(data[pa + j], data[b * m + j]);
      cnt++;
    }
    const v = boxVolume(data, pa, m, r) - hvOf(lim, cnt, r, options);
    contrib[index[a]] = Math.max(0, v);
  }
  return contrib;
}

/**
 * Hypervolume improvement of adding `point` to `front`: HV(front ∪ {point}) - HV(front), computed as
 * the volume of the point's box minus the hypervolume of the front clipped to it. 0 when the point
 * does not strictly dominate `ref` or is weakly dominated by a point of the front.
 */
export function hypervolumeImprovement(
  point: ArrayLike<number>,
  front: PointSet,
  ref: ArrayLike<number>,
  options: HypervolumeOptions = {},
): number {
  const r = checkRef(ref);
  const m = r.length;
  const p = toPoint(point, m, 'point');
  const { data, n } = filterDominatingRef(front, r);
  if (p.some((v) => v === -Infinity)) {
    throw new ValidationError('point', Array.from(p), 'expected no -Infinity (unbounded hypervolume)');
  }
  for (let j = 0; j < m; j++) if (!(p[j] < r[j])) return 0;
  const lim = new Float64Array(n * m);
  for (let b = 0; b < n; b++) {
    let le = true;
    for (let j = 0; j < m; j++) {
      const q = data[b * m + j];
      if (q > p[j]) le = false;
      lim[b * m + j] = Math.max(p[j], q);
    }
    if (le) return 0;
  }
  return Math.max(0, boxVolume(p, 0, m, r) - hvOf(lim, n, r, options));
}

// ---------------------------------------------------------------------------------------------------

function checkRef(ref: ArrayLike<number>): Float64Array {
  const r = toPoint(ref, undefined, 'ref');
  if (r.length === 0) throw new ValidationError('ref', Array.from(r), 'expected at least one objective');
  for (let j = 0; j < r.length; j++) checkNumber(`ref[${j}]`, r[j]);
  return r;
}

/** The points that strictly dominate `r`, compacted, with their original indices. */
function filterDominatingRef(
  points: PointSet,
  r: Float64Array,
): { data: Float64Array; n: number; index: Int32Array; total: number } {
  const m = r.length;
  const { data: d, n } = toPointMatrix(points, m);
  const out = new Float64Array(n * m);
  const index = new Int32Array(n);
  let cnt = 0;
  for (let i = 0; i < n; i++) {
    let ok = true;
    for (let j = 0; j < m; j++) {
      const v = d[i * m + j];
      if (v === -Infinity) {
        throw new ValidationError(`points[${i}][${j}]`, v, 'expected no -Infinity (unbounded hypervolume)');
      }
      if (!(v < r[j])) ok = false;
    }
    if (!ok) continue;
    out.set(d.subarray(i * m, i * m + m), cnt * m);
    index[cnt++] = i;
  }
  return { data: out.subarray(0, cnt * m), n: cnt, index: index.subarray(0, cnt), total: n };
}

function boxVolume(d: ArrayLike<number>, offset: number, m: number, r: Float64Array): number {
  let v = 1;
  for (let j = 0; j < m; j++) v *= r[j] - d[offset + j];
  return v;
}

/** Hypervolume of n points (all strictly dominating r) in m = r.length objectives. */
function hvOf(d: Float64Array, n: number, r: Float64Array, options: HypervolumeOptions): number {
  const m = r.length;
  if (n === 0) return 0;
  if (n === 1) return boxVolume(d, 0, m, r);
  if (m === 1) {
    let lo = Infinity;
    for (let i = 0; i < n; i++) lo = Math.min(lo, d[i]);
    return r[0] - lo;
  }
  if (m === 2) return hv2d(d, n, r[0], r[1]);
  if (m === 3) return hv3d(d, n, r[0], r[1], r[2]);
  const nd = nondominatedRows(d, n, m);
  checkCap(nd.n, m, options);
  return wfg(nd.data, nd.n, m, r);
}

function checkCap(n: number, m: number, options: HypervolumeOptions): void {
  const cap = options.maxPoints ?? defaultMaxPoints(m);
  if (typeof cap !== 'number' || !(cap >= 1)) {
    throw new ValidationError('options.maxPoints', cap, 'expected a number >= 1 (Infinity for no cap)');
  }
  if (m >= 4 && n > cap) {
    throw new HypervolumeError(
      `exact hypervolume in ${m} objectives is limited to ${cap} non-dominated points (got ${n}); ` +
        'reduce the set or raise options.maxPoints',
    );
  }
}

/** Indices 0..n-1 sorted by column `col` of d (m columns), ascending or descending. */
function sortedBy(d: Float64Array, n: number, m: number, col: number, descending: boolean): Int32Array {
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = d[i * m + col];
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (descending) order.sort((a, b) => keys[b] - keys[a]);
  else order.sort((a, b) => keys[a] - keys[b]);
  return order;
}

/** 2-D: sort by f1 ascending; each point below the current staircase adds (r1 - x) · (yBest - y). */
function hv2d(d: Float64Array, n: number, r0: number, r1: number): number {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => d[2 * a] - d[2 * b] || d[2 * a + 1] - d[2 * b + 1]);
  let yBest = r1;
  let area = 0;
  for (let t = 0; t < n; t++) {
    const i = order[t];
    const y = d[2 * i + 1];
    if (y < yBest) {
      area += (r0 - d[2 * i]) * (yBest - y);
      yBest = y;
    }
  }
  return area;
}

/**
 * 3-D dimension sweep. `xs`/`ys` hold the 2-D staircase of the points inserted so far: x strictly
 * increasing, y strictly decreasing. `area` is the area it dominates within [.., r0] × [.., r1].
 */
function hv3d(d: Float64Array, n: number, r0: number, r1: number, r2: number): number {
  const order = sortedBy(d, n, 3, 2, false);
  const xs: number[] = [];
  const ys: number[] = [];
  let area = 0;
  let volume = 0;
  let zPrev = 0;
  for (let t = 0; t < n; t++) {
    const i = order[t];
    const px = d[3 * i];
    const py = d[3 * i + 1];
    const pz = d[3 * i + 2];
    if (t > 0) volume += area * (pz - zPrev);
    zPrev = pz;
    const len = xs.length;
    // lo = first staircase index with x >= px.
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (xs[mid] < px) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && ys[lo - 1] <= py) continue; // dominated by a point of smaller x
    if (lo < len && xs[lo] === px && ys[lo] <= py) continue; // dominated by (or equal to) one of equal x
    // Staircase points from lo with y >= py are dominated by p: [lo, end).
    let end = lo;
    while (end < len && ys[end] >= py) end++;
    // Area p uncovers: over [px, next x) the staircase reached down to the y of the point before lo.
    let added = ((lo > 0 ? ys[lo - 1] : r1) - py) * ((lo < len ? xs[lo] : r0) - px);
    for (let k = lo; k < end; k++) added += (ys[k] - py) * ((k + 1 < len ? xs[k + 1] : r0) - xs[k]);
    area += added;
    xs.splice(lo, end - lo, px);
    ys.splice(lo, end - lo, py);
  }
  return volume + area * (r2 - zPrev);
}

/** The non-dominated rows of d with duplicates dropped (one copy kept), compacted. O(n² m). */
function nondominatedRows(d: Float64Array, n: number, m: number): { data: Float64Array; n: number } {
  const keep = new Uint8Array(n).fill(1);
  for (let a = 0; a < n; a++) {
    if (!keep[a]) continue;
    for (let b = 0; b < n; b++) {
      if (b === a || !keep[b]) continue;
      // Does a weakly dominate b? Then b goes (for identical rows the later one goes).
      let le = true;
      let lt = false;
      for (let j = 0; j < m && le; j++) {
        const x = d[a * m + j];
        const y = d[b * m + j];
        if (x > y) le = false;
        else if (x < y) lt = true;
      }
      if (le && (lt || b > a)) keep[b] = 0;
    }
  }
  let cnt = 0;
  for (let a = 0; a < n; a++) cnt += keep[a];
  if (cnt === n) return { data: d, n };
  const out = new Float64Array(cnt * m);
  let t = 0;
  for (let a = 0; a < n; a++) if (keep[a]) out.set(d.subarray(a * m, a * m + m), m * t++);
  return { data: out, n: cnt };
}

/**
 * WFG in m >= 4 objectives. With the points sorted by f_m descending, the exclusive volume of point
 * k w.r.t. the later points is (r_m - p_k,m) · (box_{m-1}(p_k) - HV_{m-1}(limit set)), where the limit
 * set clips the later points to p_k's box (componentwise max) and is projected onto f_1..f_{m-1}:
 * every clipped point has f_m = p_k,m since the later points have smaller f_m. Summing the exclusive
 * volumes gives HV (a telescoping sum). The limit set is reduced to its non-dominated points before
 * recursing in m - 1 >= 4 objectives; in 3 objectives the sweep handles dominated points itself.
 */
function wfg(d: Float64Array, n: number, m: number, r: Float64Array): number {
  if (n === 0) return 0;
  if (n === 1) return boxVolume(d, 0, m, r);
  if (m === 3) return hv3d(d, n, r[0], r[1], r[2]);
  const order = sortedBy(d, n, m, m - 1, true);
  const s = new Float64Array(n * m);
  for (let t = 0; t < n; t++) s.set(d.subarray(order[t] * m, order[t] * m + m), t * m);
  const mm = m - 1;
  const rr = r.subarray(0, mm);
  const lim = new Float64Array((n - 1) * mm);
  let total = 0;
  for (let k = 0; k < n; k++) {
    const pk = k * m;
    const height = r[mm] - s[pk + mm];
    let box = 1;
    for (let j = 0; j < mm; j++) box *= r[j] - s[pk + j];
    let cnt = 0;
    for (let q = k + 1; q < n; q++) {
      const pq = q * m;
      for (let j = 0; j < mm; j++) lim[cnt * mm + j] = Math.max(s[pk + j], s[pq + j]);
      cnt++;
    }
    let inner: number;
    if (cnt === 0) inner = 0;
    else if (mm === 3) inner = hv3d(lim, cnt, r[0], r[1], r[2]);
    else {
      const nd = nondominatedRows(lim.subarray(0, cnt * mm), cnt, mm);
      inner = wfg(nd.data, nd.n, mm, rr); // reads its input only, so lim can be reused afterwards
    }
    total += height * (box - inner);
  }
  return total;
}
