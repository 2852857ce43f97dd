// Always-valid inference: the mixture sequential probability ratio test (mSPRT) of Johari, Koomen, Pekelis
// and Walsh ("Always valid inference", 2017/2022) with a normal mixing distribution N(0, τ²) on the
// difference θ of two arms. Its p-value and interval stay valid however often the results are looked at.
import { interval, type Interval } from './types.js';

export interface MsprtInput {
  /** θ̂, the estimated difference (treatment − control). */
  estimate: number;
  /** V, the variance of θ̂ under the null, for the likelihood ratio (the fixed-horizon test's). */
  variance: number;
  /** The variance of θ̂ for the interval; `variance` when not given. */
  intervalVariance?: number;
  /** τ², the variance of the mixing distribution, on the scale of θ. */
  tau2: number;
  alpha: number;
  /** The always-valid p-value of the previous look: the sequence is kept non-increasing. */
  previousPValue?: number | null;
}

export interface MsprtResult {
  /** ln Λ, the log of the mixture likelihood ratio (Λ itself overflows for large effects). */
  logLikelihoodRatio: number;
  /** min(1, 1/Λ, the previous look's p-value). */
  pValue: number;
  /** θ̂ ± √((V + τ²)/τ² · V · (2 ln(1/α) + ln((V + τ²)/V))). */
  ci: Interval;
}

/**
 * ln Λ = ½ ln(V/(V + τ²)) + τ²θ̂² / (2V(V + τ²)), the mixture likelihood ratio of θ = 0 against θ ~ N(0, τ²).
 */
export const logMixtureRatio = (estimate: number, variance: number, tau2: number): number =>
  0.5 * Math.log(variance / (variance + tau2)) + (tau2 * estimate ** 2) / (2 * variance * (variance + tau2));

/** The always-valid p-value, interval and ln Λ; null when V or τ² is not positive (no data, no spread). */
export function msprt({ estimate, variance, intervalVariance = variance, tau2, alpha, previousPValue }: MsprtInput): MsprtResult | null {
  if (!(variance > 0) || !(intervalVariance > 0) || !(tau2 > 0) || !Number.isFinite(estimate)) return null;
  const logLikelihoodRatio = logMixtureRatio(estimate, variance, tau2);
  let pValue = Math.min(1, Math.exp(-logLikelihoodRatio));
  if (previousPValue != null) pValue = Math.min(pValue, previousPValue);
  const v = intervalVariance;
  const half = Math.sqrt(((v + tau2) / tau2) * v * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)));
  const ci = interval(estimate - half, estimate + half);
  return ci && Number.isFinite(logLikelihoodRatio) ? { logLikelihoodRatio, pValue, ci } : null;
}

/** Recipients per arm at which the default τ² makes the always-valid interval narrowest. */
export const DEFAULT_HORIZON = 10_000;

/**
 * The default τ²: the one for which the always-valid interval is (near) narrowest when each arm has
 * `horizon` recipients — Howard, Ramdas, McAuliffe & Sekhon (2021, "Time-uniform, nonparametric,
 * nonasymptotic confidence sequences") give ρ² = (−2 ln α + ln(1 − 2 ln α)) / t for a planned time t, so
 * τ² = (−2 ln α + ln(1 − 2 ln α)) · V*, with V* = (σ_t² + σ_c²) / horizon the variance of θ̂ at the horizon
 * and σ² the per-recipient variance of each arm.
 */
export function defaultTau2(unitVariances: number, alpha: number, horizon: number = DEFAULT_HORIZON): number {
  const l = -2 * Math.log(alpha);
  return (l + Math.log(1 + l)) * (unitVariances / horizon);
}
