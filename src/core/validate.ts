import { ValidationError } from './errors.ts';

/** Checks that `value` is a finite number within [min, max]; returns it. */
export function checkNumber(field: string, value: number, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range =
      min === -Infinity && max === Infinity
        ? 'a finite number'
        : max === Infinity
          ? `a finite number >= ${min}`
          : min === -Infinity
            ? `a finite number <= ${max}`
            : `a number in [${min}, ${max}]`;
    throw new ValidationError(field, value, `expected ${range}`);
  }
  return value;
}

/** Checks that `value` is an integer within [min, max]; returns it. */
export function checkInt(field: string, value: number, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new ValidationError(field, value, `expected ${range}`);
  }
  return value;
}

/** Checks that `value` is one of `allowed`; returns it narrowed. */
export function checkOneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ValidationError(field, value, `expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}
