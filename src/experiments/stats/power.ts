// Fixed-horizon planning: recipients per arm to detect a minimum detectable effect (MDE) at α (two-sided)
// with a given power, and the power that a number of recipients gives. Both use statsmodels'
// `NormalIndPower` with ratio 1 — the normal approximation with both rejection tails — on Cohen's h for
// proportions and on mde/sd for means, so the numbers match `NormalIndPower().solve_power(...)`.
import { phi, zCritical } from './distributions.js';
import { invalid, requireUnitInterval } from './invalid.js';

/** Cohen's h, 2·asin√p₁ − 2·asin√p₀ (statsmodels `proportion_effectsize(p1, p0)`). */
export const proportionEffectSize = (p1: number, p0: number): number => 2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p0));

/**
 * Power of the two-sided test with `nPerArm` recipients in each of two arms (statsmodels
 * `NormalIndPower().power(effectSize, nPerArm, alpha, ratio=1)`): with d = |h|·√(n/2),
 * Φ(d − z) + Φ(−d − z), z the critical value at α.
 */
export function normalPower(effectSize: number, nPerArm: number, alpha: number): number {
  const z = zCritical(alpha);
  const d = Math.abs(effectSize) * Math.sqrt(nPerArm / 2);
  return phi(d - z) + phi(-d - z);
}

export interface SampleSize {
  /** Recipients per arm, rounded up: the number to plan for. */
  nPerArm: number;
  /** The solution before rounding, as statsmodels' `solve_power` returns it. */
  exact: number;
  effectSize: number;
}

/**
 * Solves normalPower(h, n, α) = power for n. The power rises with n from α (n = 0), and the one-tail
 * closed form 2((z_{α/2} + z_β)/h)² overshoots (the other tail adds power), so bisection between the two
 * converges to the same root statsmodels' root finder does.
 */
export function solveNPerArm(effectSize: number, alpha: number, power: number): SampleSize {
  requireUnitInterval(alpha, 'alpha');
  requireUnitInterval(power, 'power');
  if (!(power > alpha)) throw invalid('power', 'must be above alpha (any test has power alpha)');
  if (!(Math.abs(effectSize) > 0) || !Number.isFinite(effectSize)) throw invalid('mde', 'must be a non-zero effect');
  let low = 0;
  let high = 2 * ((zCritical(alpha) + zCritical(2 * (1 - power))) / effectSize) ** 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const mid = (low + high) / 2;
    if (normalPower(effectSize, mid, alpha) < power) low = mid;
    else high = mid;
  }
  return { nPerArm: Math.ceil(high), exact: high, effectSize };
}

/** Baseline and MDE of a proportion goal: the MDE is the absolute difference (0.01 = one point). */
function proportionEffect(baseline: number, mde: number): number {
  if (!(Number.isFinite(baseline) && baseline >= 0 && baseline < 1)) throw invalid('baseline', 'must be a rate in [0, 1)');
  const target = baseline + mde;
  if (!(mde !== 0 && target >= 0 && target <= 1)) throw invalid('mde', 'must be non-zero and keep baseline + mde within [0, 1]');
  return proportionEffectSize(target, baseline);
}

/** Mean goal: the MDE over the standard deviation per recipient. */
function meanEffect(sd: number, mde: number): number {
  if (!(Number.isFinite(sd) && sd > 0)) throw invalid('sd', 'must be a positive standard deviation');
  if (!(Number.isFinite(mde) && mde !== 0)) throw invalid('mde', 'must be a non-zero difference');
  return mde / sd;
}

/** What the effect is measured against: the control's rate, or the standard deviation per recipient. */
export type EffectInput = { metric: 'proportion'; baseline: number; mde: number } | { metric: 'mean'; sd: number; mde: number };

export type PlanInput = EffectInput & { alpha: number; power: number };

const effectSize = (input: EffectInput): number =>
  input.metric === 'proportion' ? proportionEffect(input.baseline, input.mde) : meanEffect(input.sd, input.mde);

/** Recipients per arm for a fixed-horizon test (two arms of equal size). */
export function sampleSize(input: PlanInput): SampleSize {
  return solveNPerArm(effectSize(input), input.alpha, input.power);
}

/** The power that `nPerArm` recipients in each arm give to detect the MDE. */
export function achievedPower(input: EffectInput & { alpha: number; nPerArm: number }): number {
  requireUnitInterval(input.alpha, 'alpha');
  if (!(Number.isFinite(input.nPerArm) && input.nPerArm >= 0)) throw invalid('nPerArm', 'must be a number of recipients, 0 or more');
  return normalPower(effectSize(input), input.nPerArm, input.alpha);
}
