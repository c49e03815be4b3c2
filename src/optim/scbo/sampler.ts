/**
 * SCBO (Eriksson & Poloczek 2021) as a stateless, asynchronous sampler.
 *
 * ask(history, pending, q):
 *  1. turns the history into unit-cube inputs X (n × d), an objective to maximize (single objective:
 *     the value, sign-flipped for minimization; several: a random augmented Chebyshev scalarization of
 *     the normalized objectives, new weights per ask — ParEGO-style Thompson sampling in a trust region,
 *     a simplification of MORBO) and the constraint values (c ≤ 0 feasible);
 *  2. replays the trust region over the history (state.ts): length, incumbent, restarts;
 *  3. while the current region has fewer than `initialPoints` evaluations (and pending points), proposes
 *     scrambled Sobol' points (the space-filling design of each (re)start);
 *  4. else fits one GP per objective and per constraint on the `maxGpPoints` points nearest the
 *     incumbent (trials stopped early train the constraint GPs, never the objective GP), conditions
 *     every GP on the pending points at their posterior mean (kriging believer: points still running
 *     are modelled, so they are not proposed again), draws candidates in the trust region, and picks
 *     each of the q points by Thompson sampling with SCBO's rule (select.ts), conditioning on each pick
 *     before the next.
 * Every random choice comes from (seed, number of trials so far), so the same history and pending set
 * give the same proposals in any process.
 */
import type { Rng } from '../../core/rng.ts';
import { SobolEngine } from '../../linalg/sobol.ts';
import type { ParamValues, SearchSpace } from '../../space/index.ts';
import { streamFor } from '../baselines.ts';
import { fitGp, type Gp } from '../gp/gp.ts';
import { samplePosterior } from '../gp/sample.ts';
import { chebyshev, normalizeObjectives, sampleSimplexWeights } from '../mo/scalarize.ts';
import type { Observation, Problem, Sampler } from '../types.ts';
import { trustRegionBounds, trustRegionCandidates } from './candidates.ts';
import { selectCandidate } from './select.ts';
import { defaultTrustRegion, replayTrustRegion, type TrustRegionOptions } from './state.ts';

export interface ScboOptions {
  readonly seed: number;
  /** Points of the space-filling design at each (re)start (default max(10, min(2d, 30))). */
  readonly initialPoints?: number;
  /** Candidates per ask (default min(5000, max(2000, 200·d)), as SCBO). */
  readonly candidates?: number;
  /** GP training set: at most this many points nearest the incumbent (default 256). */
  readonly maxGpPoints?: number;
  /** Points evaluated in parallel, for the trust region's failure tolerance (default 1). */
  readonly parallelism?: number;
  readonly trustRegion?: Partial<TrustRegionOptions>;
  /** Hyperparameters are fitted on at most this many points nearest the incumbent (default 100). */
  readonly fitPoints?: number;
  /** GP hyperparameter fit: L-BFGS-B restarts and iterations (defaults 1 and 50). */
  readonly gpRestarts?: number;
  readonly gpIterations?: number;
  /** Random Fourier features for Thompson samples (default 512). */
  readonly features?: number;
  /**
   * How points still running (and earlier picks of the same batch) are modelled:
   * - 'kriging-believer' (default): every GP is conditioned on them at its posterior mean, and
   *   candidates within `pendingRadius` of them are excluded (the fantasy alone only shrinks the
   *   variance there: Thompson sampling would still land next to them);
   * - 'constant-liar': the objective GP is conditioned on them at the worst objective seen (CL-min,
   *   Ginsbourger et al. 2010) — strongly repulsive, but it drags the model down around the incumbent
   *   (measured: median −2.6 instead of −0.11 on 10-D Ackley, docs/optimizer.md);
   * - 'ignore': not modelled (the seed paper's behaviour; kept for ablations only).
   */
  readonly pending?: 'constant-liar' | 'kriging-believer' | 'ignore';
  /**
   * Exclusion radius around points still running, as a fraction of the trust region's diagonal
   * (length · √d); default 0.1. Ignored with pending: 'ignore'.
   */
  readonly pendingRadius?: number;
}

/** Internal view of one history entry. */
interface Row {
  readonly x: Float64Array;
  /** Objective to maximize (NaN when none). */
  value: number;
  readonly violation: number;
  readonly constraints: readonly number[] | null;
}

export class ScboSampler implements Sampler {
  readonly name = 'scbo';
  private readonly space: SearchSpace;
  private readonly problem: Problem;
  private readonly opts: ScboOptions;
  private readonly d: number;
  private readonly k: number;

