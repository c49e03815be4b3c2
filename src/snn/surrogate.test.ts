import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import {
  type SurrogateSpec,
  surrogateCode,
  surrogateGrad,
  surrogateGradInto,
  surrogatePrimitive,
  validateSurrogate,
} from './surrogate.ts';

const specs: SurrogateSpec[] = [
  { kind: 'fast-sigmoid', slope: 25 },
  { kind: 'fast-sigmoid', slope: 2 },
  { kind: 'arctan', alpha: 2 },
  { kind: 'sigmoid', slope: 5 },
  { kind: 'triangle', width: 0.5, scale: 0.3 },
];

describe('surrogates', () => {
  for (const s of specs) {
    it(`${s.kind} derivative is the derivative of its primitive`, () => {
      const c = surrogateCode(s);
      const h = 1e-6;
      for (let x = -1.37; x <= 1.4; x += 0.0731) {
        const fd = (surrogatePrimitive(c, x + h) - surrogatePrimitive(c, x - h)) / (2 * h);
        expect(surrogateGrad(c, x)).toBeCloseTo(fd, 5);
      }
    });
    it(`${s.kind} peaks at the threshold and is symmetric`, () => {
      const c = surrogateCode(s);
      expect(surrogateGrad(c, 0)).toBeGreaterThan(surrogateGrad(c, 0.2));
      expect(surrogateGrad(c, 0.3)).toBeCloseTo(surrogateGrad(c, -0.3), 10);
    });
  }
  it('vectorised form matches the scalar form', () => {
    for (const s of specs) {
      const c = surrogateCode(s);
      const x = Float32Array.from({ length: 50 }, (_, i) => (i - 25) / 20);
      const out = new Float32Array(50);
      surrogateGradInto(c, x, out, 50);
      for (let i = 0; i < 50; i++) expect(out[i]).toBeCloseTo(surrogateGrad(c, x[i]), 6);
    }
  });
  it('rejects bad parameters naming the field', () => {
    expect(() => validateSurrogate({ kind: 'fast-sigmoid', slope: -1 })).toThrow(ValidationError);
    expect(() => validateSurrogate({ kind: 'triangle', width: 0, scale: 1 })).toThrow(/surrogate.width: 0/);
  });
});
