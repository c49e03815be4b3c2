/**
 * The optimizer's contract (Optuna-style ask with explicit running trials): a sampler is a pure
 * function of the problem, its seed, the frozen history and the configurations still running. It keeps
 * no state between calls, so a study can resume — or another process can ask — with nothing stored
 * but the trials themselves.
 */
import type { ParamValues, SearchSpace } from '../space/index.ts';

export type Direction = 'maximize' | 'minimize';

export interface ObjectiveSpec {
  readonly name: string;
  readonly direction: Direction;
}

/** What is being optimized: the space, the objectives and the names of the constraints (c ≤ 0 feasible). */
export interface Problem {
  readonly space: SearchSpace;
  readonly objectives: readonly ObjectiveSpec[];
  readonly constraints: readonly string[];
}

/**
 * A finished trial as the sampler sees it.
 * - `complete`: `values` (one per objective, in the objective's own units and direction) and
 *   `constraints` (one per constraint) are real results.
 * - `stopped`: stopped early (e.g. a silent network): its `constraints` are real (that is how silence
 *   reaches the optimizer) but it has no objective values — a partial objective is not a result.
 * - `failed`: crashed; no values. Samplers may use it only to avoid proposing the same point again.
 */
export interface Observation {
  readonly params: ParamValues;
  readonly state: 'complete' | 'stopped' | 'failed';
  readonly values: readonly number[] | null;
  readonly constraints: readonly number[] | null;
}

export interface Sampler {
  readonly name: string;
  /**
   * Proposes `count` (default 1) new configurations, given every finished trial and the
   * configurations still running (`pending`), which must not be proposed again.
   */
  ask(history: readonly Observation[], pending: readonly ParamValues[], count?: number): ParamValues[];
}

/** Total constraint violation Σ max(0, c_i); 0 when feasible. Missing constraints count as violated. */
export function violation(o: Observation, nConstraints: number): number {
  if (nConstraints === 0) return 0;
  if (o.constraints === null) return Number.POSITIVE_INFINITY;
  let v = 0;
  for (let i = 0; i < nConstraints; i++) {
    const c = o.constraints[i];
    if (c === undefined || Number.isNaN(c)) return Number.POSITIVE_INFINITY;
    if (c > 0) v += c;
  }
  return v;
}
