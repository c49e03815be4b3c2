/** The optimizer's public surface: samplers behind one interface, multi-objective helpers. */
import { ValidationError } from '../core/errors.ts';
import { checkInt } from '../core/validate.ts';
import { RandomSampler, SobolSampler } from './baselines.ts';
import { type ScboOptions, ScboSampler } from './scbo/sampler.ts';
import type { Problem, Sampler } from './types.ts';

export type SamplerConfig =
  | { readonly kind: 'random'; readonly seed: number }
  | { readonly kind: 'sobol'; readonly seed: number }
  | ({ readonly kind: 'scbo' } & ScboOptions);

export const samplerKinds = ['scbo', 'random', 'sobol'] as const;

/** Builds a sampler for `problem`. */
export function createSampler(config: SamplerConfig, problem: Problem): Sampler {
  checkInt('sampler.seed', config.seed, 0, 2 ** 32 - 1);
  switch (config.kind) {
    case 'random':
      return new RandomSampler(problem.space, config.seed);
    case 'sobol':
      return new SobolSampler(problem.space, config.seed);
    case 'scbo':
      return new ScboSampler(problem, config);
    default:
      throw new ValidationError(
        'sampler.kind',
        (config as { kind: unknown }).kind,
        `expected one of ${samplerKinds.join(', ')}`,
      );
  }
}

export type { ScboOptions } from './scbo/sampler.ts';
export type { Direction, ObjectiveSpec, Observation, Problem, Sampler } from './types.ts';
export { violation } from './types.ts';
