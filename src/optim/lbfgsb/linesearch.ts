/** Step 4 of an L-BFGS-B iteration: the strong-Wolfe line search (see ../lbfgsb.ts). */
import { EPS } from './numeric.ts';
import type { SolverState } from './state.ts';

export type LineSearchOutcome = 'ok' | 'failed' | 'budget';

const C1 = 1e-3;
const C2 = 0.9;

/**
 * Strong-Wolfe line search on φ(α) = f(x + α·dir), 0 < α ≤ α_max (α_max keeps the point in the box),
 * bracketing then zooming (Nocedal & Wright, Algorithms 3.5 and 3.6) with safeguarded cubic
 * interpolation. A non-finite trial value shrinks the bracket towards the last good point. On 'ok'
 * the accepted point is in xLo / gLo / fLo.
 */
export function lineSearch(st: SolverState): LineSearchOutcome {
  const { n, x, g, dir, lower, upper, mem } = st;
  let g0 = 0;
  let dnorm2 = 0;
  for (let i = 0; i < n; i++) {
    g0 += g[i] * dir[i];
    dnorm2 += dir[i] * dir[i];
  }
  const f0 = st.fx;
  // Largest feasible step, and the variable that limits it.
  let alphaMax = Infinity;
  let limiting = -1;
  if (st.constrained) {
    if (mem.k === 0) {
      alphaMax = 1;
    } else {
      for (let i = 0; i < n; i++) {
        const di = dir[i];
        let step = Infinity;
        if (di < 0 && lower[i] > -Infinity) step = (lower[i] - x[i]) / di;
        else if (di > 0 && upper[i] < Infinity) step = (upper[i] - x[i]) / di;
        if (step < alphaMax) {
          alphaMax = step;
          limiting = i;
        }
      }
      if (alphaMax < 1) {
        alphaMax = 1;
        limiting = -1;
      }
    }
  }
  let alpha = mem.k === 0 && !st.boxed ? Math.min(1 / Math.sqrt(dnorm2), alphaMax) : Math.min(1, alphaMax);

  st.xLo.set(x);
  st.gLo.set(g);
  st.fLo = f0;
  let aLo = 0;
  let gLoD = g0;
  let aHi = 0;
  let fHi = Number.NaN;
  let gHiD = Number.NaN;
  let zooming = false;
  let used = 0;
  let aPrev = 0;
  let fPrev = f0;

  for (;;) {
    if (used >= st.maxLineSearch || st.evaluations >= st.maxEvaluations) break;
    if (zooming) {
      // Like the reference line search (xtol = 0.1): once a point with sufficient decrease is known,
      // stop refining a bracket narrower than a tenth of the step.
      const width = Math.abs(aHi - aLo);
      if (aLo > 0 && width <= 0.1 * Math.max(aLo, aHi)) break;
      if (width <= EPS * Math.max(aLo, aHi)) break;
      alpha = Number.isFinite(fHi) ? interpolate(aLo, st.fLo, gLoD, aHi, fHi, gHiD) : aLo + 0.5 * (aHi - aLo);
    }
    // Trial point (x̄ itself for the full step, so that bounds reached by the Cauchy point are exact).
    const xt = st.xT;
    if (alpha === 1) {
      xt.set(st.xbar);
    } else {
      for (let i = 0; i < n; i++) xt[i] = Math.min(upper[i], Math.max(lower[i], x[i] + alpha * dir[i]));
      if (alpha === alphaMax && limiting >= 0)
        xt[limiting] = dir[limiting] > 0 ? upper[limiting] : lower[limiting];
    }
    used++;
    const ft = st.evaluate(xt, st.gT);
    st.fT = ft;
    let gtD = Number.NaN;
    if (Number.isFinite(ft)) {
      gtD = 0;
      for (let i = 0; i < n; i++) gtD += st.gT[i] * dir[i];
    }
    if (!zooming) {
      if (!Number.isFinite(ft) || ft > f0 + C1 * alpha * g0 || (aPrev > 0 && ft >= fPrev)) {
        // Bracket [lo = previous point, hi = alpha].
        aHi = alpha;
        fHi = ft;
        gHiD = gtD;
        zooming = true;
        continue;
      }
      if (Math.abs(gtD) <= -C2 * g0) {
        st.takeTrial();
        return 'ok';
      }
      if (gtD >= 0) {
        // Bracket [lo = alpha, hi = previous point, which is the current "lo"].
        aHi = aPrev;
        fHi = fPrev;
        gHiD = gLoD;
        st.takeTrial();
        aLo = alpha;
        gLoD = gtD;
        zooming = true;
        continue;
      }
      // Sufficient decrease, still descending: move on.
      st.takeTrial();
      aLo = alpha;
      gLoD = gtD;
      if (alpha >= alphaMax) return 'ok';
      const step = alpha - aPrev;
      aPrev = alpha;
      fPrev = ft;
      alpha = Math.min(alphaMax, alpha + 4 * step);
      continue;
    }
    // Zoom phase.
    if (!Number.isFinite(ft) || ft > f0 + C1 * alpha * g0 || ft >= st.fLo) {
      aHi = alpha;
      fHi = ft;
      gHiD = gtD;
      continue;
    }
    if (Math.abs(gtD) <= -C2 * g0) {
      st.takeTrial();
      return 'ok';
    }
    if (gtD * (aHi - aLo) >= 0) {
      aHi = aLo;
      fHi = st.fLo;
      gHiD = gLoD;
    }
    st.takeTrial();
    aLo = alpha;
    gLoD = gtD;
  }
  // Out of evaluations or the bracket collapsed: accept the best point if it made progress.
  if (aLo > 0 && st.fLo < f0) return 'ok';
  return st.evaluations >= st.maxEvaluations ? 'budget' : 'failed';
}

/**
 * Minimizer of the cubic through (a, fa, ga) and (b, fb, gb), kept inside the middle 80 % of [a, b];
 * bisection when the cubic has no usable minimizer there.
 */
function interpolate(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const margin = 0.1 * (hi - lo);
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  if (!(disc >= 0)) return 0.5 * (a + b);
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  const t = b - ((b - a) * (gb + d2 - d1)) / (gb - ga + 2 * d2);
  if (!Number.isFinite(t) || t < lo + margin || t > hi - margin) return 0.5 * (a + b);
  return t;
}
