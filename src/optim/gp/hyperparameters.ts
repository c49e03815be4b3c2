/**
 * The hyperparameters of the GP (see gp.ts): their types, bounds and lengthscale prior, the conversions
 * to and from θ = (log ℓ, log σ², log σ_n²), and the validation of user-supplied ones.
 */
import { ValidationError } from '../../core/errors.ts';
import { checkInt, checkNumber } from '../../core/validate.ts';

/** Hyperparameters in natural units; σ² and σ_n² are in standardized output units. */
export interface GpHyperparameters {
  /** ℓ_1 … ℓ_d (length d), in input units. */
  readonly lengthscales: ArrayLike<number>;
  /** σ², the prior variance of f (standardized units). */
  readonly outputScale: number;
  /** σ_n², the observation noise variance (standardized units). */
  readonly noise: number;
}

/** Hyperparameters as a model holds them: a copy, lengthscales as a Float64Array. */
export interface GpHyperparametersResolved extends GpHyperparameters {
  readonly lengthscales: Float64Array;
}

/** Closed intervals [lo, hi] (natural units) for the hyperparameters during fitting. */
export interface GpBounds {
  readonly lengthscale: readonly [number, number];
  readonly outputScale: readonly [number, number];
  readonly noise: readonly [number, number];
}

/** TuRBO / SCBO lengthscale and noise intervals; a wide output-scale interval. */
export const DEFAULT_GP_BOUNDS: GpBounds = {
  lengthscale: [0.005, 4],
  outputScale: [0.05, 20],
  noise: [1e-8, 1e-3],
};

/**
 * Prior on each lengthscale ℓ_j (independent, identical), as a density on ℓ (the GPyTorch / BoTorch
 * convention: no Jacobian term for the log parameterization). Its log is added to the log marginal
 * likelihood (normalizing constants dropped).
 * - 'lognormal': log ℓ ~ N(loc, scale²);
 * - 'gamma': ℓ ~ Gamma(concentration, rate), e.g. BoTorch's former default Gamma(3, 6);
 * - 'none': plain maximum likelihood (as the SCBO paper).
 */
export type LengthscalePrior =
  | { readonly kind: 'none' }
  | { readonly kind: 'gamma'; readonly concentration: number; readonly rate: number }
  | { readonly kind: 'lognormal'; readonly loc: number; readonly scale: number };

/**
 * The default lengthscale prior: the dimension-scaled LogNormal(√2 + ½ log d, √3) of Hvarfner, Hellsten &
 * Nardi (2024), BoTorch's default since 0.12. As a density on ℓ its mode is e^{√2 − 3} √d ≈ 0.2 √d (0.87
 * at d = 18), and it is weak: its log-gradient is −(log ℓ − loc)/3 − 1 per dimension, about one nat per
 * e-fold of ℓ. It keeps lengthscales that the data do not determine (few points in many dimensions)
 * from drifting to the bounds, and scales with the √d growth of typical distances in [0, 1]^d.
 */
export function defaultLengthscalePrior(d: number): LengthscalePrior {
  checkInt('d', d, 1);
  return { kind: 'lognormal', loc: Math.SQRT2 + 0.5 * Math.log(d), scale: Math.sqrt(3) };
}

/** θ = (log ℓ_1 … log ℓ_d, log σ², log σ_n²) (length d + 2) of a set of hyperparameters. */
export function thetaOf(hyper: GpHyperparameters, d: number): Float64Array {
  const theta = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) theta[j] = Math.log(hyper.lengthscales[j]);
  theta[d] = Math.log(hyper.outputScale);
  theta[d + 1] = Math.log(hyper.noise);
  return theta;
}

/** Hyperparameters (natural units) of θ = (log ℓ, log σ², log σ_n²) (length d + 2). */
export function hyperOf(theta: ArrayLike<number>, d: number): GpHyperparametersResolved {
  const lengthscales = new Float64Array(d);
  for (let j = 0; j < d; j++) lengthscales[j] = Math.exp(theta[j]);
  return { lengthscales, outputScale: Math.exp(theta[d]), noise: Math.exp(theta[d + 1]) };
}

/**
 * Unnormalized log prior of the lengthscales at θ and, when `grad` is given, its gradient with respect
 * to log ℓ added into grad[0 … d).
 */
export function lengthscaleLogPrior(
  prior: LengthscalePrior,
  theta: ArrayLike<number>,
  d: number,
  grad: Float64Array | null,
): number {
  if (prior.kind === 'none') return 0;
  let lp = 0;
  if (prior.kind === 'gamma') {
    const a1 = prior.concentration - 1;
    const b = prior.rate;
    for (let j = 0; j < d; j++) {
      const l = Math.exp(theta[j]);
      lp += a1 * theta[j] - b * l;
      if (grad !== null) grad[j] += a1 - b * l;
    }
    return lp;
  }
  const inv = 1 / (prior.scale * prior.scale);
  for (let j = 0; j < d; j++) {
    const z = theta[j] - prior.loc;
    lp += -0.5 * z * z * inv - theta[j];
    if (grad !== null) grad[j] += -z * inv - 1;
  }
  return lp;
}

export function readBounds(b: Partial<GpBounds> | undefined): GpBounds {
  const res: GpBounds = { ...DEFAULT_GP_BOUNDS, ...b };
  for (const key of ['lengthscale', 'outputScale', 'noise'] as const) {
    const [lo, hi] = res[key];
    if (!(lo > 0) || !Number.isFinite(hi) || !(hi >= lo)) {
      throw new ValidationError(`bounds.${key}`, [lo, hi], 'expected 0 < lo ≤ hi < ∞');
    }
  }
  return res;
}

export function checkPrior(prior: LengthscalePrior): void {
  if (prior.kind === 'gamma') {
    checkNumber('lengthscalePrior.concentration', prior.concentration, 0);
    checkNumber('lengthscalePrior.rate', prior.rate, 0);
  } else if (prior.kind === 'lognormal') {
    checkNumber('lengthscalePrior.loc', prior.loc);
    checkNumber('lengthscalePrior.scale', prior.scale, 0);
    if (!(prior.scale > 0)) throw new ValidationError('lengthscalePrior.scale', prior.scale, 'expected > 0');
  } else if (prior.kind !== 'none') {
    throw new ValidationError(
      'lengthscalePrior.kind',
      (prior as { kind: unknown }).kind,
      "expected 'none', 'gamma' or 'lognormal'",
    );
  }
}

export function checkHyper(h: GpHyperparameters, d: number, name: string): GpHyperparametersResolved {
  if (h.lengthscales.length !== d) {
    throw new ValidationError(`${name}.lengthscales.length`, h.lengthscales.length, `expected d = ${d}`);
  }
  const lengthscales = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const l = h.lengthscales[j];
    if (!(l > 0) || !Number.isFinite(l)) {
      throw new ValidationError(`${name}.lengthscales[${j}]`, l, 'expected a finite number > 0');
    }
    lengthscales[j] = l;
  }
  for (const key of ['outputScale', 'noise'] as const) {
    const v = h[key];
    if (!(v > 0) || !Number.isFinite(v))
      throw new ValidationError(`${name}.${key}`, v, 'expected a finite number > 0');
  }
  return { lengthscales, outputScale: h.outputScale, noise: h.noise };
}
