/** Shape and index checks of the GP inputs. */
import { ValidationError } from '../../core/errors.ts';
import { checkInt } from '../../core/validate.ts';

export function checkIndices(indices: ArrayLike<number>, n: number): Int32Array {
  checkInt('fitOn.length', indices.length, 1, n);
  const out = new Int32Array(indices.length);
  for (let t = 0; t < indices.length; t++) out[t] = checkInt(`fitOn[${t}]`, indices[t], 0, n - 1);
  return out;
}

export function checkShape(name: string, x: Float64Array, n: number, d: number): void {
  if (!(x instanceof Float64Array)) throw new ValidationError(name, typeof x, 'expected a Float64Array');
  if (x.length < n * d) throw new ValidationError(`${name}.length`, x.length, `expected at least ${n * d}`);
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(x[i])) throw new ValidationError(`${name}[${i}]`, x[i], 'expected a finite number');
  }
}
