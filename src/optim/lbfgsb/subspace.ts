/**
 * Step 3 of an L-BFGS-B iteration: minimization of the quadratic model over the variables free at
 * the Cauchy point (see ../lbfgsb.ts).
 */
import { dot, solveDense } from './numeric.ts';
import type { SolverState } from './state.ts';

/**
 * Minimizes the model over the variables free at the Cauchy point (strictly inside their bounds);
 * writes x̄ into `xbar`. Returns false when the reduced system is numerically singular.
 */
export function subspaceMinimization(st: SolverState): boolean {
  const { n, x, g, lower, upper, mem, xcp, xbar, free, c, w, mw, v, z, nmat, col, d } = st;
  const k = mem.k;
  const k2 = 2 * k;
  const theta = mem.theta;
  xbar.set(xcp);
  let nf = 0;
  for (let i = 0; i < n; i++) if (xcp[i] > lower[i] && xcp[i] < upper[i]) free[nf++] = i;
  if (nf === 0) return true;
  // Reduced gradient r = Zᵀ(g + θ(xcp − x) − W M c), kept in d[i] for free i.
  if (k > 0) mem.applyM(c, mw);
  for (let a = 0; a < nf; a++) {
    const i = free[a];
    let r = g[i] + theta * (xcp[i] - x[i]);
    if (k > 0) {
      mem.row(i, w);
      r -= dot(w, mw, k2);
    }
    d[i] = r;
  }
  if (k === 0) {
    for (let a = 0; a < nf; a++) d[free[a]] = -d[free[a]] / theta;
  } else {
    // d̂ = −r/θ − Ŵ N⁻¹ M Ŵᵀ r / θ², N = I − M ŴᵀŴ / θ, Ŵ = the free rows of W.
    v.fill(0, 0, k2);
    nmat.fill(0, 0, k2 * k2);
    for (let a = 0; a < nf; a++) {
      const i = free[a];
      mem.row(i, w);
      const r = d[i];
      for (let q = 0; q < k2; q++) {
        const wq = w[q];
        v[q] += wq * r;
        for (let s = 0; s < k2; s++) nmat[q * k2 + s] += wq * w[s];
      }
    }
    // z = M v; nmat ← I − M (ŴᵀŴ) / θ, one column at a time.
    mem.applyM(v, z);
    for (let s = 0; s < k2; s++) {
      for (let q = 0; q < k2; q++) col[q] = nmat[q * k2 + s];
      mem.applyM(col, mw);
      for (let q = 0; q < k2; q++) nmat[q * k2 + s] = (q === s ? 1 : 0) - mw[q] / theta;
    }
    if (!solveDense(nmat, k2, z)) return false;
    for (let a = 0; a < nf; a++) {
      const i = free[a];
      mem.row(i, w);
      d[i] = -d[i] / theta - dot(w, z, k2) / (theta * theta);
    }
  }
  // Morales & Nocedal (2011): project x_cp + d̂ into the box; keep it if x̄ − x is a descent direction.
  for (let a = 0; a < nf; a++) {
    const i = free[a];
    xbar[i] = Math.min(upper[i], Math.max(lower[i], xcp[i] + d[i]));
  }
  let descent = 0;
  for (let i = 0; i < n; i++) descent += (xbar[i] - x[i]) * g[i];
  if (descent < 0) return true;
  // Otherwise: the original rule, the longest step along d̂ (≤ 1) that stays in the box.
  let alpha = 1;
  let limiting = -1;
  for (let a = 0; a < nf; a++) {
    const i = free[a];
    const di = d[i];
    let step = Infinity;
    if (di < 0 && lower[i] > -Infinity) step = (lower[i] - xcp[i]) / di;
    else if (di > 0 && upper[i] < Infinity) step = (upper[i] - xcp[i]) / di;
    if (step < alpha) {
      alpha = step;
      limiting = i;
    }
  }
  alpha = Math.max(alpha, 0);
  for (let a = 0; a < nf; a++) {
    const i = free[a];
    xbar[i] = Math.min(upper[i], Math.max(lower[i], xcp[i] + alpha * d[i]));
  }
  if (limiting >= 0) xbar[limiting] = d[limiting] > 0 ? upper[limiting] : lower[limiting];
  return true;
}
