import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { choleskyInverse, choleskyWithJitter, cholSolve, logDetFromCholesky } from '../linalg/cholesky.ts';
import { type Bounds, lbfgsb, minimizeWithRestarts, type Objective, unbounded } from './lbfgsb.ts';

/** Extended Rosenbrock: Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)². */
const rosenbrock: Objective = (x, g) => {
  const n = x.length;
  let f = 0;
  g.fill(0);
  for (let i = 0; i < n - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
};

/** Beale's function, minimum 0 at (3, 0.5). */
const beale: Objective = (x, g) => {
  const a = x[0];
  const b = x[1];
  const t1 = 1.5 - a + a * b;
  const t2 = 2.25 - a + a * b * b;
  const t3 = 2.625 - a + a * b * b * b;
  g[0] = 2 * t1 * (b - 1) + 2 * t2 * (b * b - 1) + 2 * t3 * (b * b * b - 1);
  g[1] = 2 * t1 * a + 4 * t2 * a * b + 6 * t3 * a * b * b;
  return t1 * t1 + t2 * t2 + t3 * t3;
};

/** Σ w_i (x_i − c_i)², w_i = i + 1. */
function separableQuadratic(c: readonly number[]): Objective {
  return (x, g) => {
    let f = 0;
    for (let i = 0; i < x.length; i++) {
      const w = i + 1;
      f += w * (x[i] - c[i]) ** 2;
      g[i] = 2 * w * (x[i] - c[i]);
    }
    return f;
  };
}

function counting(f: Objective): { f: Objective; calls: () => number; nonFinite: () => number } {
  let calls = 0;
  let bad = 0;
  return {
    f: (x, g) => {
      calls++;
      const v = f(x, g);
      if (!Number.isFinite(v)) bad++;
      return v;
    },
    calls: () => calls,
    nonFinite: () => bad,
  };
}

function box(n: number, lo: number, hi: number): Bounds {
  return { lower: new Float64Array(n).fill(lo), upper: new Float64Array(n).fill(hi) };
}

/** Largest violation of the first-order (KKT) conditions of a box-constrained problem. */
function kktViolation(x: Float64Array, g: Float64Array, bounds: Bounds): number {
  let v = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < bounds.lower[i] || x[i] > bounds.upper[i]) return Infinity;
    if (x[i] === bounds.lower[i]) v = Math.max(v, -g[i]);
    else if (x[i] === bounds.upper[i]) v = Math.max(v, g[i]);
    else v = Math.max(v, Math.abs(g[i]));
  }
  return v;
}

describe('lbfgsb: unconstrained', () => {
  it('solves Rosenbrock 2-D from (-1.2, 1) in few evaluations', () => {
    const counted = counting(rosenbrock);
    const r = lbfgsb(counted.f, [-1.2, 1]);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
    expect(r.f).toBeLessThan(1e-10);
    expect(r.evaluations).toBe(counted.calls());
    // scipy's L-BFGS-B needs 44 evaluations (36 iterations) here.
    expect(r.evaluations).toBeLessThan(60);
    expect(r.iterations).toBeLessThan(50);
  });

  it.each([
    ['zeros', new Float64Array(10)],
    ['(-1.2, 1, …)', Float64Array.from({ length: 10 }, (_, i) => (i % 2 ? 1 : -1.2))],
  ])('solves Rosenbrock 10-D from %s', (_name, x0) => {
    const r = lbfgsb(rosenbrock, x0, { gtol: 1e-8, ftol: 0 });
    expect(r.converged).toBe(true);
    expect(r.status).toBe('gtol');
    for (let i = 0; i < 10; i++) expect(r.x[i]).toBeCloseTo(1, 6);
    expect(r.evaluations).toBeLessThan(200);
  });

  it("solves Beale's function", () => {
    const r = lbfgsb(beale, [1, 1]);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(3, 5);
    expect(r.x[1]).toBeCloseTo(0.5, 5);
    expect(r.evaluations).toBeLessThan(40);
  });

  it('converges with a short memory too', () => {
    for (const memory of [1, 3, 20]) {
      const r = lbfgsb(rosenbrock, [-1.2, 1], { memory });
      expect(r.converged).toBe(true);
      expect(r.x[0]).toBeCloseTo(1, 4);
    }
  });

  it('is deterministic', () => {
    const x0 = Float64Array.from({ length: 10 }, (_, i) => Math.sin(i));
    const a = lbfgsb(rosenbrock, x0);
    const b = lbfgsb(rosenbrock, x0);
    expect(b.x).toEqual(a.x);
    expect(b.evaluations).toBe(a.evaluations);
    expect(b.iterations).toBe(a.iterations);
  });

  it('stops at once when the start is stationary', () => {
    const r = lbfgsb(rosenbrock, [1, 1]);
    expect(r.status).toBe('gtol');
    expect(r.iterations).toBe(0);
    expect(r.evaluations).toBe(1);
  });
});

