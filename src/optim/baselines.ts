/**
 * Baseline samplers behind the Sampler interface: uniform random search and scrambled Sobol'.
 * Both are pure functions of (seed, number of trials so far): the k-th proposal of a study is the
 * same whatever process asks for it and however the study was interrupted.
 */
import { Rng } from '../core/rng.ts';
import { SOBOL_MAX_DIMENSION, SobolEngine } from '../linalg/sobol.ts';
import type { ParamValues, SearchSpace } from '../space/index.ts';
import type { Observation, Sampler } from './types.ts';

/** The k-th proposal's independent random stream. */
export function streamFor(seed: number, k: number): Rng {
  return new Rng((Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(k + 1, 0x85ebca6b)) >>> 0);
}

export class RandomSampler implements Sampler {
  readonly name = 'random';
  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
  ) {}

  ask(history: readonly Observation[], pending: readonly ParamValues[], count = 1): ParamValues[] {
    const k0 = history.length + pending.length;
    return Array.from({ length: count }, (_, j) => this.space.sampleUniform(streamFor(this.seed, k0 + j)));
  }
}

/**
 * Scrambled Sobol' points in the space's unit-cube encoding, decoded (ints rounded, categoricals by
 * argmax of their one-hot block). The k-th proposal is point k of the sequence.
 */
export class SobolSampler implements Sampler {
  readonly name = 'sobol';
  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
  ) {
    if (space.dims > SOBOL_MAX_DIMENSION) {
      throw new Error(`sobol sampler: ${space.dims} encoded dimensions exceed ${SOBOL_MAX_DIMENSION}`);
    }
  }

  ask(history: readonly Observation[], pending: readonly ParamValues[], count = 1): ParamValues[] {
    const k0 = history.length + pending.length;
    const d = this.space.dims;
    const pts = new SobolEngine(d, { seed: this.seed, scramble: 'lms' }).fastForward(k0).draw(count);
    const out: ParamValues[] = [];
    for (let j = 0; j < count; j++) out.push(this.space.decode(pts.subarray(j * d, (j + 1) * d)));
    return out;
  }
}
