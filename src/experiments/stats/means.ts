// Means (revenue per recipient): each arm from the sums SQL gives (n, Σx, Σx²), its mean with a Student t
// interval, and Welch's unequal-variance t-test of a treatment against the control.
import { tCritical, tTwoSided, zCritical } from './distributions.js';
import { finite, interval, type Interval, type TestResult } from './types.js';

/** Recipients of an arm (`n`, the mean's base), the sum of their values and the sum of their squares. */
export interface MeanArm {
  n: number;
  sum: number;
  sumSquares: number;
}

export interface MeanSummary {
  mean: number;
  /** Sample variance, ddof = 1. */
  variance: number;
}

/** Mean and sample variance; null below 2 recipients, where the variance is undefined. */
export function summarise({ n, sum, sumSquares }: MeanArm): MeanSummary | null {
  if (n < 2) return null;
  const mean = sum / n;
  // Σx² − (Σx)²/n can dip a hair below 0 by rounding when every value is the same.
  const variance = Math.max(0, (sumSquares - (sum * sum) / n) / (n - 1));
  return Number.isFinite(mean) && Number.isFinite(variance) ? { mean, variance } : null;
}

/** mean ± t(1 − α/2, n − 1)·s/√n (scipy `t.interval(1 − α, n − 1, mean, s/√n)`); null below 2 recipients. */
export function meanInterval(arm: MeanArm, alpha: number): Interval | null {
  const s = summarise(arm);
  if (s === null) return null;
  const half = tCritical(alpha, arm.n - 1) * Math.sqrt(s.variance / arm.n);
  return interval(s.mean - half, s.mean + half);
}

export interface WelchResult extends TestResult {
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  difference: number;
  /** The standard error of the difference, √(s_t²/n_t + s_c²/n_c). */
  standardError: number;
  /** difference ± t(1 − α/2, df)·SE. */
  differenceCi: Interval;
}

/**
 * Welch's t-test of mean_t = mean_c (scipy `ttest_ind_from_stats(..., equal_var=False)`) with the
 * Welch–Satterthwaite df and the interval of the difference. Null below 2 recipients in an arm or when
 * both variances are 0 (every value equal: t is undefined).
 */
export function welchTest(treatment: MeanArm, control: MeanArm, alpha: number): WelchResult | null {
  const t = summarise(treatment);
  const c = summarise(control);
  if (t === null || c === null) return null;
  const vt = t.variance / treatment.n;
  const vc = c.variance / control.n;
  const standardError = Math.sqrt(vt + vc);
  if (!(standardError > 0)) return null;
  const difference = t.mean - c.mean;
  const statistic = difference / standardError;
  const df = (vt + vc) ** 2 / (vt ** 2 / (treatment.n - 1) + vc ** 2 / (control.n - 1));
  const half = tCritical(alpha, df) * standardError;
  const differenceCi = interval(difference - half, difference + half);
  if (differenceCi === null || !Number.isFinite(statistic)) return null;
  return { statistic, df, pValue: tTwoSided(statistic, df), difference, standardError, differenceCi };
}

/** mean_t / mean_c − 1; null when the control's mean is 0 or cannot be computed. */
export function relativeMeanLift(treatment: MeanArm, control: MeanArm): number | null {
  const t = summarise(treatment);
  const c = summarise(control);
  if (t === null || c === null || c.mean === 0) return null;
  return finite(t.mean / c.mean - 1);
}

/**
 * The delta-method interval of mean_t / mean_c − 1: r ± z·√(s_t²/(n_t·m_c²) + m_t²·s_c²/(n_c·m_c⁴)), with r the
 * relative lift. No library computes it; the fixture script writes the same formula in numpy.
 */
export function relativeMeanInterval(treatment: MeanArm, control: MeanArm, alpha: number): Interval | null {
  const t = summarise(treatment);
  const c = summarise(control);
  if (t === null || c === null || c.mean === 0) return null;
  const r = t.mean / c.mean - 1;
  const variance = t.variance / (treatment.n * c.mean ** 2) + (t.mean ** 2 * c.variance) / (control.n * c.mean ** 4);
  const half = zCritical(alpha) * Math.sqrt(variance);
  return interval(r - half, r + half);
}