describe('lbfgsb: bounds', () => {
  it('returns the projection when the optimum lies outside the box, with the active bounds', () => {
    const c = [3, -2, 0.5, 10, -0.3];
    const bounds = box(5, -1, 1);
    const r = lbfgsb(separableQuadratic(c), [0, 0, 0, 0, 0], { bounds });
    expect(r.converged).toBe(true);
    expect(Array.from(r.x)).toEqual([1, -1, 0.5, 1, -0.3].map((v, i) => (i === 2 || i === 4 ? r.x[i] : v)));
    expect(r.x[2]).toBeCloseTo(0.5, 8);
    expect(r.x[4]).toBeCloseTo(-0.3, 8);
    expect(Array.from(r.active)).toEqual([1, -1, 0, 1, 0]);
    expect(r.projectedGradient).toBeLessThan(1e-5);
    expect(r.evaluations).toBeLessThan(15);
  });

  it('handles infinite bounds on either side', () => {
    const bounds = { lower: [-Infinity, -1, -Infinity, 0], upper: [2, Infinity, Infinity, Infinity] };
    const r = lbfgsb(separableQuadratic([3, -2, 0.5, -4]), [0, 5, -7, 3], { bounds });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBe(2);
    expect(r.x[1]).toBe(-1);
    expect(r.x[2]).toBeCloseTo(0.5, 8);
    expect(r.x[3]).toBe(0);
    expect(Array.from(r.active)).toEqual([1, -1, 0, -1]);
  });

  it('solves bounded Rosenbrock with an active bound (matches scipy)', () => {
    const bounds = { lower: [-Infinity, 1.5], upper: [0.5, Infinity] };
    const r = lbfgsb(rosenbrock, [-1.2, 1], { bounds });
    expect(r.converged).toBe(true);
    // scipy.optimize.minimize(..., method='L-BFGS-B'): x = (-1.22102624, 1.5), f = 4.941229317989187.
    expect(r.x[0]).toBeCloseTo(-1.22102624, 6);
    expect(r.x[1]).toBe(1.5);
    expect(r.f).toBeCloseTo(4.941229317989187, 9);
    expect(Array.from(r.active)).toEqual([0, -1]);
  });

  it('satisfies the KKT conditions on random bounded convex quadratics', () => {
    const rng = new Rng(5);
    // n = 100 also exercises the many-breakpoint path of the Cauchy point search.
    for (const n of [30, 30, 30, 30, 100]) {
      const a = new Float64Array(n * n);
      const b = new Float64Array(n * n);
      for (let i = 0; i < b.length; i++) b[i] = rng.normal();
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = i === j ? 0.05 : 0;
          for (let k = 0; k < n; k++) s += (b[i * n + k] * b[j * n + k]) / n;
          a[i * n + j] = s;
        }
      }
      const h = new Float64Array(n);
      for (let i = 0; i < n; i++) h[i] = 3 * rng.normal();
      const f: Objective = (x, g) => {
        let v = 0;
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
          g[i] = s - h[i];
          v += 0.5 * x[i] * s - h[i] * x[i];
        }
        return v;
      };
      const bounds = { lower: new Float64Array(n), upper: new Float64Array(n) };
      for (let i = 0; i < n; i++) {
        bounds.lower[i] = i % 5 === 0 ? -Infinity : -1 - rng.next();
        bounds.upper[i] = i % 7 === 0 ? Infinity : 1 + rng.next();
      }
      const r = lbfgsb(f, new Float64Array(n), { bounds, gtol: 1e-7, ftol: 0, maxIterations: 5000 });
      expect(r.status).toBe('gtol');
      expect(kktViolation(r.x, r.gradient, bounds)).toBeLessThan(1e-7);
      expect(r.evaluations).toBeLessThan(n === 100 ? 100 : 40);
      expect(r.active.some((v) => v !== 0)).toBe(true);
    }
  });

  it('projects an infeasible start and keeps fixed variables fixed', () => {
    const bounds = { lower: [0, 2, -1], upper: [1, 2, 1] };
    const seen: number[] = [];
    const f = separableQuadratic([5, 5, 0.25]);
    const r = lbfgsb(
      (x, g) => {
        seen.push(x[1]);
        for (let i = 0; i < 3; i++) expect(x[i] >= bounds.lower[i] && x[i] <= bounds.upper[i]).toBe(true);
        return f(x, g);
      },
      [10, -3, 7],
      { bounds },
    );
    expect(r.converged).toBe(true);
    expect(seen.every((v) => v === 2)).toBe(true);
    expect(r.x[0]).toBe(1);
    expect(r.x[2]).toBeCloseTo(0.25, 8);
  });

  it('solves Beale inside a box containing its minimum', () => {
    const r = lbfgsb(beale, [-4, 4], { bounds: box(2, -4.5, 4.5) });
    expect(r.converged).toBe(true);
    expect(r.f).toBeLessThan(1e-10);
    expect(Array.from(r.active)).toEqual([0, 0]);
  });
});

