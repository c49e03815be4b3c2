/**
 * The trust region of SCBO / TuRBO, rebuilt by replaying the trial history (no state is stored):
 * every evaluation that improves the incumbent counts as a success, every other one as a failure;
 * `successTolerance` successes in a row double the side length (up to `lengthMax`),
 * `failureTolerance` failures in a row halve it, and when it falls below `lengthMin` the region
 * restarts (length back to `lengthInit`, incumbent forgotten, a fresh space-filling design).
 *
 * The incumbent is the best FEASIBLE point (largest objective), or — while none is feasible — the
 * point of least total violation; it is never the best objective of an infeasible point (the seed
 * paper's code got this wrong). A new point improves on the incumbent when it is feasible and the
 * incumbent is not, or both are feasible and its objective is larger by more than 1e-3·|best|, or
 * neither is feasible and its violation is smaller.
 */

export interface TrustRegionOptions {
  readonly lengthInit: number;
  readonly lengthMin: number;
  readonly lengthMax: number;
  readonly successTolerance: number;
  readonly failureTolerance: number;
}

/** TuRBO's defaults for a d-dimensional problem and q points evaluated in parallel. */
export function defaultTrustRegion(d: number, q: number): TrustRegionOptions {
  return {
    lengthInit: 0.8,
    lengthMin: 0.5 ** 7,
    lengthMax: 1.6,
    successTolerance: 3,
    // TuRBO: ceil(max(4/q, d/q)) batches of q, i.e. about max(4, d) evaluations.
    failureTolerance: Math.ceil(Math.max(4 / q, d / q)) * q,
  };
}

/** One evaluated point, in completion order: objective to maximize (NaN when it has none). */
export interface Evaluated {
  readonly value: number;
  /** Total constraint violation, 0 when feasible. */
  readonly violation: number;
}

export interface TrustRegionState {
  readonly length: number;
  readonly successes: number;
  readonly failures: number;
  /** Restarts so far. */
  readonly restarts: number;
  /** Index (into the replayed list) of the incumbent since the last restart, or -1. */
  readonly incumbent: number;
  /** Index of the first evaluation after the last restart. */
  readonly since: number;
}

/** Is `a` better than `b` (see the module comment)? */
export function better(a: Evaluated, b: Evaluated, eps = 1e-3): boolean {
  const fa = a.violation === 0 && !Number.isNaN(a.value);
  const fb = b.violation === 0 && !Number.isNaN(b.value);
  if (fa && !fb) return true;
  if (!fa && fb) return false;
  if (fa && fb) return a.value > b.value + eps * Math.abs(b.value);
  return a.violation < b.violation;
}

/** Replays `evals` (completion order) and returns the trust region after the last one. */
export function replayTrustRegion(evals: readonly Evaluated[], opts: TrustRegionOptions): TrustRegionState {
  let length = opts.lengthInit;
  let successes = 0;
  let failures = 0;
  let restarts = 0;
  let incumbent = -1;
  let since = 0;
  for (let i = 0; i < evals.length; i++) {
    const e = evals[i];
    if (Number.isNaN(e.value) && !Number.isFinite(e.violation)) continue; // nothing known about it
    if (incumbent < 0) {
      incumbent = i;
      continue;
    }
    if (better(e, evals[incumbent])) {
      incumbent = i;
      successes++;
      failures = 0;
    } else {
      failures++;
      successes = 0;
    }
    if (successes >= opts.successTolerance) {
      length = Math.min(2 * length, opts.lengthMax);
      successes = 0;
    } else if (failures >= opts.failureTolerance) {
      length /= 2;
      failures = 0;
    }
    if (length < opts.lengthMin) {
      restarts++;
      length = opts.lengthInit;
      successes = 0;
      failures = 0;
      incumbent = -1;
      since = i + 1;
    }
  }
  return { length, successes, failures, restarts, incumbent, since };
}
