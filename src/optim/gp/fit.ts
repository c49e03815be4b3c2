/**
 * Hyperparameter fitting of the GP (see gp.ts): maximizes the log marginal likelihood plus the log
 * lengthscale prior by L-BFGS-B from a few deterministic starts.
 */
import { Rng } from '../../core/rng.ts';
import { minimizeWithRestarts } from '../lbfgsb.ts';
import {
  type GpBounds,
  type GpHyperparameters,
  type GpHyperparametersResolved,
  hyperOf,
  type LengthscalePrior,
  lengthscaleLogPrior,
  thetaOf,
} from './hyperparameters.ts';
import { MarginalLikelihood } from './likelihood.ts';

/** One L-BFGS-B run of a fit. */
export interface GpFitRun {
  /** Starting θ = (log ℓ, log σ², log σ_n²). */
  readonly start: Float64Array;
  /** Final θ. */
  readonly theta: Float64Array;
  /** −(log marginal likelihood + log prior) / n at θ (NaN when the run failed). */
  readonly objective: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly status: string;
}

/** How the hyperparameters of a model were obtained (null when they were fixed). */
export interface GpFitReport {
  /** Index of the run that was kept. */
  readonly best: number;
  readonly runs: readonly GpFitRun[];
  /** Likelihood evaluations over all runs. */
  readonly evaluations: number;
  /** True when every run failed and the default hyperparameters were used instead. */
  readonly fellBack: boolean;
}

export interface FitSettings {
  readonly restarts: number;
  readonly maxIterations: number;
  readonly seed: number;
  readonly bounds: GpBounds;
  readonly prior: LengthscalePrior;
  readonly init: GpHyperparameters | null;
}

/** Default starting lengthscale: 0.5 √d, within [0.5, upper bound]. */
function defaultLengthscale(d: number, bounds: GpBounds): number {
  const [lo, hi] = bounds.lengthscale;
  return Math.min(hi, Math.max(lo, Math.max(0.5, 0.5 * Math.sqrt(d))));
}

export function fitHyperparameters(
  x: Float64Array,
  ys: Float64Array,
  n: number,
  d: number,
  s: FitSettings,
): { hyper: GpHyperparametersResolved; report: GpFitReport } {
  const { bounds, prior } = s;
  const np = d + 2;
  const lower = new Float64Array(np);
  const upper = new Float64Array(np);
  for (let j = 0; j < d; j++) {
    lower[j] = Math.log(bounds.lengthscale[0]);
    upper[j] = Math.log(bounds.lengthscale[1]);
  }
  lower[d] = Math.log(bounds.outputScale[0]);
  upper[d] = Math.log(bounds.outputScale[1]);
  lower[d + 1] = Math.log(bounds.noise[0]);
  upper[d + 1] = Math.log(bounds.noise[1]);
  const clampTheta = (t: Float64Array): Float64Array => {
    for (let p = 0; p < np; p++) t[p] = Math.min(upper[p], Math.max(lower[p], t[p]));
    return t;
  };

  // Starts: the warm start, the default, then random perturbations of the default.
  const starts: Float64Array[] = [];
  if (s.init !== null) starts.push(clampTheta(thetaOf(s.init, d)));
  const l0 = defaultLengthscale(d, bounds);
  const def = clampTheta(
    thetaOf({ lengthscales: new Float64Array(d).fill(l0), outputScale: 1, noise: 1e-4 }, d),
  );
  if (starts.length < s.restarts) starts.push(def);
  const rng = new Rng(s.seed);
  while (starts.length < s.restarts) {
    // log ℓ_j ~ N(log ℓ₀, 0.75²); σ² log-uniform in [0.25, 4]; σ_n² log-uniform in [1e-6, 1e-3] (all clamped).
    const t = new Float64Array(np);
    for (let j = 0; j < d; j++) t[j] = Math.log(l0) + 0.75 * rng.normal();
    t[d] = Math.log(0.25) + rng.next() * Math.log(16);
    t[d + 1] = Math.log(1e-6) + rng.next() * Math.log(1e3);
    starts.push(clampTheta(t));
  }

  const ml = new MarginalLikelihood(x, ys, n, d);
  const invN = 1 / n;
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    const lml = ml.evaluate(theta, grad);
    if (!Number.isFinite(lml)) return Number.NaN;
    const lp = lengthscaleLogPrior(prior, theta, d, grad);
    for (let p = 0; p < np; p++) grad[p] = -grad[p] * invN;
    return -(lml + lp) * invN;
  };
  const result = minimizeWithRestarts(objective, { lower, upper }, starts, new Rng(s.seed ^ 0x5bd1e995), {
    maxIterations: s.maxIterations,
  });
  const runs: GpFitRun[] = result.runs.map((r, i) => ({
    start: starts[i],
    theta: r.x,
    objective: r.f,
    iterations: r.iterations,
    evaluations: r.evaluations,
    status: r.status,
  }));
  let evaluations = 0;
  for (const r of runs) evaluations += r.evaluations;
  const fellBack = !Number.isFinite(result.f);
  const theta = fellBack ? def : result.x;
  return { hyper: hyperOf(theta, d), report: { best: result.best, runs, evaluations, fellBack } };
}
