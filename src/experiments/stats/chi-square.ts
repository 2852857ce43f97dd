// Pearson's chi-square, twice: independence of arm and outcome on the k×2 table (the omnibus test of
// more than two proportion arms), and goodness of fit of the assignment counts to the planned weights
// (the sample-ratio-mismatch check).
import { chiSquareUpper } from './distributions.js';
import type { ProportionArm } from './proportions.js';
import type { TestResult } from './types.js';

/** Σ (O − E)² / E over cells; null when an expected count is 0 (scipy refuses such a table too). */
function pearson(observed: number[], expected: number[]): number | null {
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i]!;
    if (!(e > 0)) return null;
    statistic += (observed[i]! - e) ** 2 / e;
  }
  return statistic;
}

/**
 * Chi-square test of independence on the table of [events, n − events] per arm, without continuity
 * correction (scipy `chi2_contingency(table, correction=False)`), df = k − 1. Null when an arm is empty or
 * nobody (or everybody) did the goal: an expected cell is then 0.
 */
export function chiSquareIndependence(arms: ProportionArm[]): TestResult | null {
  const total = arms.reduce((s, a) => s + a.n, 0);
  const events = arms.reduce((s, a) => s + a.events, 0);
  const observed = arms.flatMap((a) => [a.events, a.n - a.events]);
  const expected = arms.flatMap((a) => [(a.n * events) / total, (a.n * (total - events)) / total]);
  const statistic = total > 0 ? pearson(observed, expected) : null;
  if (statistic === null) return null;
  const df = arms.length - 1;
  return { statistic, df, pValue: chiSquareUpper(statistic, df) };
}

/** The sample-ratio-mismatch verdict: flagged when the goodness-of-fit p-value is below this. */
export const SRM_THRESHOLD = 0.001;

export interface SampleRatioMismatch {
  statistic: number | null;
  df: number;
  pValue: number | null;
  /** p < SRM_THRESHOLD: the assignment did not follow the weights, and no result can be trusted. */
  flagged: boolean;
}

/**
 * Goodness of fit of the assignment counts to the weights (scipy `chisquare(f_obs, f_exp)` with
 * f_exp = total·w/Σw), df = k − 1. Nothing assigned yet: statistic and p-value null, not flagged.
 */
export function sampleRatioMismatch(assigned: number[], weights: number[]): SampleRatioMismatch {
  const total = assigned.reduce((s, x) => s + x, 0);
  const weightSum = weights.reduce((s, w) => s + w, 0);
  const df = assigned.length - 1;
  const statistic =
    total > 0
      ? pearson(
          assigned,
          weights.map((w) => (total * w) / weightSum),
        )
      : null;
  if (statistic === null) return { statistic: null, df, pValue: null, flagged: false };
  const pValue = chiSquareUpper(statistic, df);
  return { statistic, df, pValue, flagged: pValue < SRM_THRESHOLD };
}
