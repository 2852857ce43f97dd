// BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): repeat purchases at a
// Poisson rate λ ~ Gamma(r, α) while alive, dropping out after each repeat purchase with probability
// p ~ Beta(a, b). The log-likelihood, expected purchases and P(alive) are those of lifetimes 0.11.3's
// BetaGeoFitter (tests/unit/clv.test.ts checks them against it to 1e-6).
import betaln from '@stdlib/math-base-special-betaln';
import digamma from '@stdlib/math-base-special-digamma';
import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';
import type { HistoryRows } from './histories.js';
import { minimiseBfgs } from './bfgs.js';
import { minimise } from './nelder-mead.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Σ weight × log L(x, t_x, T) over the rows. */
export const bgNbdLogLikelihood = (params: BgNbdParams, rows: HistoryRows): number => bgNbdLikelihoodOf(rows)(params).ll;

/** Each row's index into the distinct values of `values`, and those values. */
function distinct(values: Float64Array): { index: Int32Array; values: Float64Array } {
  const seen = new Map<number, number>();
  const index = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let j = seen.get(values[i]!);
    if (j === undefined) seen.set(values[i]!, (j = seen.size));
    index[i] = j;
  }
  return { index, values: Float64Array.from(seen.keys()) };
}

/**
 * The log-likelihood of these rows and its gradient in (r, α, a, b), prepared for the many evaluations of a
 * fit: every term that depends on x alone, on T alone or on t_x alone is computed once per distinct value
 * (a million customers have a few hundred frequencies and under a thousand ages in days), leaving one exp
 * and one log per row. The terms are lifetimes' A_1…A_4: ll = A_1 + A_2 + log(e^A_3 + [x > 0] e^A_4).
 */
export function bgNbdLikelihoodOf(rows: HistoryRows): (params: BgNbdParams) => { ll: number; grad: [number, number, number, number] } {
  const x = distinct(rows.frequency);
  const t = distinct(rows.T);
  const rec = distinct(rows.recency);
  const w = rows.weight;
  const perX = () => new Float64Array(x.values.length);
  const [cx, lx, rx, dr, da, db, ib] = [perX(), perX(), perX(), perX(), perX(), perX(), perX()];
  const [lT, iT] = [new Float64Array(t.values.length), new Float64Array(t.values.length)];
  const [lR, iR] = [new Float64Array(rec.values.length), new Float64Array(rec.values.length)];
  return ({ r, alpha, a, b }) => {
    const betaAB = betaln(a, b);
    const [logAlpha, logA] = [Math.log(alpha), Math.log(a)];
    const [psiR, psiB, psiAB] = [digamma(r), digamma(b), digamma(a + b)];
    x.values.forEach((v, j) => {
      // A_1 + A_2: log Γ(r+x)/Γ(r) α^r and log B(a, b+x)/B(a, b), with their derivatives; A_4's log a/(b+x-1).
      cx[j] = gammaln(r + v) - gammaln(r) + r * logAlpha + betaln(a, b + v) - betaAB;
      lx[j] = logA - Math.log(b + Math.max(v, 1) - 1);
      ib[j] = 1 / (b + Math.max(v, 1) - 1);
      rx[j] = r + v;
      const psiABX = digamma(a + b + v);
      dr[j] = digamma(r + v) - psiR + logAlpha;
      da[j] = psiAB - psiABX;
      db[j] = digamma(b + v) - psiABX - psiB + psiAB;
    });
    t.values.forEach((v, k) => ((lT[k] = Math.log(alpha + v)), (iT[k] = 1 / (alpha + v))));
    rec.values.forEach((v, k) => ((lR[k] = Math.log(alpha + v)), (iR[k] = 1 / (alpha + v))));
    // Scalars only in this loop (no destructuring): it runs once per row per evaluation.
    let total = 0;
    let gr = 0;
    let gAlpha = 0;
    let ga = 0;
    let gb = 0;
    const rOverAlpha = r / alpha;
    for (let i = 0; i < w.length; i++) {
      const j = x.index[i]!;
      const k = t.index[i]!;
      const m = rec.index[i]!;
      const rxj = rx[j]!;
      const a3 = -rxj * lT[k]!;
      let ll = a3;
      let s3 = 1;
      let s4 = 0;
      if (x.values[j]! > 0) {
        const a4 = lx[j]! - rxj * lR[m]!;
        const e = Math.exp(-Math.abs(a3 - a4));
        ll = Math.max(a3, a4) + Math.log1p(e);
        // The shares of e^A_3 and e^A_4 in their sum: the weights of their derivatives.
        const big = 1 / (1 + e);
        s3 = a3 >= a4 ? big : e * big;
        s4 = 1 - s3;
      }
      const wi = w[i]!;
      total += wi * (cx[j]! + ll);
      gr += wi * (dr[j]! - s3 * lT[k]! - s4 * lR[m]!);
      gAlpha += wi * (rOverAlpha - rxj * (s3 * iT[k]! + s4 * iR[m]!));
      ga += wi * (da[j]! + s4 / a);
      gb += wi * (db[j]! - s4 * ib[j]!);
    }
    return { ll: total, grad: [gr, gAlpha, ga, gb] };
  };
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
 * `penalizer` × Σ params² (on the scaled parameters, as lifetimes' penalizer_coef), started at log-params 0.1,
 * minimised by BFGS with the analytic gradient; Nelder–Mead from there should BFGS not converge.
 */
export function fitBgNbd(rows: HistoryRows, penalizer = 0): BgNbdFit {
  let maxT = 0;
  for (const t of rows.T) maxT = Math.max(maxT, t);
  const scale = maxT > 0 ? 1 / maxT : 1;
  const scaled: HistoryRows = { ...rows, recency: rows.recency.map((v) => v * scale), T: rows.T.map((v) => v * scale) };
  const weights = rows.weight.reduce((s, v) => s + v, 0);
  const likelihood = bgNbdLikelihoodOf(scaled);
  const objective = (lp: number[]) => {
    const params = lp.map(Math.exp) as [number, number, number, number];
    const [r, alpha, a, b] = params;
    const { ll, grad } = likelihood({ r, alpha, a, b });
    const f = -ll / weights + penalizer * params.reduce((s, v) => s + v * v, 0);
    // d/d log θ = θ d/dθ.
    return { f, g: params.map((v, i) => v * (-grad[i]! / weights + 2 * penalizer * v)) };
  };
  let min = minimiseBfgs(objective, [0.1, 0.1, 0.1, 0.1]);
  if (!min.converged) {
    const nm = minimise((lp) => objective(lp).f, min.x);
    min = { ...nm, evaluations: nm.evaluations + min.evaluations };
  }
  const [r, alphaScaled, a, b] = min.x.map(Math.exp) as [number, number, number, number];
  const params = { r, alpha: alphaScaled / scale, a, b };
  return { params, logLikelihood: bgNbdLogLikelihood(params, rows), converged: min.converged, evaluations: min.evaluations };
}