  constructor(problem: Problem, opts: ScboOptions) {
    this.problem = problem;
    this.space = problem.space;
    this.opts = opts;
    this.d = problem.space.dims;
    this.k = problem.constraints.length;
  }

  private get initialPoints(): number {
    return this.opts.initialPoints ?? Math.max(10, Math.min(2 * this.d, 30));
  }

  ask(history: readonly Observation[], pending: readonly ParamValues[], count = 1): ParamValues[] {
    const k0 = history.length + pending.length;
    const rng = streamFor(this.opts.seed, k0);
    const rows = this.rows(history, rng);
    const tr = replayTrustRegion(rows, {
      ...defaultTrustRegion(this.d, this.opts.parallelism ?? 1),
      ...this.opts.trustRegion,
    });
    const inRegion = rows.length - tr.since + pending.length;
    if (inRegion < this.initialPoints || tr.incumbent < 0) {
      // The (re)start design: Sobol' points, indexed within the current region.
      const engine = new SobolEngine(this.d, {
        seed: (this.opts.seed + 7919 * tr.restarts) >>> 0,
        scramble: 'lms',
      });
      const pts = engine.fastForward(inRegion).draw(count);
      return Array.from({ length: count }, (_, j) =>
        this.space.decode(pts.subarray(j * this.d, (j + 1) * this.d)),
      );
    }
    return this.thompson(rows, tr.incumbent, tr.length, pending, count, rng);
  }

  /** History → rows with encoded inputs, scalar objective to maximize, violation. */
  private rows(history: readonly Observation[], rng: Rng): Row[] {
    const objectives = this.problem.objectives;
    const m = objectives.length;
    const rows: Row[] = [];
    const withValues: number[] = [];
    for (const o of history) {
      if (o.state === 'failed') continue;
      let violation = 0;
      if (this.k > 0) {
        if (o.constraints === null) violation = Number.POSITIVE_INFINITY;
        else
          for (let i = 0; i < this.k; i++)
            violation += Math.max(0, o.constraints[i] ?? Number.POSITIVE_INFINITY);
      }
      const valid = o.state === 'complete' && o.values !== null && o.values.every((v) => Number.isFinite(v));
      if (valid) withValues.push(rows.length);
      if (!valid && o.state === 'complete') violation = Number.POSITIVE_INFINITY;
      rows.push({ x: this.space.encode(o.params), value: Number.NaN, violation, constraints: o.constraints });
    }
    const sign = objectives.map((ob) => (ob.direction === 'maximize' ? 1 : -1));
    const valued = history.filter((o) => o.state !== 'failed');
    if (m === 1) {
      for (const r of withValues) rows[r].value = sign[0] * (valued[r].values as readonly number[])[0];
    } else if (withValues.length > 0) {
      // Minimized, normalized objectives, scalarized with weights drawn for this ask.
      const Y = new Float64Array(withValues.length * m);
      withValues.forEach((r, i) => {
        const v = valued[r].values as readonly number[];
        for (let j = 0; j < m; j++) Y[i * m + j] = -sign[j] * v[j];
      });
      const N = normalizeObjectives(Y, withValues.length, m);
      const w = sampleSimplexWeights(m, rng);
      withValues.forEach((r, i) => {
        rows[r].value = -chebyshev(N.subarray(i * m, (i + 1) * m), w);
      });
    }
    return rows;
  }

