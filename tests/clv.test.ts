// Customer lifetime value through the real stack: a few hundred customers of the lifetimes reference log
// (tests/fixtures/clv-transactions.csv, moved so its observation day is today) inserted as orders, the
// refresh route, then GET /api/ai-ops/customer/clv and /clv/{customer_id} checked against a fit computed
// here from the same orders with the pure functions of src/intelligence/clv/, the groups' sums against the
// customers', the `model: null` answer of a workspace with too few repeat customers, and the 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../src/db/workspace.js';
import { customers, orders } from '../src/db/schema.js';
import { TIERS } from '../src/domain/tiers.js';
import { aggregate, historiesOf, type Transaction } from '../src/intelligence/clv/histories.js';
import { fitClv, predictClv } from '../src/intelligence/clv/model.js';
import { RFM_GROUPS } from '../src/intelligence/rfm.js';
import { loadTransactions, reference } from './fixtures/clv-fixtures.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, worker: false, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;
const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/** The reference log's first `count` customers, whole days moved so its observation day is today (UTC). */
function shiftedLog(count: number, prefix: string): Transaction[] {
  const shift = Math.floor(Date.now() / DAY) * DAY - Date.parse(`${reference.generator.observation_end}T00:00:00Z`);
  const wanted = new Set(Array.from({ length: count }, (_, i) => `c${String(i).padStart(4, '0')}`));
  return loadTransactions()
    .filter((t) => wanted.has(t.customerId))
    .map((t) => ({ ...t, customerId: `${prefix}${t.customerId}`, occurredAt: new Date(t.occurredAt.getTime() + shift) }));
}

async function insert(log: Transaction[], tierOf: (i: number) => string): Promise<string[]> {
  const ids = [...new Set(log.map((t) => t.customerId))];
  const db = stack.database.db;
  await db.insert(customers).values(ids.map((id, i) => ({ id, tier: tierOf(i), createdAt: new Date(Date.now() - 800 * DAY) })));
  for (let i = 0; i < log.length; i += 2000)
    await db
      .insert(orders)
      .values(
        log
          .slice(i, i + 2000)
          .map((t, j) => ({ id: `${t.customerId}-${i + j}`, customerId: t.customerId, amount: t.amount, occurredAt: t.occurredAt })),
      );
  return ids;
}

const sumOf = (groups: Array<Record<string, number | null>>, key: string) => groups.reduce((s, g) => s + Number(g[key] ?? 0), 0);

