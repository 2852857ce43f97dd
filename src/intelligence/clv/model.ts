// The CLV model of a workspace: BG/NBD for how many purchases a customer will make and whether they are
// still a customer, Gamma-Gamma for what an order will be worth; fitted together, or not at all when the
// orders cannot support it (too few repeat customers, or a fit that says spend has no finite mean).
import { type BgNbdParams, expectedPurchases, fitBgNbd, probabilityAlive } from './bg-nbd.js';
import { expectedOrderValue, fitGammaGamma, type GammaGammaParams } from './gamma-gamma.js';
import type { HistoryRows, SpendRows } from './histories.js';

export const CLV_DEFAULTS: Readonly<
  Record<'minRepeatCustomers' | 'penalizer' | 'monthlyDiscountRate' | 'months' | 'daysPerMonth', number>
> = {
  /** Customers with a repeat purchase day needed to fit (each model's own guard too). */
  minRepeatCustomers: 20,
  /** L2 penalty on the parameters (lifetimes' penalizer_coef). 0: plain maximum likelihood. */
  penalizer: 0,
  /**
   * Monthly discount rate of the predicted CLV. 0: the 12-month CLV is expected purchases × expected order
   * value, undiscounted (lifetimes' own default is 0.01). Any rate discounts month k by (1 + rate)^k.
   */
  monthlyDiscountRate: 0,
  /** 12 months of 365/12 days: the prediction covers a year (lifetimes' freq='D' months are 30 days). */
  months: 12,
  daysPerMonth: 365 / 12,
};

export type ClvParams = BgNbdParams & GammaGammaParams;

export interface ClvModel {
  params: ClvParams;
  logLikelihood: { bgNbd: number; gammaGamma: number };
  /** Customers the BG/NBD fit read, those with a repeat purchase day, and those the Gamma-Gamma fit read. */
  customers: number;
  repeatCustomers: number;
  spendCustomers: number;
  penalizer: number;
  monthlyDiscountRate: number;
}

export type ClvFit = { model: ClvModel } | { model: null; reason: string };

export interface FitOptions {
  minRepeatCustomers?: number;
  penalizer?: number;
  monthlyDiscountRate?: number;
}

const total = (w: Float64Array, keep: (i: number) => boolean = () => true) => w.reduce((s, v, i) => (keep(i) ? s + v : s), 0);

export function fitClv(histories: HistoryRows, spends: SpendRows, options: FitOptions = {}): ClvFit {
  const { minRepeatCustomers, penalizer, monthlyDiscountRate } = { ...CLV_DEFAULTS, ...options };
  const customers = total(histories.weight);
  const repeatCustomers = total(histories.weight, (i) => histories.frequency[i]! > 0);
  const spendCustomers = total(spends.weight);
  const few = Math.min(repeatCustomers, spendCustomers);
  if (few < minRepeatCustomers)
    return {
      model: null,
      reason:
        `too few repeat customers: ${repeatCustomers} of ${customers} customers with orders bought on more than one day ` +
        `(${spendCustomers} with a positive repeat spend); the model needs at least ${minRepeatCustomers}`,
    };
  const bg = fitBgNbd(histories, penalizer);
  const gg = fitGammaGamma(spends, penalizer);
  const params = { ...bg.params, ...gg.params };
  if (!bg.converged || !gg.converged || !Object.values(params).every((v) => Number.isFinite(v) && v > 0))
    return { model: null, reason: 'the maximum-likelihood fit did not converge' };
  if (params.q <= 1) return { model: null, reason: `Gamma-Gamma q = ${params.q.toPrecision(4)} ≤ 1: spend per order has no finite mean` };
  return {
    model: {
      params,
      logLikelihood: { bgNbd: bg.logLikelihood, gammaGamma: gg.logLikelihood },
      customers,
      repeatCustomers,
      spendCustomers,
      penalizer,
      monthlyDiscountRate,
    },
  };
}

/**
 * Expected purchases over `months` months, each discounted by (1 + rate)^k (lifetimes' customer_lifetime_value
 * sums the months the same way); × the expected order value it is the predicted CLV.
 */
export function discountedPurchases(
  params: BgNbdParams,
  x: number,
  tx: number,
  T: number,
  { months = CLV_DEFAULTS.months, daysPerMonth = CLV_DEFAULTS.daysPerMonth, monthlyDiscountRate = CLV_DEFAULTS.monthlyDiscountRate } = {},
): number {
  if (monthlyDiscountRate === 0) return expectedPurchases(params, months * daysPerMonth, x, tx, T);
  let sum = 0;
  let previous = 0;
  for (let k = 1; k <= months; k++) {
    const cumulative = expectedPurchases(params, k * daysPerMonth, x, tx, T);
    sum += (cumulative - previous) / (1 + monthlyDiscountRate) ** k;
    previous = cumulative;
  }
  return sum;
}

export interface ClvPrediction {
  expectedPurchases12m: number;
  pAlive: number;
  expectedOrderValue: number;
  predictedClv12m: number;
}

/** One customer's predictions by the model (history as ./histories.ts defines it). */
export function predictClv(
  model: Pick<ClvModel, 'params' | 'monthlyDiscountRate'>,
  x: number,
  tx: number,
  T: number,
  m: number,
): ClvPrediction {
  const { params } = model;
  const value = expectedOrderValue(params, x, m);
  const year = CLV_DEFAULTS.months * CLV_DEFAULTS.daysPerMonth;
  return {
    expectedPurchases12m: expectedPurchases(params, year, x, tx, T),
    pAlive: probabilityAlive(params, x, tx, T),
    expectedOrderValue: value,
    predictedClv12m: value * discountedPurchases(params, x, tx, T, { monthlyDiscountRate: model.monthlyDiscountRate }),
  };
}
