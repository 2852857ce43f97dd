// Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): a customer's
// order values ~ Gamma(p, ν) around their own mean, ν ~ Gamma(q, γ) across customers; fitted on repeat
// customers' mean repeat-order value. As lifetimes 0.11.3's GammaGammaFitter (its `v` is γ here).
import gammaln from '@stdlib/math-base-special-gammaln';
import type { SpendRows } from './histories.js';
import { minimise } from './nelder-mead.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** Σ weight × log-likelihood of (x, m̄), the per-x gamma functions computed once per distinct x. */
export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, rows: SpendRows): number {
  const { frequency: f, monetary: m, weight: w } = rows;
  const constant = q * Math.log(gamma) - gammaln(q);
  const perX = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < f.length; i++) {
    const x = f[i]!;
    let c = perX.get(x);
    if (c === undefined) perX.set(x, (c = gammaln(p * x + q) - gammaln(p * x) + p * x * Math.log(x)));
    const mi = m[i]!;
    total += w[i]! * (c + constant + (p * x - 1) * Math.log(mi) - (p * x + q) * Math.log(x * mi + gamma));
  }
  return total;
}

/**
 * E[mean order value | x repeat purchases averaging m̄]: a weighted average of the customer's own mean and the
 * population's (p γ / (q − 1)); for x = 0 the population mean. Needs q > 1 (the fit's guard).
 */
export function expectedOrderValue({ p, q, gamma }: GammaGammaParams, x: number, m: number): number {
  const weight = (p * x) / (p * x + q - 1);
  return (1 - weight) * ((gamma * p) / (q - 1)) + weight * m;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  converged: boolean;
  evaluations: number;
}

/** Maximum likelihood over log-parameters: mean negative log-likelihood + penalizer × Σ params², as lifetimes. */
export function fitGammaGamma(rows: SpendRows, penalizer = 0): GammaGammaFit {
  const weights = rows.weight.reduce((s, v) => s + v, 0);
  const objective = (lp: number[]) => {
    const [p, q, gamma] = lp.map(Math.exp) as [number, number, number];
    return -gammaGammaLogLikelihood({ p, q, gamma }, rows) / weights + penalizer * (p * p + q * q + gamma * gamma);
  };
  const min = minimise(objective, [0.1, 0.1, 0.1]);
  const [p, q, gamma] = min.x.map(Math.exp) as [number, number, number];
  const params = { p, q, gamma };
  return { params, logLikelihood: gammaGammaLogLikelihood(params, rows), converged: min.converged, evaluations: min.evaluations };
}
