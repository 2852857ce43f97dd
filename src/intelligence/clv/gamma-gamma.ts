// Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): a customer's
// order values ~ Gamma(p, ν) around their own mean, ν ~ Gamma(q, γ) across customers; fitted on repeat
// customers' mean repeat-order value. As lifetimes 0.11.3's GammaGammaFitter (its `v` is γ here).
import digamma from '@stdlib/math-base-special-digamma';
import gammaln from '@stdlib/math-base-special-gammaln';
import type { SpendRows } from './histories.js';
import { minimiseBfgs } from './bfgs.js';
import { minimise } from './nelder-mead.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** Σ weight × log-likelihood of (x, m̄) over the rows. */
export const gammaGammaLogLikelihood = (params: GammaGammaParams, rows: SpendRows): number => gammaGammaLikelihoodOf(rows)(params).ll;

/**
 * The log-likelihood and its gradient in (p, q, γ), prepared for a fit's many evaluations: log m̄ and log x
 * once per row, the gamma functions once per distinct x, one log per row per evaluation.
 */
export function gammaGammaLikelihoodOf(rows: SpendRows): (params: GammaGammaParams) => { ll: number; grad: [number, number, number] } {
  const { frequency: f, monetary: m, weight: w } = rows;
  const logM = m.map(Math.log);
  const logX = f.map(Math.log);
  const xs = [...new Set(f)];
  const position = new Map(xs.map((x, j) => [x, j]));
  const index = Int32Array.from(f, (x) => position.get(x)!);
  const [cx, dpx, dqx] = [new Float64Array(xs.length), new Float64Array(xs.length), new Float64Array(xs.length)];
  return ({ p, q, gamma }) => {
    const logGamma = Math.log(gamma);
    const psiQ = digamma(q);
    const constant = q * logGamma - gammaln(q);
    xs.forEach((x, j) => {
      const psiPXQ = digamma(p * x + q);
      cx[j] = gammaln(p * x + q) - gammaln(p * x);
      dpx[j] = x * (psiPXQ - digamma(p * x));
      dqx[j] = psiPXQ - psiQ + logGamma;
    });
    // Scalars only in this loop: it runs once per row per evaluation.
    let total = 0;
    let gp = 0;
    let gq = 0;
    let gg = 0;
    for (let i = 0; i < f.length; i++) {
      const j = index[i]!;
      const x = f[i]!;
      const px = p * x;
      const spend = x * m[i]! + gamma;
      const logSpend = Math.log(spend);
      const wi = w[i]!;
      total += wi * (cx[j]! + constant + (px - 1) * logM[i]! + px * logX[i]! - (px + q) * logSpend);
      gp += wi * (dpx[j]! + x * (logM[i]! + logX[i]! - logSpend));
      gq += wi * (dqx[j]! - logSpend);
      gg += wi * (q / gamma - (px + q) / spend);
    }
    return { ll: total, grad: [gp, gq, gg] };
  };
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

/**
 * Maximum likelihood over log-parameters: mean negative log-likelihood + penalizer × Σ params², as lifetimes,
 * by BFGS with the analytic gradient (Nelder–Mead from there should it not converge).
 */
export function fitGammaGamma(rows: SpendRows, penalizer = 0): GammaGammaFit {
  const weights = rows.weight.reduce((s, v) => s + v, 0);
  const likelihood = gammaGammaLikelihoodOf(rows);
  const objective = (lp: number[]) => {
    const params = lp.map(Math.exp) as [number, number, number];
    const [p, q, gamma] = params;
    const { ll, grad } = likelihood({ p, q, gamma });
    const f = -ll / weights + penalizer * params.reduce((s, v) => s + v * v, 0);
    return { f, g: params.map((v, i) => v * (-grad[i]! / weights + 2 * penalizer * v)) };
  };
  let min = minimiseBfgs(objective, [0.1, 0.1, 0.1]);
  if (!min.converged) {
    const nm = minimise((lp) => objective(lp).f, min.x);
    min = { ...nm, evaluations: nm.evaluations + min.evaluations };
  }
  const [p, q, gamma] = min.x.map(Math.exp) as [number, number, number];
  const params = { p, q, gamma };
  return { params, logLikelihood: gammaGammaLogLikelihood(params, rows), converged: min.converged, evaluations: min.evaluations };
}
