/**
 * The L-BFGS-B iteration (see ../lbfgsb.ts): search direction (Cauchy point, then subspace
 * minimization), line search, curvature update, and the stopping tests.
 */
import { cauchyPoint } from './cauchy.ts';
import { lineSearch } from './linesearch.ts';
import { EPS } from './numeric.ts';
import type { SolverState } from './state.ts';
import { subspaceMinimization } from './subspace.ts';
import type { LbfgsbResult } from './types.ts';

/**
 * Runs L-BFGS-B from `x0` (projected into the box first) until a stopping test holds; `st` is a fresh
 * state (one per run).
 */
export function runSolver(
  st: SolverState,
  x0: ArrayLike<number>,
  maxIterations: number,
  gtol: number,
  ftol: number,
): LbfgsbResult {
  const { n, lower, upper, mem } = st;
  for (let i = 0; i < n; i++) st.x[i] = Math.min(upper[i], Math.max(lower[i], x0[i]));
  st.fx = st.evaluate(st.x, st.g);
  if (!Number.isFinite(st.fx)) {
    return st.result(0, 'nonFinite', 'the objective or its gradient is not finite at the starting point');
  }
  let iterations = 0;
  let smallDecrease = false;
  let lastDecrease = 0;
  for (;;) {
    const pg = st.projectedGradientNorm();
    if (pg <= gtol) {
      return st.result(iterations, 'gtol', `converged: projected gradient ${pg.toExponential(3)} ≤ gtol`);
    }
    if (smallDecrease) {
      return st.result(
        iterations,
        'ftol',
        `converged: relative reduction of f ${lastDecrease.toExponential(3)} ≤ ftol`,
      );
    }
    if (iterations >= maxIterations) {
      return st.result(iterations, 'maxIterations', `stopped after ${iterations} iterations`);
    }
    if (st.evaluations >= st.maxEvaluations) {
      return st.result(iterations, 'maxEvaluations', `stopped after ${st.evaluations} evaluations`);
    }

    if (!searchDirection(st)) {
      // Numerical trouble in the model (a singular reduced system): retry without curvature pairs.
      if (mem.k > 0) {
        mem.reset();
        continue;
      }
      return st.result(iterations, 'lineSearch', 'no descent direction could be computed');
    }
    const outcome = lineSearch(st);
    if (outcome !== 'ok') {
      if (outcome === 'budget') {
        return st.result(iterations, 'maxEvaluations', `stopped after ${st.evaluations} evaluations`);
      }
      if (mem.k > 0) {
        mem.reset();
        continue;
      }
      return st.result(
        iterations,
        'lineSearch',
        'the line search found no acceptable step (f may be non-smooth, or already at its minimum up to rounding)',
      );
    }
    iterations++;
    // Accept the point found by the line search (in the "lo" buffers).
    const fOld = st.fx;
    let sTy = 0;
    let yTy = 0;
    for (let i = 0; i < n; i++) {
      const s = st.xLo[i] - st.x[i];
      const y = st.gLo[i] - st.g[i];
      st.sv[i] = s;
      st.yv[i] = y;
      sTy += s * y;
      yTy += y * y;
    }
    [st.x, st.xLo] = [st.xLo, st.x];
    [st.g, st.gLo] = [st.gLo, st.g];
    st.fx = st.fLo;
    lastDecrease = (fOld - st.fx) / Math.max(Math.abs(fOld), Math.abs(st.fx), 1);
    smallDecrease = lastDecrease <= ftol;
    if (sTy > EPS * yTy) mem.add(st.sv, st.yv, sTy, yTy);
  }
}

/**
 * Generalized Cauchy point, then subspace minimization; leaves x̄ in `xbar` and the direction
 * x̄ − x in `dir`. Returns false when no descent direction results.
 */
function searchDirection(st: SolverState): boolean {
  cauchyPoint(st);
  if (!subspaceMinimization(st)) return false;
  const { n, x, g, xbar, dir } = st;
  let gd = 0;
  for (let i = 0; i < n; i++) {
    dir[i] = xbar[i] - x[i];
    gd += g[i] * dir[i];
  }
  return gd < 0;
}
