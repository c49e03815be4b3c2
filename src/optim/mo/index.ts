/**
 * Multi-objective utilities: Pareto fronts, hypervolume, random Chebyshev scalarization. Every
 * objective is MINIMIZED; negate the ones to maximize (accuracy) before calling.
 */
export {
  defaultMaxPoints,
  HypervolumeError,
  type HypervolumeOptions,
  hypervolume,
  hypervolumeContribution,
  hypervolumeImprovement,
} from './hypervolume.ts';
export { crowdingDistance, dominates, nonDominatedRanks, nonDominatedSort, paretoFront } from './pareto.ts';
export { type PointMatrix, type PointSet, toPointMatrix } from './points.ts';
export {
  chebyshev,
  chebyshevScalarize,
  normalizeObjectives,
  PAREGO_RHO,
  sampleSimplexWeights,
} from './scalarize.ts';
