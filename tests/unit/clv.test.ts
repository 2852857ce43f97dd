// The CLV model against the Python `lifetimes` package (tests/fixtures/clv-reference.json, made by
// scripts/clv-fixtures.py): the per-customer summary, the log-likelihoods and every prediction at FIXED
// parameters (the formulas, to 1e-6 relative), then the fits (two optimisers: lifetimes' scipy BFGS, our
// BFGS) and the predictions they lead to, the gradients the fits use, and the guard.
import { describe, expect, it } from 'vitest';
import { bgNbdLikelihoodOf, bgNbdLogLikelihood, expectedPurchases, fitBgNbd, probabilityAlive } from '../../src/intelligence/clv/bg-nbd.js';
import { minimiseBfgs } from '../../src/intelligence/clv/bfgs.js';
import {
  expectedOrderValue,
  fitGammaGamma,
  gammaGammaLikelihoodOf,
  gammaGammaLogLikelihood,
} from '../../src/intelligence/clv/gamma-gamma.js';
import { aggregate, historiesOf, historyRows, spendRows } from '../../src/intelligence/clv/histories.js';
import { discountedPurchases, fitClv, predictClv } from '../../src/intelligence/clv/model.js';
import { minimise } from '../../src/intelligence/clv/nelder-mead.js';
import { loadTransactions, productParams, reference, type ReferencePredictions, type ReferenceRow } from '../fixtures/clv-fixtures.js';

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
/** Every value within `tolerance` relative (an exact 0 must be 0 within 1e-12). */
function expectClose(actual: number[], expected: number[], tolerance: number) {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((a, i) => (expected[i] === 0 ? Math.abs(a) : relative(a, expected[i]!))));
  expect(worst).toBeLessThan(tolerance);
  return worst;
}

const observationEnd = new Date(`${reference.generator.observation_end}T12:00:00Z`);
const histories = historiesOf(loadTransactions(), observationEnd);
const { histories: rows, spends } = aggregate(histories.values());

/** Each prediction of `sample` by our functions at `params`, in the reference's shape. */
function predictionsAt(params: ReturnType<typeof productParams>, sample: ReferenceRow[]): ReferencePredictions {
  const at = (fn: (r: ReferenceRow) => number) => sample.map(fn);
  return {
    expected_purchases_365: at((s) => expectedPurchases(params, 365, s.frequency, s.recency, s.T)),
    expected_purchases_30: at((s) => expectedPurchases(params, 30, s.frequency, s.recency, s.T)),
    p_alive: at((s) => probabilityAlive(params, s.frequency, s.recency, s.T)),
    expected_average_profit: at((s) => expectedOrderValue(params, s.frequency, s.monetary_value)),
    // lifetimes' months (freq='D') are 30 days.
    clv_12m_discount_0: at(
      (s) =>
        expectedOrderValue(params, s.frequency, s.monetary_value) *
        discountedPurchases(params, s.frequency, s.recency, s.T, { daysPerMonth: 30, monthlyDiscountRate: 0 }),
    ),
    clv_12m_discount_0_01: at(
      (s) =>
        expectedOrderValue(params, s.frequency, s.monetary_value) *
        discountedPurchases(params, s.frequency, s.recency, s.T, { daysPerMonth: 30, monthlyDiscountRate: 0.01 }),
    ),
  };
}

describe('the summary per customer, as lifetimes summary_data_from_transaction_data (freq D)', () => {
  it('agrees on the sample and on the sums over every customer', () => {
    for (const s of reference.fit.sample) {
      const h = histories.get(s.customer_id)!;
      expect([h.frequency, h.recency, h.T]).toEqual([s.frequency, s.recency, s.T]);
      expect(h.monetary).toBeCloseTo(s.monetary_value, 9);
    }
    const all = [...histories.values()];
    const sum = (f: (h: (typeof all)[number]) => number) => all.reduce((t, h) => t + f(h), 0);
    expect(all).toHaveLength(reference.summary.customers);
    expect(all.filter((h) => h.frequency > 0)).toHaveLength(reference.summary.repeat_customers);
    expect([sum((h) => h.frequency), sum((h) => h.recency), sum((h) => h.T)]).toEqual([
      reference.summary.sum_frequency,
      reference.summary.sum_recency,
      reference.summary.sum_T,
    ]);
    expect(
      relative(
        sum((h) => h.monetary),
        reference.summary.sum_monetary_value,
      ),
    ).toBeLessThan(1e-12);
  });

  it('sums a day’s orders into one purchase and leaves out orders after the observation day', () => {
    const at = (iso: string) => new Date(iso);
    const h = historiesOf(
      [
        { customerId: 'é', occurredAt: at('2026-01-01T23:59:00Z'), amount: 5 },
        { customerId: 'é', occurredAt: at('2026-01-03T00:01:00Z'), amount: 10 },
        { customerId: 'é', occurredAt: at('2026-01-03T22:00:00Z'), amount: 20 },
        { customerId: 'é', occurredAt: at('2026-01-10T00:00:00Z'), amount: 99 },
      ],
      at('2026-01-05T08:00:00Z'),
    ).get('é')!;
    expect(h).toEqual({ frequency: 1, recency: 2, T: 4, monetary: 30, revenue: 35 });
  });
});