describe('lbfgsb: robustness to non-finite values', () => {
  it('backtracks out of a region where f is NaN', () => {
    // Σ x log x − x + 0.01 (x − 3)²: defined for x > 0 only (NaN below), minimum near x = 1.04.
    const raw: Objective = (x, g) => {
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        f += x[i] * Math.log(x[i]) - x[i] + 0.01 * (x[i] - 3) ** 2;
        g[i] = Math.log(x[i]) + 0.02 * (x[i] - 3);
      }
      return f;
    };
    const counted = counting(raw);
    const r = lbfgsb(counted.f, [5, 10, 0.1, 30]);
    expect(counted.nonFinite()).toBeGreaterThan(0);
    expect(r.converged).toBe(true);
    for (let i = 0; i < 4; i++) expect(Math.log(r.x[i]) + 0.02 * (r.x[i] - 3)).toBeCloseTo(0, 5);
  });

  it('backtracks from Infinity and from a NaN gradient', () => {
    for (const bad of [Infinity, 'nan-gradient'] as const) {
      let hits = 0;
      const f: Objective = (x, g) => {
        const v = rosenbrock(x, g);
        if (x[0] > 1.2 || x[1] > 1.3) {
          hits++;
          if (bad === Infinity) return Infinity;
          g[0] = Number.NaN;
        }
        return v;
      };
      const r = lbfgsb(f, [-1.2, 1]);
      expect(hits).toBeGreaterThan(0);
      expect(r.converged).toBe(true);
      expect(r.x[0]).toBeCloseTo(1, 4);
      expect(r.evaluations).toBeLessThan(200);
    }
  });

  it('recovers when a huge first step lands in a NaN region', () => {
    // A steep bowl whose first steepest-descent step overshoots into |x| > 3, where f is NaN.
    const f: Objective = (x, g) => {
      let v = 0;
      for (let i = 0; i < x.length; i++) {
        if (Math.abs(x[i]) > 3) return Number.NaN;
        v += 1000 * (x[i] - 0.5) ** 2;
        g[i] = 2000 * (x[i] - 0.5);
      }
      return v;
    };
    const counted = counting(f);
    const r = lbfgsb(counted.f, [2.9, -2.9, 1], { bounds: box(3, -10, 10) });
    expect(counted.nonFinite()).toBeGreaterThan(0);
    expect(r.converged).toBe(true);
    for (let i = 0; i < 3; i++) expect(r.x[i]).toBeCloseTo(0.5, 6);
  });

  it('reports a non-finite start without iterating', () => {
    const r = lbfgsb(() => Number.NaN, [1, 2]);
    expect(r.status).toBe('nonFinite');
    expect(r.converged).toBe(false);
    expect(r.evaluations).toBe(1);
    expect(r.message).toMatch(/not finite at the starting point/);
  });

  it('ends with a line-search failure when f only ever gets worse', () => {
    // The gradient claims descent along +x, but f increases in every direction.
    const liar: Objective = (x, g) => {
      g[0] = -1;
      return Math.abs(x[0]) + 1;
    };
    const r = lbfgsb(liar, [0]);
    expect(r.status).toBe('lineSearch');
    expect(r.converged).toBe(false);
    expect(r.f).toBe(1);
  });
});

