// BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): repeat purchases at a
// Poisson rate λ ~ Gamma(r, α) while alive, dropping out after each repeat purchase with probability
// p ~ Beta(a, b). The log-likelihood, expected purchases and P(alive) are those of lifetimes 0.11.3's
// BetaGeoFitter (tests/unit/clv.test.ts checks them against it to 1e-6).
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';
import type { HistoryRows } from './histories.js';
import { minimise } from './nelder-mead.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * Σ weight × log L(x, t_x, T), plus the row count's per-x terms computed once per distinct x (a million
 * customers have a few hundred distinct frequencies): what makes a fit over many rows fast.
 */
export function bgNbdLogLikelihood({ r, alpha, a, b }: BgNbdParams, rows: HistoryRows): number {
  const { frequency: f, recency: rec, T, weight: w } = rows;
  const logAlpha = Math.log(alpha);
  const logA = Math.log(a);
  const perX = new Map<number, { c: number; logB: number }>();
  const betaAB = betaln(a, b);
  let total = 0;
  for (let i = 0; i < f.length; i++) {
    const x = f[i]!;
    let terms = perX.get(x);
    if (!terms) {
      // A_1 + A_2 of lifetimes: log Γ(r+x)/Γ(r) α^r and log B(a, b+x)/B(a, b).
      const c = gammaln(r + x) - gammaln(r) + r * logAlpha + betaln(a, b + x) - betaAB;
      terms = { c, logB: Math.log(b + Math.max(x, 1) - 1) };
      perX.set(x, terms);
    }
    const a3 = -(r + x) * Math.log(alpha + T[i]!);
    let ll: number;
    if (x > 0) {
      const a4 = logA - terms.logB - (r + x) * Math.log(rec[i]! + alpha);
      const m = Math.max(a3, a4);
      ll = m + Math.log(Math.exp(a3 - m) + Math.exp(a4 - m));
    } else ll = a3;
    total += w[i]! * (terms.c + ll);
  }
  return total;
}

/** E[purchases in (T, T + t]] of a customer with history (x, t_x, T): lifetimes' equation (10). */
export function expectedPurchases({ r, alpha, a, b }: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t === 0) return 0;
  const [ha, hb, hc] = [r + x, b + x, a + b + x - 1];
  const z = t / (alpha + T + t);
  let lnHyp = Math.log(hyp2f1(ha, hb, hc, z));
  // Overflows for long histories: the Euler transformation is the same function, evaluated as lifetimes does.
  if (!Number.isFinite(lnHyp)) lnHyp = Math.log(hyp2f1(hc - ha, hc - hb, hc, z)) + (hc - ha - hb) * Math.log(1 - z);
  const first = (a + b + x - 1) / (a - 1);
  const second = 1 - Math.exp(lnHyp + (r + x) * Math.log((alpha + T) / (alpha + t + T)));
  const denominator = 1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0);
  return (first * second) / denominator;
}

/** P(still alive) given the history; 1 for a customer with no repeat purchase (the model's assumption). */
export function probabilityAlive({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const logDiv = (r + x) * Math.log((alpha + T) / (alpha + tx)) + Math.log(a / (b + x - 1));
  return 1 / (1 + Math.exp(logDiv));
}

export interface BgNbdFit {
  params: BgNbdParams;
  /** Σ log-likelihood over customers, time in days, without the penalty. */
  logLikelihood: number;
  converged: boolean;
  evaluations: number;
}

/**
 * Maximum likelihood over the log-parameters, as lifetimes does it: time scaled so the oldest customer's T is
 * 1 (α is scaled back after), the objective the weighted mean negative log-likelihood plus
 * `penalizer` × Σ params² (on the scaled parameters, as lifetimes' penalizer_coef), started at log-params 0.1.
 */
export function fitBgNbd(rows: HistoryRows, penalizer = 0): BgNbdFit {
  let maxT = 0;
  for (const t of rows.T) maxT = Math.max(maxT, t);
  const scale = maxT > 0 ? 1 / maxT : 1;
  const scaled: HistoryRows = { ...rows, recency: rows.recency.map((v) => v * scale), T: rows.T.map((v) => v * scale) };
  const weights = rows.weight.reduce((s, v) => s + v, 0);
  const objective = (lp: number[]) => {
    const [r, alpha, a, b] = lp.map(Math.exp) as [number, number, number, number];
    return -bgNbdLogLikelihood({ r, alpha, a, b }, scaled) / weights + penalizer * (r * r + alpha * alpha + a * a + b * b);
  };
  const min = minimise(objective, [0.1, 0.1, 0.1, 0.1]);
  const [r, alphaScaled, a, b] = min.x.map(Math.exp) as [number, number, number, number];
  const params = { r, alpha: alphaScaled / scale, a, b };
  return { params, logLikelihood: bgNbdLogLikelihood(params, rows), converged: min.converged, evaluations: min.evaluations };
}