describe('at fixed parameters (the formulas, independent of any optimiser)', () => {
  const params = productParams(reference.fixed.params);
  it('log-likelihoods match lifetimes’ to 1e-9', () => {
    expect(relative(bgNbdLogLikelihood(params, rows), reference.fixed.log_likelihood_bgnbd)).toBeLessThan(1e-9);
    expect(relative(gammaGammaLogLikelihood(params, spends), reference.fixed.log_likelihood_gamma_gamma)).toBeLessThan(1e-9);
  });
  it('expected purchases, P(alive), expected order value and 12-month CLV match to 1e-6, edge histories included', () => {
    const ours = predictionsAt(params, reference.fixed.sample);
    for (const key of Object.keys(ours) as Array<keyof ReferencePredictions>)
      expectClose(ours[key], reference.fixed.predictions[key], 1e-6);
  });
  it('the product’s year is 365 days and undiscounted: CLV = expected purchases × expected order value', () => {
    const s = reference.fixed.sample[0]!;
    const p = predictClv({ params, monthlyDiscountRate: 0 }, s.frequency, s.recency, s.T, s.monetary_value);
    expect(p.expectedPurchases12m).toBe(expectedPurchases(params, 365, s.frequency, s.recency, s.T));
    expect(relative(p.predictedClv12m, p.expectedPurchases12m * p.expectedOrderValue)).toBeLessThan(1e-12);
    const discounted = predictClv({ params, monthlyDiscountRate: 0.01 }, s.frequency, s.recency, s.T, s.monetary_value);
    expect(discounted.predictedClv12m).toBeLessThan(p.predictedClv12m);
  });
});

// Achieved: parameters within 2e-7 relative of lifetimes' (its BFGS stops at gtol 1e-7), predictions within
// 1e-7, the penalised fit within 3e-8; the bounds leave a decade of room for another platform's last bits.
describe('the fit, against lifetimes’ (both optimisers: agreement to 1e-5 relative)', () => {
  const fit = fitClv(rows, spends);
  it('recovers lifetimes’ parameters and log-likelihood', () => {
    if (!fit.model) throw new Error(fit.reason);
    const ours = fit.model.params;
    const theirs = productParams(reference.fit.params);
    for (const k of Object.keys(theirs) as Array<keyof typeof theirs>) expect(relative(ours[k], theirs[k]), k).toBeLessThan(1e-5);
    expect(relative(fit.model.logLikelihood.bgNbd, reference.fit.log_likelihood_bgnbd)).toBeLessThan(1e-8);
    expect(relative(fit.model.logLikelihood.gammaGamma, reference.fit.log_likelihood_gamma_gamma)).toBeLessThan(1e-8);
    expect([fit.model.customers, fit.model.repeatCustomers]).toEqual([reference.summary.customers, reference.summary.repeat_customers]);
  });
  it('and so lifetimes’ predictions from its own fit, to 1e-5', () => {
    const ours = predictionsAt(fit.model!.params, reference.fit.sample);
    for (const key of Object.keys(ours) as Array<keyof ReferencePredictions>) expectClose(ours[key], reference.fit.predictions[key], 1e-5);
  });
  it('with lifetimes’ penalizer_coef 0.01 (on time scaled to the oldest customer) as lifetimes fits it', () => {
    const bg = fitBgNbd(rows, 0.01).params;
    const gg = fitGammaGamma(spends, 0.01).params;
    const theirs = productParams(reference.fit_penalized_0_01.params);
    const ours = { ...bg, ...gg };
    for (const k of Object.keys(theirs) as Array<keyof typeof theirs>) expect(relative(ours[k], theirs[k]), k).toBeLessThan(1e-5);
  });
});

describe('the guard', () => {
  it('fits no model under 20 repeat customers, and says why', () => {
    const few = historyRows([
      ...Array.from({ length: 19 }, (_, i) => ({ frequency: 2, recency: 10 + i, T: 100 })),
      { frequency: 0, recency: 0, T: 50, weight: 500 },
    ]);
    const fit = fitClv(few, spendRows(Array.from({ length: 19 }, () => ({ frequency: 2, monetary: 30 }))));
    expect(fit).toEqual({ model: null, reason: expect.stringContaining('19 of 519 customers') });
    expect(fitClv(historyRows([]), spendRows([]))).toMatchObject({ model: null });
  });
});

describe('the analytic gradients the fits descend by', () => {
  /** Central differences of `ll` in each parameter against the analytic gradient, to 1e-5 relative (achieved ≤ 4e-7: the differences' own error). */
  function expectGradient<P extends Record<string, number>>(at: P, of: (p: P) => { ll: number; grad: number[] }) {
    const { grad } = of(at);
    Object.keys(at).forEach((k, i) => {
      const h = 1e-6 * at[k]!;
      const numeric = (of({ ...at, [k]: at[k]! + h }).ll - of({ ...at, [k]: at[k]! - h }).ll) / (2 * h);
      expect(relative(grad[i]!, numeric), k).toBeLessThan(1e-5);
    });
  }
  it('BG/NBD and Gamma-Gamma, away from the optimum', () => {
    expectGradient({ r: 0.4, alpha: 18, a: 1.3, b: 2.1 }, bgNbdLikelihoodOf(rows));
    expectGradient({ p: 4.5, q: 2.5, gamma: 11 }, gammaGammaLikelihoodOf(spends));
  });
});

describe('the optimisers', () => {
  const rosenbrock = ([x, y]: number[]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2;
  it('BFGS finds the Rosenbrock minimum from far away', () => {
    const min = minimiseBfgs(
      ([x, y]) => ({ f: rosenbrock([x!, y!]), g: [-2 * (1 - x!) - 400 * x! * (y! - x! ** 2), 200 * (y! - x! ** 2)] }),
      [-1.2, 1],
    );
    expect(min.converged).toBe(true);
    expect(Math.abs(min.x[0]! - 1) + Math.abs(min.x[1]! - 1)).toBeLessThan(1e-6);
  });
  it('Nelder–Mead (the fallback) does too', () => {
    const min = minimise(rosenbrock, [-1.2, 1]);
    expect(min.converged).toBe(true);
    expect(Math.abs(min.x[0]! - 1) + Math.abs(min.x[1]! - 1)).toBeLessThan(1e-6);
  });
});