describe('lbfgsb: limits and validation', () => {
  it('honours maxIterations and maxEvaluations', () => {
    const a = lbfgsb(rosenbrock, [-1.2, 1], { maxIterations: 3 });
    expect(a.status).toBe('maxIterations');
    expect(a.iterations).toBe(3);
    expect(a.converged).toBe(false);
    const b = lbfgsb(rosenbrock, [-1.2, 1], { maxEvaluations: 10 });
    expect(b.status).toBe('maxEvaluations');
    expect(b.evaluations).toBeLessThanOrEqual(10);
    expect(b.f).toBeLessThan(rosenbrock(Float64Array.of(-1.2, 1), new Float64Array(2)));
  });

  it('stops on the function tolerance', () => {
    const r = lbfgsb(rosenbrock, [-1.2, 1], { gtol: 0, ftol: 1e-4 });
    expect(r.status).toBe('ftol');
    expect(r.converged).toBe(true);
  });

  it('rejects malformed input with clear errors', () => {
    expect(() => lbfgsb(rosenbrock, [])).toThrow(/x0\.length: 0/);
    expect(() => lbfgsb(rosenbrock, [1, Number.NaN])).toThrow(/x0\[1\]: NaN/);
    expect(() => lbfgsb(rosenbrock, [1, 2], { bounds: { lower: [0], upper: [1, 1] } })).toThrow(
      /bounds\.lower\.length: 1/,
    );
    expect(() => lbfgsb(rosenbrock, [1, 2], { bounds: { lower: [0, 2], upper: [1, 1] } })).toThrow(
      /bounds\.upper\[1\]: 1 \(expected ≥ bounds\.lower\[1\] = 2\)/,
    );
    expect(() =>
      lbfgsb(rosenbrock, [1, 2], { bounds: { lower: [0, Infinity], upper: [1, Infinity] } }),
    ).toThrow(/bounds\.lower\[1\]: Infinity/);
    expect(() => lbfgsb(rosenbrock, [1, 2], { memory: 0 })).toThrow(/memory: 0/);
    expect(() => lbfgsb(rosenbrock, [1, 2], { gtol: -1 })).toThrow(ValidationError);
  });
});

