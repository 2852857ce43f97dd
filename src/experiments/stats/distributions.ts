// The distributions every test here reads its p-values and critical values from, taken from @stdlib
// (no special function is written by hand). Tails are taken on the side that keeps precision: the
// normal's upper tail as Φ(−|z|) rather than 1 − Φ(|z|), which would round to 0 past |z| ≈ 8.
import chiSquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** Φ(x) of the standard normal. */
export const phi = (x: number): number => normalCdf(x, 0, 1);

/** Φ⁻¹(p) of the standard normal. */
export const phiInverse = (p: number): number => normalQuantile(p, 0, 1);

/** The two-sided critical value z such that P(|Z| > z) = α (statsmodels' `norm.isf(alpha / 2)`). */
export const zCritical = (alpha: number): number => -phiInverse(alpha / 2);

/** P(|Z| ≥ |z|) for a standard normal Z. */
export const normalTwoSided = (z: number): number => Math.min(1, 2 * phi(-Math.abs(z)));

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom (df may be fractional: Welch). */
export const tTwoSided = (t: number, df: number): number => Math.min(1, 2 * tCdf(-Math.abs(t), df));

/** The two-sided critical value of Student's t at level α. */
export const tCritical = (alpha: number, df: number): number => tQuantile(1 - alpha / 2, df);

/** P(X² ≥ x) for a chi-square with `df` degrees of freedom. */
export const chiSquareUpper = (x: number, df: number): number => Math.max(0, 1 - chiSquareCdf(x, df));
