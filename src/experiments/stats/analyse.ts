// The one entry point the experiments feature calls: every arm's value and interval, each treatment
// against the control with Holm-adjusted p-values, the omnibus test, the sample-ratio check and the
// decision. Pure: counts in, numbers out; nothing in the output is NaN or infinite (null instead).
import { checkAnalyseInput, type AnalyseArm, type AnalyseInput } from './analyse-input.js';
import { chiSquareIndependence, sampleRatioMismatch, type SampleRatioMismatch } from './chi-square.js';
import { compareMeans, compareProportions, type Comparison, type Lift } from './compare.js';
import { holm } from './holm.js';
import { meanInterval, summarise, type MeanArm } from './means.js';
import { rate, wilsonInterval, type ProportionArm } from './proportions.js';
import type { Interval } from './types.js';

export interface ArmResult {
  key: string;
  /** The base of `rate` and `mean`. */
  n: number;
  events?: number;
  /** Mean goal: Σ/n, with `variance` the sample variance (ddof 1); null below 2 recipients. */
  mean?: number | null;
  variance?: number | null;
  /** Proportion goal: events / n; null when n is 0 (and always null for a mean goal). */
  rate: number | null;
  /** The rate or the mean: what `ci` is about. */
  estimate: number | null;
  /** Wilson (proportions) or Student t (means) at 1 − α; a per-arm, fixed-horizon description in both modes. */
  ci: Interval | null;
  isControl: boolean;
  /** Against the control; null for the control and when it cannot be computed. */
  lift: Lift | null;
  statistic: number | null;
  df: number | null;
  /** Raw p-value against the control (sequential mode: always-valid, for `previousPValues` next time). */
  pValue: number | null;
  /** Holm-adjusted across the treatment arms. */
  adjustedPValue: number | null;
  /** adjustedPValue < α. */
  significant: boolean;
}

export interface Omnibus {
  /** z or welch: 2 arms, fixed; chi_square: >2 proportion arms, fixed; holm: >2 mean arms, fixed (the smallest
   * Holm-adjusted p, a valid test of "no arm differs"); msprt: sequential (the same, from always-valid p-values). */
  test: 'z' | 'chi_square' | 'welch' | 'holm' | 'msprt';
  statistic: number | null;
  df: number | null;
  pValue: number | null;
}

export type Decision = 'winner' | 'no_significant_difference' | 'srm' | 'insufficient_data';

export interface Analysis {
  metric: AnalyseInput['metric'];
  mode: AnalyseInput['mode'];
  alpha: number;
  arms: ArmResult[];
  omnibus: Omnibus;
  srm: SampleRatioMismatch;
  /** The best arm (by estimate) among those significantly better than the control; null when none or SRM. */
  winner: string | null;
  decision: Decision;
  /** Sequential mode: τ² per arm (null for the control); fixed mode: null. */
  tau2: Array<number | null> | null;
}

const asProportion = (a: AnalyseArm): ProportionArm => ({ n: a.n, events: a.events ?? 0 });
const asMean = (a: AnalyseArm): MeanArm => ({ n: a.n, sum: a.sum ?? 0, sumSquares: a.sumSquares ?? 0 });

function describe(arm: AnalyseArm, input: AnalyseInput): Pick<ArmResult, 'events' | 'mean' | 'variance' | 'rate' | 'estimate' | 'ci'> {
  if (input.metric === 'proportion') {
    const r = rate(asProportion(arm));
    return { events: arm.events ?? 0, rate: r, estimate: r, ci: wilsonInterval(asProportion(arm), input.alpha) };
  }
  const s = summarise(asMean(arm));
  const mean = arm.n > 0 ? (arm.sum ?? 0) / arm.n : null;
  return { mean, variance: s?.variance ?? null, rate: null, estimate: mean, ci: meanInterval(asMean(arm), input.alpha) };
}

function compare(arm: AnalyseArm, control: AnalyseArm, i: number, input: AnalyseInput): Comparison {
  const o = { alpha: input.alpha, mode: input.mode, tau2: input.tau2, horizon: input.horizon, previousPValue: input.previousPValues?.[i] };
  return input.metric === 'proportion'
    ? compareProportions(asProportion(arm), asProportion(control), o)
    : compareMeans(asMean(arm), asMean(control), o);
}

function omnibusOf(input: AnalyseInput, comparisons: Comparison[], adjusted: Array<number | null>): Omnibus {
  const [first] = comparisons;
  const smallest = adjusted.some((p) => p === null) ? null : Math.min(...(adjusted as number[]));
  if (input.mode === 'sequential') return { test: 'msprt', statistic: null, df: null, pValue: smallest };
  if (comparisons.length === 1) {
    const test = input.metric === 'proportion' ? 'z' : 'welch';
    return { test, statistic: first!.statistic, df: first!.df, pValue: first!.pValue };
  }
  if (input.metric === 'mean') return { test: 'holm', statistic: null, df: null, pValue: smallest };
  const chi = chiSquareIndependence(input.arms.map(asProportion));
  return { test: 'chi_square', statistic: chi?.statistic ?? null, df: chi?.df ?? input.arms.length - 1, pValue: chi?.pValue ?? null };
}

/** Analyses an experiment's arms; throws a DomainError (422) naming the field of any bad input. */
export function analyse(input: AnalyseInput): Analysis {
  checkAnalyseInput(input);
  const [control, ...treatments] = input.arms as [AnalyseArm, ...AnalyseArm[]];
  const comparisons = treatments.map((arm, i) => compare(arm, control, i + 1, input));
  const adjusted = holm(comparisons.map((c) => c.pValue));
  const arms: ArmResult[] = input.arms.map((arm, i) => {
    const c = i === 0 ? null : comparisons[i - 1]!;
    const adjustedPValue = i === 0 ? null : adjusted[i - 1]!;
    const significant = adjustedPValue !== null && adjustedPValue < input.alpha;
    const base = { key: arm.key, n: arm.n, ...describe(arm, input), isControl: i === 0 };
    return {
      ...base,
      lift: c?.lift ?? null,
      statistic: c?.statistic ?? null,
      df: c?.df ?? null,
      pValue: c?.pValue ?? null,
      adjustedPValue,
      significant,
    };
  });

  const counts = [...(input.assigned ?? input.arms.map((a) => a.n)), ...(input.holdout ? [input.holdout.assigned] : [])];
  const srm = sampleRatioMismatch(counts, [...input.weights, ...(input.holdout ? [input.holdout.weight] : [])]);
  const omnibus = omnibusOf(input, comparisons, adjusted);
  const better = arms.filter((a) => a.significant && a.lift !== null && a.lift.absolute > 0);
  const best = better.reduce<ArmResult | null>((b, a) => (b === null || a.estimate! > b.estimate! ? a : b), null);
  const insufficient = omnibus.pValue === null || arms.some((a) => a.estimate === null || (!a.isControl && a.pValue === null));
  const decision: Decision = srm.flagged ? 'srm' : insufficient ? 'insufficient_data' : best ? 'winner' : 'no_significant_difference';
  const tau2 = input.mode === 'sequential' ? [null, ...comparisons.map((c) => c.tau2)] : null;
  return {
    metric: input.metric,
    mode: input.mode,
    alpha: input.alpha,
    arms,
    omnibus,
    srm,
    winner: decision === 'winner' ? best!.key : null,
    decision,
    tau2,
  };
}
