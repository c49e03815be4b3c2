/** Search spaces: parameter kinds, conditions, specs, the typed builder and the unit-cube encoding. */
export type { ConditionOn, NumericOptions, Simplify, When } from './builder.ts';
export { SpaceBuilder, space } from './builder.ts';
export {
  decodeValue,
  encodeInactive,
  encodeValue,
  numericToUnit,
  paramWidth,
  unitToNumeric,
} from './encode.ts';
export type {
  CategoricalParam,
  Condition,
  ConditionOp,
  FixedParam,
  FloatParam,
  IntParam,
  OrderOp,
  ParamDef,
  ParamDefInput,
  ParamType,
  ParamValue,
  ParamValues,
} from './params.ts';
export {
  checkParamDefs,
  conditionHolds,
  conditionOps,
  describeDomain,
  formatCondition,
  isPossibleValue,
  PARAM_NAME,
  paramTypes,
} from './params.ts';
export type { ParamLayout, ParamSpecJson, Params, SpaceSpecJson } from './space.ts';
export { SearchSpace } from './space.ts';
export type { NamedParamSpec, ParamSpec, SpaceSpec } from './spec.ts';
export { conditionSchema, paramSpecSchema, parseSpace, specToDefs } from './spec.ts';
