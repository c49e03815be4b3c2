/**
 * Shape arithmetic shared by the spatial layers (convolution, pooling): validation of [C, H, W]
 * shapes and the output sizes of a sliding window. Per-sample features are laid out channel-major
 * (index c·H·W + y·W + x), so a [C, H, W] map and its flattened [C·H·W] vector are the same row and
 * no Flatten layer is needed.
 */
import { ValidationError } from '../core/errors.ts';
import { checkInt } from '../core/validate.ts';
import type { Shape } from './tensor.ts';

/** Shape of an image-like sample: channels, height, width. */
export type Shape3 = readonly [number, number, number];

function isPositiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** Checks that `shape` is [C, H, W] with positive integer entries; returns a frozen copy. */
export function checkShape3(field: string, shape: unknown): Shape3 {
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every(isPositiveInt)) {
    throw new ValidationError(field, shape, 'expected [C, H, W] with positive integers');
  }
  return Object.freeze([shape[0], shape[1], shape[2]] as const);
}

/** Checks that `shape` is [N] or [C, H, W] with positive integer entries; returns a frozen copy. */
export function checkShape(field: string, shape: unknown): Shape {
  if (Array.isArray(shape) && shape.length === 1 && isPositiveInt(shape[0])) {
    return Object.freeze([shape[0]] as const);
  }
  if (Array.isArray(shape) && shape.length === 3) return checkShape3(field, shape);
  throw new ValidationError(field, shape, 'expected [N] or [C, H, W] with positive integers');
}

/** Output length of a window of size `kernel` sliding over `n` (+ `padding` zeros on each side). */
export function windowOutSize(n: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((n + 2 * padding - kernel) / stride) + 1;
}

/**
 * Output shape [filters, H', W'] of a convolution, H' = floor((H + 2p − K)/s) + 1. Validates every
 * argument (field names as in the Conv2d options) and that the kernel fits the padded input.
 */
export function convOutShape(
  inShape: Shape3,
  filters: number,
  kernel: number,
  stride = 1,
  padding = 0,
): [number, number, number] {
  const [, H, W] = checkShape3('inShape', inShape);
  checkInt('filters', filters, 1);
  checkInt('kernel', kernel, 1);
  checkInt('stride', stride, 1);
  checkInt('padding', padding, 0);
  if (kernel > H + 2 * padding || kernel > W + 2 * padding) {
    throw new ValidationError(
      'kernel',
      kernel,
      `must not exceed the padded input ${H + 2 * padding}×${W + 2 * padding} (inShape [${inShape.join(', ')}], padding ${padding})`,
    );
  }
  return [filters, windowOutSize(H, kernel, stride, padding), windowOutSize(W, kernel, stride, padding)];
}

/**
 * Output shape [C, H', W'] of a pooling window (no padding, windows that overhang are dropped):
 * H' = floor((H − size)/stride) + 1. Validates the arguments (field names as in the Pool2d options).
 */
export function poolOutShape(inShape: Shape3, size: number, stride = size): [number, number, number] {
  const [C, H, W] = checkShape3('inShape', inShape);
  checkInt('size', size, 1);
  checkInt('stride', stride, 1);
  if (size > H || size > W) {
    throw new ValidationError(
      'size',
      size,
      `must not exceed the input ${H}×${W} (inShape [${inShape.join(', ')}])`,
    );
  }
  return [C, windowOutSize(H, size, stride, 0), windowOutSize(W, size, stride, 0)];
}
