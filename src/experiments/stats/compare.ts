// One treatment arm against the control, in either mode: the lift with its intervals and the raw p-value
// (before Holm). Fixed mode uses the fixed-horizon tests; sequential mode keeps the same estimate θ̂ and
// the same variance V as fixed mode and replaces the normal tail by the mSPRT, so that a sequential
// p-value is never below the fixed-horizon z p-value of the same data (docs/experiments-statistics.md).
import {
  differenceVariance,
  differenceWaldInterval,
  relativeLift,
  relativeLogInterval,
  twoProportionZTest,
  type ProportionArm,
} from './proportions.js';
import { relativeMeanInterval, relativeMeanLift, summarise, welchTest, type MeanArm } from './means.js';
import { defaultTau2, msprt } from './sequential.js';
import type { Interval } from './types.js';

export interface Lift {
  /** treatment − control (rate points, or currency per recipient). */
  absolute: number;
  /** Fixed mode: the Wald (proportions) or Welch (means) interval; sequential mode: the always-valid one. */
  absoluteCi: Interval;
  /** treatment / control − 1; null when the control's value is 0. */
  relative: number | null;
  /** Fixed mode only (log/Katz for proportions, delta method for means); null in sequential mode. */
  relativeCi: Interval | null;
}

export interface Comparison {
  /** z (proportions, fixed), Welch's t (means, fixed) or ln Λ (sequential); null when not computable. */
  statistic: number | null;
  df: number | null;
  pValue: number | null;
  lift: Lift | null;
  /** The τ² the sequential test used (given, or the default); null in fixed mode. */
  tau2: number | null;
}

export interface CompareOptions {
  alpha: number;
  mode: 'fixed' | 'sequential';
  tau2?: number;
  horizon?: number;
  previousPValue?: number | null;
}

const none: Comparison = { statistic: null, df: null, pValue: null, lift: null, tau2: null };

export function compareProportions(treatment: ProportionArm, control: ProportionArm, o: CompareOptions): Comparison {
  const waldCi = differenceWaldInterval(treatment, control, o.alpha);
  if (waldCi === null) return none;
  const absolute = treatment.events / treatment.n - control.events / control.n;
  const relative = relativeLift(treatment, control);
  if (o.mode === 'fixed') {
    const z = twoProportionZTest(treatment, control);
    const lift = { absolute, absoluteCi: waldCi, relative, relativeCi: relativeLogInterval(treatment, control, o.alpha) };
    return { statistic: z?.statistic ?? null, df: null, pValue: z?.pValue ?? null, lift, tau2: null };
  }
  // The z-test's pooled variance for the likelihood ratio (the null's), the unpooled one for the interval.
  const pooled = (treatment.events + control.events) / (treatment.n + control.n);
  const variance = pooled * (1 - pooled) * (1 / treatment.n + 1 / control.n);
  const tau2 = o.tau2 ?? defaultTau2(2 * pooled * (1 - pooled), o.alpha, o.horizon);
  const intervalVariance = differenceVariance(treatment, control);
  const s = msprt({ estimate: absolute, variance, intervalVariance, tau2, alpha: o.alpha, previousPValue: o.previousPValue });
  if (s === null) return none;
  return {
    statistic: s.logLikelihoodRatio,
    df: null,
    pValue: s.pValue,
    lift: { absolute, absoluteCi: s.ci, relative, relativeCi: null },
    tau2,
  };
}

export function compareMeans(treatment: MeanArm, control: MeanArm, o: CompareOptions): Comparison {
  const welch = welchTest(treatment, control, o.alpha);
  if (welch === null) return none;
  const relative = relativeMeanLift(treatment, control);
  if (o.mode === 'fixed') {
    const lift = {
      absolute: welch.difference,
      absoluteCi: welch.differenceCi,
      relative,
      relativeCi: relativeMeanInterval(treatment, control, o.alpha),
    };
    return { statistic: welch.statistic, df: welch.df, pValue: welch.pValue, lift, tau2: null };
  }
  const variance = welch.standardError ** 2;
  const unitVariances = summarise(treatment)!.variance + summarise(control)!.variance;
  const tau2 = o.tau2 ?? defaultTau2(unitVariances, o.alpha, o.horizon);
  const s = msprt({ estimate: welch.difference, variance, tau2, alpha: o.alpha, previousPValue: o.previousPValue });
  if (s === null) return none;
  return {
    statistic: s.logLikelihoodRatio,
    df: null,
    pValue: s.pValue,
    lift: { absolute: welch.difference, absoluteCi: s.ci, relative, relativeCi: null },
    tau2,
  };
}