  private thompson(
    rows: Row[],
    incumbent: number,
    length: number,
    pending: readonly ParamValues[],
    count: number,
    rng: Rng,
  ): ParamValues[] {
    const d = this.d;
    const centre = rows[incumbent].x;
    const local = nearest(rows, centre, this.opts.maxGpPoints ?? 256);
    const fit = {
      restarts: this.opts.gpRestarts ?? 1,
      maxIterations: this.opts.gpIterations ?? 50,
      fitPoints: this.opts.fitPoints ?? 100,
    };
    // Objective GP: complete trials only. Constraint GPs: complete and stopped trials.
    const objRows = local.filter((r) => !Number.isNaN(r.value));
    let objGp: Gp | null = objRows.length >= 2 ? fitOn(objRows, d, (r) => r.value, fit, rng) : null;
    const conGps: (Gp | null)[] = [];
    for (let i = 0; i < this.k; i++) {
      const cr = local.filter((r) => r.constraints !== null && Number.isFinite(r.constraints[i]));
      conGps.push(
        cr.length >= 2 ? fitOn(cr, d, (r) => (r.constraints as readonly number[])[i], fit, rng) : null,
      );
    }
    // Fantasies for points still running: objective at the worst value seen (constant liar) or at its
    // posterior mean (kriging believer); constraints at their posterior mean.
    const liar = this.opts.pending ?? 'kriging-believer';
    let worst = Number.POSITIVE_INFINITY;
    for (const r of objRows) if (r.value < worst) worst = r.value;
    const believe = (X: Float64Array): void => {
      if (objGp !== null) {
        const n = X.length / d;
        objGp = objGp.condition(
          X,
          liar === 'constant-liar' ? new Float64Array(n).fill(worst) : objGp.predict(X).mean,
        );
      }
      for (let i = 0; i < conGps.length; i++) {
        const g = conGps[i];
        if (g !== null) conGps[i] = g.condition(X, g.predict(X).mean);
      }
    };
    const modelPending = liar !== 'ignore';
    if (modelPending && pending.length > 0) {
      const P = new Float64Array(pending.length * d);
      pending.forEach((p, j) => {
        P.set(this.space.encode(p), j * d);
      });
      believe(P);
    }
    const ls = objGp !== null ? objGp.hyper.lengthscales : new Float64Array(d).fill(1);
    const { lo, hi } = trustRegionBounds(centre, ls, length);
    const m = this.opts.candidates ?? Math.min(5000, Math.max(2000, 200 * d));
    const cand = trustRegionCandidates(centre, lo, hi, m, rng);
    const exclude = new Uint8Array(m);
    // Keep away from points still running (and from this batch's earlier picks, below).
    const radius = (this.opts.pendingRadius ?? 0.1) * length * Math.sqrt(d);
    const excludeNear = (x: Float64Array): void => {
      if (!modelPending || radius <= 0) return;
      const r2 = radius * radius;
      let left = 0;
      for (let j = 0; j < m; j++) if (exclude[j] === 0) left++;
      const marked: number[] = [];
      for (let j = 0; j < m; j++) {
        if (exclude[j] === 1) continue;
        let s2 = 0;
        for (let i = 0; i < d && s2 < r2; i++) s2 += (cand[j * d + i] - x[i]) ** 2;
        if (s2 < r2) marked.push(j);
      }
      // Never exclude every candidate: the region may be smaller than the radius.
      if (marked.length < left) for (const j of marked) exclude[j] = 1;
    };
    for (const p of pending) excludeNear(this.space.encode(p));
    const features = this.opts.features ?? 512;
    const out: ParamValues[] = [];
    for (let q = 0; q < count; q++) {
      const f = objGp !== null ? samplePosterior(objGp, cand, 1, rng, { features }) : new Float64Array(m);
      const C = new Float64Array(this.k * m);
      conGps.forEach((g, i) => {
        if (g !== null) C.set(samplePosterior(g, cand, 1, rng, { features }), i * m);
      });
      const j = selectCandidate(f, C, this.k, m, exclude);
      exclude[j] = 1;
      const x = cand.slice(j * d, (j + 1) * d);
      const params = this.space.decode(x);
      out.push(params);
      if (modelPending && q + 1 < count) {
        const xe = this.space.encode(params);
        believe(xe);
        excludeNear(xe);
      }
    }
    return out;
  }
}

function fitOn(
  rows: readonly Row[],
  d: number,
  y: (r: Row) => number,
  fit: { restarts: number; maxIterations: number; fitPoints: number },
  rng: Rng,
): Gp {
  const X = new Float64Array(rows.length * d);
  const Y = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    X.set(r.x, i * d);
    Y[i] = y(r);
  });
  // `rows` are sorted nearest-first: the hyperparameters are fitted on the nearest `fitPoints`.
  const fitOn = rows.length > fit.fitPoints ? Array.from({ length: fit.fitPoints }, (_, i) => i) : undefined;
  return fitGp(X, Y, {
    restarts: fit.restarts,
    maxIterations: fit.maxIterations,
    seed: rng.nextU32(),
    ...(fitOn !== undefined ? { fitOn } : {}),
  });
}

/** The `max` rows nearest `centre` (Euclidean in the unit cube), nearest first. */
function nearest(rows: readonly Row[], centre: Float64Array, max: number): Row[] {
  const dist = rows.map((r, i) => {
    let s = 0;
    for (let j = 0; j < centre.length; j++) s += (r.x[j] - centre[j]) ** 2;
    return { i, s };
  });
  dist.sort((a, b) => a.s - b.s || a.i - b.i);
  return dist.slice(0, max).map((e) => rows[e.i]);
}
