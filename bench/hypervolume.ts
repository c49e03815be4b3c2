/**
 * Hypervolume timings (console only, not a test):
 *
 *   npx tsx src/optim/mo/bench-hypervolume.ts [--reps N]
 *
 * Two kinds of point sets in [0, 1]^m with reference (1.1, ..., 1.1): "front", every point on the
 * sphere ‖1 - p‖ = 1 (all non-dominated, the hard case) and "uniform", uniform in the cube (mostly
 * dominated). Prints the median ms per call of `hypervolume`, and for some sizes of
 * `hypervolumeContribution`; the m >= 4 rows use the default `maxPoints` cap as n (the worst case
 * the cap lets through).
 */
import { Rng } from '../src/core/rng.ts';
import { defaultMaxPoints, hypervolume, hypervolumeContribution } from '../src/optim/mo/hypervolume.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const REPS = arg('--reps', 7);
const rng = new Rng(2025);

function frontPoints(n: number, m: number): Float64Array {
  const d = new Float64Array(n * m);
  const g = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) {
      g[j] = Math.abs(rng.normal()) + 1e-12;
      s += g[j] * g[j];
    }
    s = Math.sqrt(s);
    for (let j = 0; j < m; j++) d[i * m + j] = 1 - g[j] / s;
  }
  return d;
}

function uniformPoints(n: number, m: number): Float64Array {
  const d = new Float64Array(n * m);
  for (let i = 0; i < d.length; i++) d[i] = rng.next();
  return d;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 === 1 ? s[k] : (s[k - 1] + s[k]) / 2;
}

function time(f: () => number, reps: number): { ms: number; value: number } {
  let value = f(); // warm-up
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    value = f();
    ts.push(performance.now() - t0);
  }
  return { ms: median(ts), value };
}

function row(label: string, ms: number, value: number): void {
  console.log(`${label.padEnd(44)} ${ms.toFixed(3).padStart(10)} ms   HV = ${value.toPrecision(8)}`);
}

const cases: [m: number, n: number][] = [
  [2, 1000],
  [2, 100_000],
  [3, 200],
  [3, 10_000],
];
for (const [m, n] of cases) {
  const ref = new Array<number>(m).fill(1.1);
  for (const [kind, pts] of [
    ['front', frontPoints(n, m)],
    ['uniform', uniformPoints(n, m)],
  ] as const) {
    const { ms, value } = time(() => hypervolume(pts, ref), REPS);
    row(`hypervolume m=${m} n=${n} ${kind}`, ms, value);
  }
}
for (let m = 4; m <= 8; m++) {
  const n = defaultMaxPoints(m);
  const ref = new Array<number>(m).fill(1.1);
  const pts = frontPoints(n, m);
  const { ms, value } = time(() => hypervolume(pts, ref), m <= 5 ? Math.min(REPS, 3) : 1);
  row(`hypervolume m=${m} n=${n} front (cap)`, ms, value);
}
for (const [m, n] of [
  [2, 1000],
  [3, 200],
  [4, 50],
] as const) {
  const ref = new Array<number>(m).fill(1.1);
  const pts = frontPoints(n, m);
  const { ms, value } = time(() => hypervolumeContribution(pts, ref).reduce((a, b) => a + b, 0), 3);
  row(`contribution m=${m} n=${n} front (Σ)`, ms, value);
}