describe('minimizeWithRestarts', () => {
  // Six-hump camel: two global minima f = −1.0316 at ±(0.0898, −0.7126), four other local minima.
  const camel: Objective = (x, g) => {
    const a = x[0];
    const b = x[1];
    g[0] = 8 * a - 8.4 * a ** 3 + 2 * a ** 5 + b;
    g[1] = a - 8 * b + 16 * b ** 3;
    return (4 - 2.1 * a * a + a ** 4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b;
  };
  const bounds = { lower: [-3, -2], upper: [3, 2] };

  it('finds the global minimum of a multimodal function from random starts', () => {
    const r = minimizeWithRestarts(camel, bounds, 10, new Rng(1));
    expect(r.runs).toHaveLength(10);
    expect(r.f).toBeCloseTo(-1.0316284535, 8);
    expect(Math.abs(r.x[0])).toBeCloseTo(0.0898, 3);
    expect(r.runs[r.best].f).toBe(r.f);
    for (const run of r.runs) expect(run.f).toBeGreaterThanOrEqual(r.f);
    // Some runs end in other local minima.
    expect(r.runs.some((run) => run.f > -1)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const a = minimizeWithRestarts(camel, bounds, 5, new Rng(7));
    const b = minimizeWithRestarts(camel, bounds, 5, new Rng(7));
    expect(b.x).toEqual(a.x);
    expect(b.runs.map((r) => r.evaluations)).toEqual(a.runs.map((r) => r.evaluations));
  });

  it('uses given starting points and skips ones where f is not finite', () => {
    const f: Objective = (x, g) => (x[0] > 2.5 ? Number.NaN : camel(x, g));
    const r = minimizeWithRestarts(
      f,
      bounds,
      [Float64Array.of(2.9, 0), Float64Array.of(-1.5, 1)],
      new Rng(0),
    );
    expect(r.runs[0].status).toBe('nonFinite');
    expect(r.best).toBe(1);
    expect(r.converged).toBe(true);
  });

  it('draws starts within half-infinite and infinite bounds', () => {
    const bounds = { lower: [1, -Infinity, -Infinity], upper: [2, 0, Infinity] };
    const quad = separableQuadratic([0.5, 0.5, 0.5]);
    const f: Objective = (x, g) => {
      for (let i = 0; i < 3; i++) {
        if (!(x[i] >= bounds.lower[i] && x[i] <= bounds.upper[i])) throw new Error(`x[${i}] = ${x[i]}`);
      }
      return quad(x, g);
    };
    const r = minimizeWithRestarts(f, bounds, 4, new Rng(3));
    expect(new Set(r.runs.map((run) => run.evaluations)).size).toBeGreaterThan(1);
    expect(r.x[0]).toBe(1);
    expect(r.x[1]).toBe(0);
    expect(r.x[2]).toBeCloseTo(0.5, 5);
    const u = minimizeWithRestarts(quad, unbounded(3), 2, new Rng(3));
    for (let i = 0; i < 3; i++) expect(u.x[i]).toBeCloseTo(0.5, 5);
  });

  it('rejects malformed starts', () => {
    expect(() => minimizeWithRestarts(camel, bounds, 0, new Rng(1))).toThrow(/starts: 0/);
    expect(() => minimizeWithRestarts(camel, bounds, [], new Rng(1))).toThrow(/invalid starts/);
    expect(() => minimizeWithRestarts(camel, bounds, [[1, 2, 3]], new Rng(1))).toThrow(
      /starts\[0\]\.length: 3/,
    );
  });
});

describe('lbfgsb: Gaussian-process marginal likelihood', () => {
  /**
   * Negative log marginal likelihood of a zero-mean GP with an ARD squared-exponential kernel over
   * θ = (log ℓ_1 … log ℓ_D, log σ_f², log σ_n²), and its gradient; NaN when K is not positive definite
   * (no jitter allowed), as a GP fit would report a failed Cholesky.
   */
  function gpNll(xs: Float64Array, ys: Float64Array, n: number, dim: number): Objective {
    const kf = new Float64Array(n * n);
    const k = new Float64Array(n * n);
    const alpha = new Float64Array(n);
    return (theta, grad) => {
      const sf2 = Math.exp(theta[dim]);
      const sn2 = Math.exp(theta[dim + 1]);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let r2 = 0;
          for (let q = 0; q < dim; q++) r2 += ((xs[i * dim + q] - xs[j * dim + q]) / Math.exp(theta[q])) ** 2;
          kf[i * n + j] = sf2 * Math.exp(-0.5 * r2);
          k[i * n + j] = kf[i * n + j] + (i === j ? sn2 : 0);
        }
      }
      let chol: Float64Array;
      try {
        chol = choleskyWithJitter(k, n, { maxTries: 0 }).L;
      } catch {
        return Number.NaN;
      }
      cholSolve(chol, n, ys, alpha);
      let fit = 0;
      for (let i = 0; i < n; i++) fit += ys[i] * alpha[i];
      const nll = 0.5 * fit + 0.5 * logDetFromCholesky(chol, n) + 0.5 * n * Math.log(2 * Math.PI);
      const kinv = choleskyInverse(chol, n);
      // dNLL/dθ_p = ½ Σ_ij (K⁻¹ − ααᵀ)_ij ∂K_ij/∂θ_p.
      grad.fill(0);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const a = 0.5 * (kinv[i * n + j] - alpha[i] * alpha[j]);
          const kij = kf[i * n + j];
          for (let q = 0; q < dim; q++) {
            const dq = (xs[i * dim + q] - xs[j * dim + q]) / Math.exp(theta[q]);
            grad[q] += a * kij * dq * dq;
          }
          grad[dim] += a * kij;
          if (i === j) grad[dim + 1] += a * sn2;
        }
      }
      return nll;
    };
  }

  it('fits ARD hyperparameters: the irrelevant input gets a long lengthscale', () => {
    const rng = new Rng(21);
    const n = 40;
    const dim = 3;
    const xs = new Float64Array(n * dim);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < dim; q++) xs[i * dim + q] = rng.next();
      // Depends on inputs 0 and 1 only; input 2 is noise.
      ys[i] = Math.sin(6 * xs[i * dim]) + 0.5 * Math.cos(3 * xs[i * dim + 1]) + 0.05 * rng.normal();
    }
    const f = gpNll(xs, ys, n, dim);
    const lower = [-4, -4, -4, -6, -12];
    const upper = [4, 4, 4, 6, 2];
    const r = minimizeWithRestarts(f, { lower, upper }, 5, new Rng(2));
    expect(Number.isFinite(r.f)).toBe(true);
    expect(r.converged).toBe(true);
    // Gradient check at the optimum (free coordinates should be stationary).
    const g = new Float64Array(dim + 2);
    f(r.x, g);
    for (let q = 0; q < dim + 2; q++) {
      if (r.active[q] === 0) expect(Math.abs(g[q])).toBeLessThan(1e-3);
    }
    expect(r.x[2]).toBeGreaterThan(r.x[0] + 1);
    expect(r.x[2]).toBeGreaterThan(r.x[1] + 1);
    // Noise variance near the true 0.05² = 2.5e-3 (log ≈ −6), well inside its bounds.
    expect(r.x[4]).toBeGreaterThan(-9);
    expect(r.x[4]).toBeLessThan(-4);
  });
});
