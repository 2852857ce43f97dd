// The small shapes the statistics share. Every number in them is finite: what cannot be computed is null.

/** A two-sided confidence interval. */
export interface Interval {
  low: number;
  high: number;
}

/** A test's statistic and two-sided p-value (`df` where the reference distribution has one). */
export interface TestResult {
  statistic: number;
  df: number | null;
  pValue: number;
}

/** A finite number, or null for anything else (NaN, ±Infinity), so that no output carries either. */
export const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** An interval whose ends are both finite, or null. */
export function interval(low: number, high: number): Interval | null {
  return Number.isFinite(low) && Number.isFinite(high) ? { low, high } : null;
}
