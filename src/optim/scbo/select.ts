/**
 * SCBO's selection rule (Eriksson & Poloczek 2021, §3), one pure function: given one Thompson sample
 * of the objective and of every constraint at each candidate, pick the candidate with the best
 * sampled objective among those whose sampled constraints are all satisfied (c ≤ 0); if none is,
 * pick the one with the least total sampled violation Σ max(0, c_i).
 *
 * Shapes: objective m (to MAXIMIZE); constraints k × m row-major (feasible iff ≤ 0).
 * `exclude[j] = 1` removes candidate j (already chosen in this batch). Returns the index, or -1 when
 * every candidate is excluded.
 */
export function selectCandidate(
  objective: Float64Array,
  constraints: Float64Array,
  k: number,
  m: number,
  exclude?: Uint8Array,
): number {
  let bestFeasible = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  let leastViolating = -1;
  let leastViolation = Number.POSITIVE_INFINITY;
  for (let j = 0; j < m; j++) {
    if (exclude !== undefined && exclude[j] === 1) continue;
    let v = 0;
    for (let i = 0; i < k; i++) {
      const c = constraints[i * m + j];
      if (c > 0) v += c;
    }
    if (v === 0) {
      const f = objective[j];
      if (bestFeasible < 0 || f > bestValue) {
        bestFeasible = j;
        bestValue = f;
      }
    } else if (v < leastViolation) {
      leastViolation = v;
      leastViolating = j;
    }
  }
  return bestFeasible >= 0 ? bestFeasible : leastViolating;
}
