/**
 * Finite-difference gradient checks for layers of the time-batched engine (test utility).
 *
 * The scalar checked is L = Σ g ⊙ y with a fixed random upstream gradient g, so that
 * backward(g) must return dL/dx and accumulate dL/dθ. Central differences are taken in float64 on the
 * loss; parameters and inputs are float32, so `eps` should not be tiny (1e-2 to 1e-3).
 */
import { Rng } from '../../core/rng.ts';
import type { Layer, PassContext } from '../layer.ts';
import type { Activations, DenseActivations } from '../tensor.ts';

export interface GradCheckResult {
  /**
   * Largest |analytic − numeric| / max(|analytic|, |numeric|, floor) over checked entries, where
   * floor = 1e-2 × the RMS of all checked analytic entries (float32 rounding makes finite differences of
   * entries much smaller than the typical gradient meaningless).
   */
  readonly maxRelError: number;
  /** Entries checked (params and inputs). */
  readonly checked: number;
  /** The worst entry, for a readable failure. */
  readonly worst: string;
}

export interface GradCheckOptions {
  readonly eps?: number;
  /** Entries sampled per parameter tensor and for the input (all entries when the tensor is smaller). */
  readonly samples?: number;
  readonly seed?: number;
  /** Also check dL/dx (input must then be dense). */
  readonly checkInput?: boolean;
}

function lossOf(layer: Layer, x: Activations, ctxFactory: () => PassContext, g: Float64Array): number {
  const y = layer.forward(x, ctxFactory()).values;
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * y[i];
  return s;
}

/** Dense activations from plain numbers (test helper). */
export function dense(rows: number, cols: number, values: ArrayLike<number>): DenseActivations {
  return { kind: 'dense', rows, cols, values: Float32Array.from(values) };
}

/**
 * Checks `layer`'s backward against central differences of Σ g·forward(x). `ctxFactory` must return a
 * context whose randomness is identical at each call (e.g. a fresh `Rng` with a fixed seed), so that
 * dropout masks do not change between evaluations.
 */
export function checkLayer(
  layer: Layer,
  x: Activations,
  ctxFactory: () => PassContext,
  opts: GradCheckOptions = {},
): GradCheckResult {
  const eps = opts.eps ?? 1e-2;
  const samples = opts.samples ?? 40;
  const rng = new Rng(opts.seed ?? 1234);
  const y0 = layer.forward(x, ctxFactory());
  const g = new Float64Array(y0.rows * y0.cols);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  const g32 = Float32Array.from(g);
  for (const p of layer.params()) p.grad.fill(0);
  layer.forward(x, ctxFactory());
  const dxView = layer.backward(g32, opts.checkInput === true, ctxFactory());
  const dx = dxView === null ? null : Float32Array.from(dxView);
  const analytic = layer.params().map((p) => Float32Array.from(p.grad));

  const pairs: { what: string; a: number; n: number }[] = [];
  const compare = (what: string, a: number, n: number): void => {
    pairs.push({ what, a, n });
  };
  const pick = (len: number): number[] => {
    if (len <= samples) return Array.from({ length: len }, (_, i) => i);
    return Array.from({ length: samples }, () => rng.int(len));
  };

  layer.params().forEach((p, pi) => {
    for (const i of pick(p.value.length)) {
      const orig = p.value[i];
      p.value[i] = orig + eps;
      const lp = lossOf(layer, x, ctxFactory, g);
      p.value[i] = orig - eps;
      const lm = lossOf(layer, x, ctxFactory, g);
      p.value[i] = orig;
      compare(`${p.name}[${i}]`, analytic[pi][i], (lp - lm) / (2 * eps));
    }
  });

  if (opts.checkInput === true) {
    if (x.kind !== 'dense') throw new Error('checkInput needs dense input');
    if (dx === null) throw new Error('backward returned no input gradient');
    const xv = x.values as Float32Array;
    for (const i of pick(xv.length)) {
      const orig = xv[i];
      xv[i] = orig + eps;
      const lp = lossOf(layer, x, ctxFactory, g);
      xv[i] = orig - eps;
      const lm = lossOf(layer, x, ctxFactory, g);
      xv[i] = orig;
      compare(`input[${i}]`, dx[i], (lp - lm) / (2 * eps));
    }
  }
  let ss = 0;
  for (const p of pairs) ss += p.a * p.a;
  const floor = Math.max(1e-12, 1e-2 * Math.sqrt(ss / Math.max(1, pairs.length)));
  let maxRel = 0;
  let worst = 'none';
  for (const { what, a, n } of pairs) {
    const rel = Math.abs(a - n) / Math.max(floor, Math.abs(a), Math.abs(n));
    if (rel > maxRel) {
      maxRel = rel;
      worst = `${what}: analytic ${a.toExponential(4)} vs numeric ${n.toExponential(4)}`;
    }
  }
  return { maxRelError: maxRel, checked: pairs.length, worst };
}
