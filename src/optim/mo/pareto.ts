/**
 * Pareto dominance, Pareto fronts, non-dominated sorting and crowding distance. All objectives are
 * MINIMIZED: a caller with an objective to maximize (accuracy) negates it first (see points.ts).
 *
 * `a` dominates `b` when a_j <= b_j for every objective j and a_j < b_j for at least one. Two identical
 * points therefore do not dominate each other: every copy of a non-dominated point is on the front.
 */
import { ValidationError } from '../../core/errors.ts';
import { type PointSet, toPointMatrix } from './points.ts';

/** Whether `a` Pareto-dominates `b` (minimization): no worse in every objective, better in one. */
export function dominates(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) {
    throw new ValidationError('b.length', b.length, `expected ${a.length} objectives, as in a`);
  }
  let better = false;
  for (let j = 0; j < a.length; j++) {
    if (a[j] > b[j]) return false;
    if (a[j] < b[j]) better = true;
  }
  return better;
}

/** Row i dominates row k of the row-major matrix `d` (m columns). */
function rowDominates(d: Float64Array, m: number, i: number, k: number): boolean {
  const oi = i * m;
  const ok = k * m;
  let better = false;
  for (let j = 0; j < m; j++) {
    const a = d[oi + j];
    const b = d[ok + j];
    if (a > b) return false;
    if (a < b) better = true;
  }
  return better;
}

/**
 * Indices (ascending) of the non-dominated points of `points` (n × m; `m` is required for a
 * Float64Array). Identical copies of a non-dominated point are all returned, since neither dominates
 * the other. NaN is rejected; ±Infinity compares as usual.
 *
 * m = 1: every point equal to the minimum. m = 2: O(n log n), sort by (f1, f2) and sweep keeping the
 * least f2 seen among points of smaller f1. m >= 3: O(n² m) pairwise comparison.
 */
export function paretoFront(points: PointSet, m?: number): number[] {
  const { data, n, m: mm } = toPointMatrix(points, m);
  if (n === 0) return [];
  if (mm === 1) {
    let lo = Infinity;
    for (let i = 0; i < n; i++) lo = Math.min(lo, data[i]);
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (data[i] === lo) out.push(i);
    return out;
  }
  if (mm === 2) return paretoFront2d(data, n);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let dominated = false;
    for (let k = 0; k < n && !dominated; k++) dominated = k !== i && rowDominates(data, mm, k, i);
    if (!dominated) out.push(i);
  }
  return out;
}

function paretoFront2d(d: Float64Array, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => d[2 * a] - d[2 * b] || d[2 * a + 1] - d[2 * b + 1] || a - b);
  const out: number[] = [];
  // Within a group of equal f1 only the copies of the least f2 can be non-dominated; they are when
  // that f2 is below every f2 of the groups of smaller f1 (those points are better in f1).
  let bestPrev = Infinity;
  let g = 0;
  while (g < n) {
    const x = d[2 * order[g]];
    const ymin = d[2 * order[g] + 1];
    let end = g + 1;
    while (end < n && d[2 * order[end]] === x) end++;
    if (g === 0 || ymin < bestPrev) {
      for (let t = g; t < end && d[2 * order[t] + 1] === ymin; t++) out.push(order[t]);
    }
    if (ymin < bestPrev) bestPrev = ymin;
    g = end;
  }
  return out.sort((a, b) => a - b);
}

/**
 * Fast non-dominated sort (Deb, Pratap, Agarwal & Meyarivan 2002, NSGA-II): the points partitioned
 * into fronts F_0, F_1, ...; F_0 is the Pareto front, F_k the front of what remains once F_0..F_{k-1}
 * are removed, so the rank of point i is the k with i in F_k. Indices are ascending within a front.
 * O(n² m) time, O(n²) memory in the worst case (the lists of points each point dominates).
 */
export function nonDominatedSort(points: PointSet, m?: number): number[][] {
  const { data, n, m: mm } = toPointMatrix(points, m);
  const count = new Int32Array(n); // how many points dominate i
  const dominatedBy: number[][] = Array.from({ length: n }, () => []); // points that i dominates
  for (let i = 0; i < n; i++) {
    for (let k = i + 1; k < n; k++) {
      if (rowDominates(data, mm, i, k)) {
        dominatedBy[i].push(k);
        count[k]++;
      } else if (rowDominates(data, mm, k, i)) {
        dominatedBy[k].push(i);
        count[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (count[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const k of dominatedBy[i]) if (--count[k] === 0) next.push(k);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Rank of every point: ranks[i] = k when point i is in front F_k of `nonDominatedSort`.
 */
export function nonDominatedRanks(points: PointSet, m?: number): Int32Array {
  const fronts = nonDominatedSort(points, m);
  let n = 0;
  for (const f of fronts) n += f.length;
  const ranks = new Int32Array(n);
  fronts.forEach((f, k) => {
    for (const i of f) ranks[i] = k;
  });
  return ranks;
}

/**
 * NSGA-II crowding distance of the points `front` (indices into `points`; all points when omitted),
 * aligned with `front`: for each objective the points are sorted by it, the two extremes get
 * Infinity and an interior point adds (f_next - f_prev) / (f_max - f_min). An objective whose range
 * over the front is 0 or not finite adds nothing. Fronts of one or two points are all Infinity. Ties
 * are broken by position in `front`, so of several tied extremes only the first and last are infinite.
 */
export function crowdingDistance(points: PointSet, m?: number, front?: readonly number[]): Float64Array {
  const { data, n, m: mm } = toPointMatrix(points, m);
  const f = front ?? Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t < f.length; t++) {
    const i = f[t];
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new ValidationError(`front[${t}]`, i, `expected a point index in [0, ${n - 1}]`);
    }
  }
  const k = f.length;
  const dist = new Float64Array(k);
  if (k <= 2) return dist.fill(Infinity);
  const order = Array.from({ length: k }, (_, t) => t);
  for (let j = 0; j < mm; j++) {
    const v = (t: number): number => data[f[t] * mm + j];
    order.sort((a, b) => v(a) - v(b) || a - b);
    const range = v(order[k - 1]) - v(order[0]);
    dist[order[0]] = Infinity;
    dist[order[k - 1]] = Infinity;
    if (!(range > 0 && Number.isFinite(range))) continue;
    for (let t = 1; t < k - 1; t++) dist[order[t]] += (v(order[t + 1]) - v(order[t - 1])) / range;
  }
  return dist;
}
