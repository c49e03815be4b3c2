/**
 * Surrogate derivatives of the Heaviside spike function H(x), x = u - θ (membrane minus threshold).
 *
 * The forward pass always emits H(x); backward replaces H'(x) (a Dirac) by a smooth bump σ'(x).
 * Each surrogate also provides σ(x), a primitive of σ'(x): in gradient-check ("smooth") mode the
 * forward pass emits σ(x) instead of H(x), so BPTT is the exact gradient of that forward pass and can
 * be compared with finite differences.
 *
 * - fast sigmoid (SuperSpike, Zenke & Ganguli 2018): σ'(x) = 1 / (1 + k|x|)²,  σ(x) = x / (1 + k|x|)
 * - arctan (snnTorch `atan`):  σ'(x) = (α/2) / (1 + (π α x / 2)²),  σ(x) = arctan(π α x / 2) / π + 1/2
 * - sigmoid (snnTorch default): σ'(x) = k s (1 - s) with s = 1 / (1 + e^{-kx}),  σ(x) = s
 * - triangle (Bellec et al. 2018): σ'(x) = γ max(0, 1 - |x| / w),  σ(x) its piecewise-quadratic integral
 */
import { checkNumber } from '../core/validate.ts';

export type SurrogateSpec =
  | { readonly kind: 'fast-sigmoid'; readonly slope: number }
  | { readonly kind: 'arctan'; readonly alpha: number }
  | { readonly kind: 'sigmoid'; readonly slope: number }
  | { readonly kind: 'triangle'; readonly width: number; readonly scale: number };

export const surrogateKinds = ['fast-sigmoid', 'arctan', 'sigmoid', 'triangle'] as const;

/** Validates a surrogate spec; returns it. */
export function validateSurrogate(s: SurrogateSpec, field = 'surrogate'): SurrogateSpec {
  switch (s.kind) {
    case 'fast-sigmoid':
    case 'sigmoid':
      checkNumber(`${field}.slope`, s.slope, 1e-6);
      return s;
    case 'arctan':
      checkNumber(`${field}.alpha`, s.alpha, 1e-6);
      return s;
    case 'triangle':
      checkNumber(`${field}.width`, s.width, 1e-6);
      checkNumber(`${field}.scale`, s.scale, 1e-6);
      return s;
    default:
      throw new Error(`unknown surrogate ${(s as { kind: string }).kind}`);
  }
}

/**
 * Numeric form used by the kernels: a small integer code and two parameters, so that the hot loops
 * switch on an int once per call instead of calling closures per element.
 */
export interface SurrogateCode {
  readonly code: 0 | 1 | 2 | 3;
  readonly a: number;
  readonly b: number;
}

export function surrogateCode(s: SurrogateSpec): SurrogateCode {
  switch (s.kind) {
    case 'fast-sigmoid':
      return { code: 0, a: s.slope, b: 0 };
    case 'arctan':
      return { code: 1, a: s.alpha, b: 0 };
    case 'sigmoid':
      return { code: 2, a: s.slope, b: 0 };
    case 'triangle':
      return { code: 3, a: s.width, b: s.scale };
  }
}

/** σ'(x): the surrogate derivative. */
export function surrogateGrad(c: SurrogateCode, x: number): number {
  switch (c.code) {
    case 0: {
      const d = 1 + c.a * Math.abs(x);
      return 1 / (d * d);
    }
    case 1: {
      const z = (Math.PI * c.a * x) / 2;
      return c.a / 2 / (1 + z * z);
    }
    case 2: {
      const s = 1 / (1 + Math.exp(-c.a * x));
      return c.a * s * (1 - s);
    }
    case 3: {
      const r = 1 - Math.abs(x) / c.a;
      return r > 0 ? c.b * r : 0;
    }
  }
}

/** σ(x): a primitive of σ'(x), used as the smooth spike function in gradient-check mode. */
export function surrogatePrimitive(c: SurrogateCode, x: number): number {
  switch (c.code) {
    case 0:
      return x / (1 + c.a * Math.abs(x));
    case 1:
      return Math.atan((Math.PI * c.a * x) / 2) / Math.PI + 0.5;
    case 2:
      return 1 / (1 + Math.exp(-c.a * x));
    case 3: {
      const w = c.a;
      if (x <= -w) return 0;
      if (x >= w) return c.b * w;
      return c.b * (x - (x * Math.abs(x)) / (2 * w) + w / 2);
    }
  }
}

/**
 * Fills out[i] = σ'(x[i]) for i in [0, n): the vectorised form the BPTT kernels use.
 */
export function surrogateGradInto(c: SurrogateCode, x: Float32Array, out: Float32Array, n: number): void {
  const a = c.a;
  switch (c.code) {
    case 0:
      for (let i = 0; i < n; i++) {
        const d = 1 + a * Math.abs(x[i]);
        out[i] = 1 / (d * d);
      }
      return;
    default:
      for (let i = 0; i < n; i++) out[i] = surrogateGrad(c, x[i]);
  }
}
