/**
 * Timings of the GP surrogate at the sizes of SCBO (d = 18, up to 1,000 observations, 5,000 Thompson
 * candidates). Printed, not asserted. The small size runs with the suite; the large ones only with
 * GP_PERF=1 (`GP_PERF=1 npx vitest run src/optim/gp/perf.test.ts`), as fitting at n = 1,000 takes
 * minutes.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { fitGp, type Gp, MarginalLikelihood } from './gp.ts';
import { samplePosterior } from './sample.ts';

const D = 18;
const FULL = process.env.GP_PERF === '1';

/** A smooth 18-D test function with a few strong and many weak dimensions, plus a little noise. */
function data(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const x = new Float64Array(n * D);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * D;
    let v = Math.sin(5 * x[o]) + 2 * (x[o + 1] - 0.3) ** 2;
    for (let j = 2; j < D; j++) v += (x[o + j] - 0.5) ** 2 / (j + 1);
    y[i] = v + 0.01 * rng.normal();
  }
  return { x, y };
}

/**
 * Runs f once; `ms` is the CPU time of this process (user + system), which a busy shared machine
 * inflates less than wall time; `wallMs` is the wall time.
 */
function time<T>(f: () => T): { value: T; ms: number; wallMs: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = f();
  const wallMs = performance.now() - t;
  const u = process.cpuUsage(c);
  return { value, ms: (u.user + u.system) / 1000, wallMs };
}

/** Indices of the k points nearest to `center` (d-dimensional). */
function nearest(x: Float64Array, n: number, center: Float64Array, k: number): Int32Array {
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += (x[i * D + j] - center[j]) ** 2;
    dist[i] = s;
  }
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => dist[a] - dist[b]);
  return Int32Array.from(idx.slice(0, k));
}

function perEvaluation(x: Float64Array, y: Float64Array, n: number): number {
  const ys = y.slice();
  let mean = 0;
  for (const v of ys) mean += v;
  mean /= n;
  for (let i = 0; i < n; i++) ys[i] -= mean;
  const ml = new MarginalLikelihood(x, ys, n, D);
  const theta = new Float64Array(D + 2).fill(Math.log(1.5));
  theta[D] = 0;
  theta[D + 1] = Math.log(1e-4);
  const g = new Float64Array(D + 2);
  ml.evaluate(theta, g);
  let best = Infinity;
  for (let r = 0; r < 3; r++) best = Math.min(best, time(() => ml.evaluate(theta, g)).ms);
  return best;
}

function reportFit(n: number): Gp {
  const { x, y } = data(n, n);
  const evalMs = perEvaluation(x, y, n);
  const { value: gp, ms, wallMs } = time(() => fitGp(x, y, { restarts: 3, maxIterations: 100, seed: 1 }));
  const fit = gp.fit!;
  const iters = fit.runs.map((r) => r.iterations).join('/');
  console.log(
    `fitGp n = ${n}, d = ${D}, restarts 3, maxIterations 100: ${(ms / 1000).toFixed(2)} s CPU ` +
      `(${(wallMs / 1000).toFixed(2)} s wall) ` +
      `(${fit.evaluations} likelihood evaluations, iterations ${iters}; one evaluation with gradient ${evalMs.toFixed(1)} ms CPU)`,
  );
  return gp;
}

describe('GP performance (printed)', () => {
  it('fitGp at n = 100', () => {
    const gp = reportFit(100);
    expect(gp.n).toBe(100);
  });

  it.runIf(FULL)(
    'fitGp at n = 300 and n = 1000',
    () => {
      reportFit(300);
      reportFit(1000);
    },
    3_600_000,
  );

  it.runIf(FULL)(
    'sampling and the recommended SCBO recipe at n = 1000',
    () => {
      const n = 1000;
      const { x, y } = data(n, 7);
      const rng = new Rng(3);
      const xs = new Float64Array(5000 * D);
      for (let i = 0; i < xs.length; i++) xs[i] = rng.next();
      const hyper = { lengthscales: new Float64Array(D).fill(1.5), outputScale: 1, noise: 1e-4 };
      const build = time(() => fitGp(x, y, { fixed: hyper }));
      const gp = build.value;
      for (let r = 0; r < 2; r++) samplePosterior(gp, xs.subarray(0, 100 * D), 1, rng);
      const one = time(() => samplePosterior(gp, xs, 1, rng, { features: 1024 }));
      const four = time(() => samplePosterior(gp, xs, 4, rng, { features: 1024 }));
      const fourShared = time(() => samplePosterior(gp, xs, 4, rng, { features: 1024, sharedBasis: true }));
      const mean = time(() => gp.predictMean(xs));
      const cond = time(() => gp.condition(xs.subarray(0, D), [0.5]));
      const fant = time(() => gp.conditionOnMean(xs.subarray(0, 4 * D)));
      console.log(
        `n = ${n}, d = ${D} (CPU): model with fixed hyperparameters ${build.ms.toFixed(0)} ms; ` +
          `samplePosterior 5000 × 1 (F = 1024) ${one.ms.toFixed(0)} ms, 5000 × 4 ${four.ms.toFixed(0)} ms, ` +
          `5000 × 4 shared basis ${fourShared.ms.toFixed(0)} ms; predictMean 5000 ${mean.ms.toFixed(0)} ms; ` +
          `condition on 1 point ${cond.ms.toFixed(1)} ms; kriging believer on 4 pending ${fant.ms.toFixed(1)} ms`,
      );

      // Recipe: fit θ on the k points nearest the trust-region centre, warm-started from the previous
      // θ (one L-BFGS-B run, ≤ 50 iterations); the model itself is built on all n points (fitOn).
      const center = new Float64Array(D).fill(0.5);
      const prev = fitGp(x, y, { fixed: hyper });
      for (const k of [100, 200, 300]) {
        const idx = nearest(x, n, center, k);
        const fitted = time(() =>
          fitGp(x, y, { fitOn: idx, init: prev.hyper, restarts: 1, maxIterations: 50 }),
        );
        const fixed = time(() => fitGp(x, y, { fixed: fitted.value.hyper }));
        const ts = time(() => samplePosterior(fitted.value, xs, 1, rng, { features: 1024 }));
        const ts512 = time(() => samplePosterior(fitted.value, xs, 1, rng, { features: 512 }));
        console.log(
          `recipe (fit on the ${k} nearest, warm start, 1 run ≤ 50 iterations; model on all ${n}), CPU: ` +
            `fitGp ${fitted.ms.toFixed(0)} ms (${fitted.value.fit!.evaluations} evaluations; factoring all ` +
            `${n} alone ${fixed.ms.toFixed(0)} ms) + sample 5000 ${ts.ms.toFixed(0)} ms (F = 512: ` +
            `${ts512.ms.toFixed(0)} ms) = ${(fitted.ms + ts.ms).toFixed(0)} ms per GP`,
        );
      }
    },
    600_000,
  );
});
