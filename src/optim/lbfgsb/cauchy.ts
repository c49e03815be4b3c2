/** Step 2 of an L-BFGS-B iteration: the generalized Cauchy point (see ../lbfgsb.ts). */
import { dot, EPS, sortByKey } from './numeric.ts';
import type { SolverState } from './state.ts';

/** Algorithm CP of Byrd et al. (1995): sets xcp and c = Wᵀ(xcp − x). */
export function cauchyPoint(st: SolverState): void {
  const { n, x, g, lower, upper, mem, d, tBreak, order, xcp, c, p, w, mw } = st;
  const k = mem.k;
  const k2 = 2 * k;
  const theta = mem.theta;
  let nb = 0;
  let nleft = 0;
  let f1 = 0;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    let t = Infinity;
    if (gi < 0 && upper[i] < Infinity) t = (x[i] - upper[i]) / gi;
    else if (gi > 0 && lower[i] > -Infinity) t = (x[i] - lower[i]) / gi;
    tBreak[i] = t;
    xcp[i] = x[i];
    if (t === 0) {
      d[i] = 0;
    } else {
      d[i] = -gi;
      f1 -= gi * gi;
      if (gi !== 0) nleft++;
      if (t < Infinity) order[nb++] = i;
    }
  }
  c.fill(0, 0, k2);
  if (f1 === 0) {
    p.fill(0, 0, k2);
    return;
  }
  // p = Wᵀ d.
  p.fill(0, 0, k2);
  for (let i = 0; i < n; i++) {
    const di = d[i];
    if (di === 0) continue;
    for (let q = 0; q < k; q++) {
      p[q] += mem.y[q * n + i] * di;
      p[k + q] += theta * mem.s[q * n + i] * di;
    }
  }
  let f2 = -theta * f1;
  if (k > 0) {
    mem.applyM(p, mw);
    f2 -= dot(p, mw, k2);
  }
  const f2Org = f2;
  let dtMin = -f1 / f2;
  let tOld = 0;
  sortByKey(order, nb, tBreak);
  let next = 0;
  while (next < nb) {
    const b = order[next];
    const tb = tBreak[b];
    const dt = tb - tOld;
    if (dtMin < dt) break;
    next++;
    // Variable b reaches its bound: fix it there.
    const gb = g[b];
    const bound = d[b] > 0 ? upper[b] : lower[b];
    const zb = bound - x[b];
    xcp[b] = bound;
    for (let q = 0; q < k2; q++) c[q] += dt * p[q];
    f1 += dt * f2 + gb * gb + theta * gb * zb;
    f2 -= theta * gb * gb;
    if (k > 0) {
      mem.row(b, w);
      mem.applyM(w, mw);
      f1 -= gb * dot(mw, c, k2);
      f2 -= 2 * gb * dot(mw, p, k2) + gb * gb * dot(mw, w, k2);
      for (let q = 0; q < k2; q++) p[q] += gb * w[q];
    }
    f2 = Math.max(EPS * f2Org, f2);
    d[b] = 0;
    nleft--;
    dtMin = -f1 / f2;
    tOld = tb;
    if (f1 >= 0 || nleft === 0) {
      // Past the model's minimizer along the path, or every moving variable has reached a bound.
      dtMin = 0;
      break;
    }
  }
  dtMin = Math.max(dtMin, 0);
  tOld += dtMin;
  for (let i = 0; i < n; i++) {
    if (d[i] !== 0) xcp[i] = Math.min(upper[i], Math.max(lower[i], x[i] + tOld * d[i]));
  }
  for (let q = 0; q < k2; q++) c[q] += dtMin * p[q];
}
