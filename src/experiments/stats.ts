// The statistics engine of experiments: pure functions, no I/O. The feature calls analyse(); planning
// calls sampleSize() and achievedPower(). The method of each number: docs/experiments-statistics.md.
export { analyse, type Analysis, type ArmResult, type Decision, type Omnibus } from './stats/analyse.js';
export type { AnalyseArm, AnalyseInput } from './stats/analyse-input.js';
export type { Lift } from './stats/compare.js';
export { SRM_THRESHOLD, sampleRatioMismatch, chiSquareIndependence, type SampleRatioMismatch } from './stats/chi-square.js';
export { holm } from './stats/holm.js';
export { meanInterval, summarise, welchTest, relativeMeanInterval, type MeanArm, type WelchResult } from './stats/means.js';
export {
  achievedPower,
  normalPower,
  proportionEffectSize,
  sampleSize,
  type EffectInput,
  type PlanInput,
  type SampleSize,
} from './stats/power.js';
export {
  differenceWaldInterval,
  rate,
  relativeLogInterval,
  twoProportionZTest,
  wilsonInterval,
  type ProportionArm,
} from './stats/proportions.js';
export { DEFAULT_HORIZON, defaultTau2, logMixtureRatio, msprt, type MsprtInput, type MsprtResult } from './stats/sequential.js';
export type { Interval, TestResult } from './stats/types.js';
