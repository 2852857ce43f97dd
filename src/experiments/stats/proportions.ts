// Proportions: one arm's rate with its Wilson interval, and a treatment against the control — the pooled
// two-proportion z-test, the unpooled Wald interval of the difference and the log (Katz) interval of the
// ratio. Each matches the statsmodels function named beside it (tests/fixtures/stats-reference.json).
import { normalTwoSided, zCritical } from './distributions.js';
import { finite, interval, type Interval, type TestResult } from './types.js';

/** Recipients of an arm (`n`, the rate's base) and how many of them did the goal (`events`). */
export interface ProportionArm {
  n: number;
  events: number;
}

/** events / n; null when n is 0. */
export const rate = ({ n, events }: ProportionArm): number | null => (n > 0 ? events / n : null);

/** Wilson score interval at level 1 − α (statsmodels `proportion_confint(method='wilson')`); null when n is 0. */
export function wilsonInterval(arm: ProportionArm, alpha: number): Interval | null {
  const p = rate(arm);
  if (p === null) return null;
  const { n } = arm;
  const z2 = zCritical(alpha) ** 2;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const dist = (Math.sqrt(z2) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return interval(center - dist, center + dist);
}

/**
 * Two-sided z-test of p_t = p_c with the pooled variance (statsmodels `proportions_ztest([e_t, e_c], [n_t, n_c])`):
 * z = (p_t − p_c) / √(p̄(1 − p̄)(1/n_t + 1/n_c)). Null when an arm is empty or p̄ is 0 or 1 (no variance at all).
 */
export function twoProportionZTest(treatment: ProportionArm, control: ProportionArm): TestResult | null {
  if (treatment.n <= 0 || control.n <= 0) return null;
  const pooled = (treatment.events + control.events) / (treatment.n + control.n);
  const variance = pooled * (1 - pooled) * (1 / treatment.n + 1 / control.n);
  if (!(variance > 0)) return null;
  const z = (treatment.events / treatment.n - control.events / control.n) / Math.sqrt(variance);
  return { statistic: z, df: null, pValue: normalTwoSided(z) };
}

/** The unpooled variance of p_t − p_c, the Wald interval's and the sequential interval's. */
export function differenceVariance(treatment: ProportionArm, control: ProportionArm): number {
  const pt = treatment.events / treatment.n;
  const pc = control.events / control.n;
  return (pt * (1 - pt)) / treatment.n + (pc * (1 - pc)) / control.n;
}

/** p_t − p_c ± z·√V, V unpooled (statsmodels `confint_proportions_2indep(compare='diff', method='wald')`). */
export function differenceWaldInterval(treatment: ProportionArm, control: ProportionArm, alpha: number): Interval | null {
  if (treatment.n <= 0 || control.n <= 0) return null;
  const diff = treatment.events / treatment.n - control.events / control.n;
  const half = zCritical(alpha) * Math.sqrt(differenceVariance(treatment, control));
  return interval(diff - half, diff + half);
}

/** p_t / p_c − 1, null when the control's rate is 0 (or an arm is empty). */
export function relativeLift(treatment: ProportionArm, control: ProportionArm): number | null {
  if (treatment.n <= 0 || control.n <= 0 || control.events <= 0) return null;
  return finite(treatment.events / treatment.n / (control.events / control.n) - 1);
}

/**
 * The log (Katz) interval of p_t / p_c, minus 1 (statsmodels `confint_proportions_2indep(compare='ratio',
 * method='log')`): exp(ln(p_t/p_c) ± z·√(1/e_t − 1/n_t + 1/e_c − 1/n_c)) − 1. Null when either arm has no
 * event, where the log of the ratio is unbounded.
 */
export function relativeLogInterval(treatment: ProportionArm, control: ProportionArm, alpha: number): Interval | null {
  if (treatment.events <= 0 || control.events <= 0) return null;
  const logRatio = Math.log(treatment.events / treatment.n / (control.events / control.n));
  const variance = 1 / treatment.events - 1 / treatment.n + 1 / control.events - 1 / control.n;
  const half = zCritical(alpha) * Math.sqrt(Math.max(0, variance));
  return interval(Math.exp(logRatio - half) - 1, Math.exp(logRatio + half) - 1);
}