describe('CLV of a workspace with a few hundred customers', () => {
  // Unicode ids throughout: the summary groups by them, the refreshed rows join on them.
  const prefix = `${uid('clv')}-Ünïcødé-客户-`;
  const log = shiftedLog(300, prefix);
  let ids: string[];
  let erased: string;
  let noOrders: string;

  beforeAll(async () => {
    ids = await insert(log, (i) => TIERS[i % TIERS.length]!);
    // Neither of these is fitted on: one never ordered, one was erased (their orders stay, their insights go).
    noOrders = `${prefix}none`;
    erased = `${prefix}erased`;
    await stack.database.db.insert(customers).values([
      { id: noOrders, tier: 'new' },
      { id: erased, tier: 'vip', erasedAt: new Date() },
    ]);
    await stack.database.db
      .insert(orders)
      .values(
        [1, 5, 9].map((d) => ({ id: `${erased}-${d}`, customerId: erased, amount: 1000, occurredAt: new Date(Date.now() - d * DAY) })),
      );
  });

  it('fits on refresh what the pure functions fit from the same orders, and answers it with the groups', async () => {
    const refreshed = await stack.api('POST', '/api/ai-ops/customer/refresh');
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const res = await stack.api('GET', '/api/ai-ops/customer/clv');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { model, segments, tiers, computedAt, reason } = res.body;
    expect(computedAt).toBe(refreshed.body.computedAt);
    expect(reason).toBeNull();

    const histories = historiesOf(log, new Date(computedAt));
    const expected = fitClv(aggregate(histories.values()).histories, aggregate(histories.values()).spends);
    if (!expected.model) throw new Error(expected.reason);
    expect(model).toMatchObject({
      customers: ids.length,
      repeatCustomers: expected.model.repeatCustomers,
      spendCustomers: expected.model.spendCustomers,
      penalizer: 0,
      monthlyDiscountRate: 0,
      observationDay: computedAt.slice(0, 10),
    });
    for (const k of ['r', 'alpha', 'a', 'b', 'p', 'q', 'gamma'] as const)
      expect(relative(model.params[k], expected.model.params[k]), k).toBeLessThan(1e-6);
    expect(relative(model.logLikelihood.bgNbd, expected.model.logLikelihood.bgNbd)).toBeLessThan(1e-9);
    expect(relative(model.logLikelihood.gammaGamma, expected.model.logLikelihood.gammaGamma)).toBeLessThan(1e-9);

    // Every group listed (zeros included); the groups' sums are the customers' (the one without orders counts, the erased one not).
    expect(segments.map((s: { id: string }) => s.id)).toEqual([...RFM_GROUPS]);
    expect(tiers.map((t: { id: string }) => t.id)).toEqual([...TIERS]);
    const revenue = [...histories.values()].reduce((s, h) => s + h.revenue, 0);
    const predicted = [...histories.values()].reduce(
      (s, h) => s + predictClv(model, h.frequency, h.recency, h.T, h.monetary).predictedClv12m,
      0,
    );
    for (const groups of [segments, tiers]) {
      expect(sumOf(groups, 'customers')).toBe(ids.length + 1);
      expect(sumOf(groups, 'predictedCustomers')).toBe(ids.length);
      expect(relative(sumOf(groups, 'historicSum'), revenue)).toBeLessThan(1e-12);
      expect(relative(sumOf(groups, 'predictedSum'), predicted)).toBeLessThan(1e-9);
      for (const g of groups) {
        expect(g.historicMean).toBeCloseTo(g.customers ? g.historicSum / g.customers : 0, 9);
        expect(g.predictedMean).toBe(g.predictedCustomers ? g.predictedSum / g.predictedCustomers : null);
      }
    }
    // Tiers as assigned: customer i has TIERS[i % 6]; the no-order customer is `new`.
    const tierCounts = TIERS.map((_, t) => ids.filter((__, i) => i % TIERS.length === t).length + (TIERS[t] === 'new' ? 1 : 0));
    expect(tiers.map((t: { customers: number }) => t.customers)).toEqual(tierCounts);
    const vip = tiers.find((t: { id: string }) => t.id === 'vip');
    const vipRevenue = ids.filter((_, i) => TIERS[i % TIERS.length] === 'vip').reduce((s, id) => s + histories.get(id)!.revenue, 0);
    expect(relative(vip.historicSum, vipRevenue)).toBeLessThan(1e-12);
  });

  it('answers each customer’s CLV, history and P(alive) as the pure functions do at the stored model', async () => {
    const { body } = await stack.api('GET', '/api/ai-ops/customer/clv');
    const histories = historiesOf(log, new Date(body.computedAt));
    const sample = ids.filter((_, i) => i % 15 === 0);
    for (const id of sample) {
      const res = await stack.api('GET', `/api/ai-ops/customer/clv/${encodeURIComponent(id)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const h = histories.get(id)!;
      const p = predictClv(body.model, h.frequency, h.recency, h.T, h.monetary);
      expect(res.body).toMatchObject({ customerId: id, frequency: h.frequency, recency: h.recency, T: h.T, computedAt: body.computedAt });
      expect(res.body.historicClv).toBeCloseTo(h.revenue, 6);
      for (const k of ['predictedClv12m', 'expectedPurchases12m', 'pAlive', 'expectedOrderValue'] as const)
        expect(relative(res.body[k], p[k]), `${id} ${k}`).toBeLessThan(1e-9);
      expect(res.body.pAlive).toBeGreaterThan(0);
      expect(res.body.pAlive).toBeLessThanOrEqual(1);
    }
    const none = await stack.api('GET', `/api/ai-ops/customer/clv/${encodeURIComponent(noOrders)}`);
    expect(none.body).toMatchObject({ historicClv: 0, predictedClv12m: null, frequency: null, pAlive: null });
  });

  it('404 customer_not_found for an unknown customer, 410 for an erased one', async () => {
    const res = await stack.api('GET', `/api/ai-ops/customer/clv/${encodeURIComponent(`${prefix}nobody`)}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'customer_not_found', field: 'customer_id', message: expect.stringContaining('nobody') });
    expect((await stack.api('GET', `/api/ai-ops/customer/clv/${encodeURIComponent(erased)}`)).status).toBe(410);
  });

  it('answers nulls for a customer no full refresh has included, even once a one-customer refresh wrote their row', async () => {
    const late = `${prefix}late`;
    await stack.database.db.insert(customers).values({ id: late });
    await stack.database.db
      .insert(orders)
      .values({ id: `${late}-1`, customerId: late, amount: 40, occurredAt: new Date(Date.now() - 3 * DAY) });
    expect((await stack.api('POST', '/api/ai-ops/customer/tags', { customer_id: late })).status).toBe(200);
    const res = await stack.api('GET', `/api/ai-ops/customer/clv/${encodeURIComponent(late)}`);
    expect(res.body).toMatchObject({ customerId: late, historicClv: null, frequency: null, predictedClv12m: null, computedAt: null });
  });
});

describe('a workspace with too few repeat customers', () => {
  it('answers model: null with the reason, and each customer’s revenue to date all the same', async () => {
    const id = uid('ws').toLowerCase();
    const created = await stack.api('POST', '/api/workspaces', { id, name: `Shop ${id}` });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const headers = { authorization: `Bearer ${created.body.admin_key.key}` };
    // 10 repeat customers (two days each) and 30 who bought once.
    await inWorkspace(id, async () => {
      const db = stack.database.db;
      const people = Array.from({ length: 40 }, (_, i) => `few-${i}`);
      await db.insert(customers).values(people.map((c) => ({ id: c })));
      await db.insert(orders).values(
        people.flatMap((c, i) =>
          (i < 10 ? [3, 20] : [7]).map((d) => ({
            id: `${c}-${d}`,
            customerId: c,
            amount: 25,
            occurredAt: new Date(Date.now() - d * DAY),
          })),
        ),
      );
    });
    // Never refreshed: the route refreshes first.
    const res = await stack.api('GET', '/api/ai-ops/customer/clv', undefined, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.model).toBeNull();
    expect(res.body.reason).toMatch(/10 of 40 customers .* at least 20/);
    expect(sumOf(res.body.segments, 'historicSum')).toBe(10 * 50 + 30 * 25);
    expect(sumOf(res.body.segments, 'predictedCustomers')).toBe(0);
    const one = await stack.api('GET', '/api/ai-ops/customer/clv/few-0', undefined, headers);
    expect(one.body).toMatchObject({ historicClv: 50, frequency: 1, recency: 17, T: 20, predictedClv12m: null, pAlive: null });
  });
});
