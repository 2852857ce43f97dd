// Recommendations through the real stack: the similarity batch over a small hand-checked order set, the
// API, and a cart-recovery email (real SMTP) that lists recommended items.
import type { WorkflowHandle } from '@temporalio/client';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, itemSimilarity, orders } from '../src/db/schema.js';
import { cartRecoveryWorkflowId } from '../src/temporal/workflow-ids.js';
import { refreshItemSimilarity } from '../src/recommendations/similarity.js';
import { statusQuery } from '../src/steps/steps.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { endRun } from './helpers/end-run.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: item_similarity is computed from every order, so only this file's orders may count.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
  await seedOrders();
});
afterAll(async () => {
  await stack?.close();
});

const item = {
  BEER: { sku: 'BEER', name: 'Pale ale', category: 'beer', price: 4, quantity: 6 },
  CHIPS: { sku: 'CHIPS', name: 'Salted chips', category: 'snacks', price: 2, quantity: 1 },
  NUTS: { sku: 'NUTS', name: 'Peanuts', category: 'snacks', price: 3, quantity: 2 },
  WINE: { sku: 'WINE', name: 'Red wine', category: 'wine', price: 9, quantity: 1 },
  CHEESE: { sku: 'CHEESE', name: 'Gouda', category: 'cheese', price: 5, quantity: 1 },
};

const c = {
  a: uid('rec-a'),
  b: uid('rec-b'),
  c: uid('rec-c'),
  d: uid('rec-d'),
  e: uid('rec-e'),
  erased: uid('rec-x'),
  fresh: uid('rec-new'),
};

/**
 * Who bought what (distinct items per customer, over all their orders):
 *   A: BEER, CHIPS (one order), NUTS (another)    B: BEER, CHIPS    C: BEER, WINE    D: WINE, CHEESE    E: CHIPS
 *   X (erased): BEER, CHEESE — not counted        NEW: no orders
 * Buyers: BEER 3 (A B C), CHIPS 3 (A B E), WINE 2 (C D), NUTS 1 (A), CHEESE 1 (D).
 * Bought together, and the cosine together / sqrt(buyers × buyers):
 *   BEER–CHIPS   2 (A B)  2 / sqrt(3·3) = 0.666667
 *   BEER–NUTS    1 (A)    1 / sqrt(3·1) = 0.577350
 *   CHIPS–NUTS   1 (A)    1 / sqrt(3·1) = 0.577350
 *   BEER–WINE    1 (C)    1 / sqrt(3·2) = 0.408248
 *   WINE–CHEESE  1 (D)    1 / sqrt(2·1) = 0.707107
 * (Counting X would make BEER 4 buyers and add BEER–CHEESE.) E's older order calls CHIPS "Chips (old
 * name)"; A's later one "Salted chips", which wins.
 */
async function seedOrders() {
  const db = stack.database.db;
  await db
    .insert(customers)
    .values([
      ...[c.a, c.b, c.c, c.d, c.e, c.fresh].map((id) => ({ id, email: `${id}@example.com`, name: 'Rec Tester' })),
      { id: c.erased, erasedAt: new Date() },
    ]);
  let minute = 0;
  const order = (customerId: string, items: Array<Record<string, unknown>>) => ({
    id: uid('ord'),
    customerId,
    amount: 10,
    items,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 12, minute++)),
  });
  await db.insert(orders).values([
    order(c.e, [{ ...item.CHIPS, name: 'Chips (old name)' }]),
    order(c.a, [item.BEER, item.CHIPS]),
    order(c.a, [item.NUTS]),
    order(c.a, [item.NUTS]), // bought again: still one buyer
    order(c.b, [item.BEER, item.CHIPS]),
    order(c.c, [item.BEER, item.WINE]),
    order(c.d, [item.WINE, item.CHEESE]),
    order(c.erased, [item.BEER, item.CHEESE]),
    order(c.fresh, []), // an order without items: the customer has still bought nothing
  ]);
}

const similarities = async () =>
  (await stack.database.db.select().from(itemSimilarity).orderBy(asc(itemSimilarity.item), asc(itemSimilarity.other))).map((r) => [
    r.item,
    r.other,
    r.score,
    r.together,
  ]);

const recommendations = (id: string, query = '') => stack.api('GET', `/api/customers/${id}/recommendations${query}`);

describe('item similarity', () => {
  it('is computed from the orders as checked by hand, with a diagonal row per item', async () => {
    const res = await stack.api('POST', '/api/recommendations/refresh');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ workflowId: expect.stringMatching(/^recommendations-refresh\//), items: 5, pairs: 10 });
    expect(await similarities()).toEqual([
      ['BEER', 'BEER', 1, 3],
      ['BEER', 'CHIPS', 0.666667, 2],
      ['BEER', 'NUTS', 0.57735, 1],
      ['BEER', 'WINE', 0.408248, 1],
      ['CHEESE', 'CHEESE', 1, 1],
      ['CHEESE', 'WINE', 0.707107, 1],
      ['CHIPS', 'BEER', 0.666667, 2],
      ['CHIPS', 'CHIPS', 1, 3],
      ['CHIPS', 'NUTS', 0.57735, 1],
      ['NUTS', 'BEER', 0.57735, 1],
      ['NUTS', 'CHIPS', 0.57735, 1],
      ['NUTS', 'NUTS', 1, 1],
      ['WINE', 'BEER', 0.408248, 1],
      ['WINE', 'CHEESE', 0.707107, 1],
      ['WINE', 'WINE', 1, 2],
    ]);
  });

  it('keeps the top K per item and only pairs bought together often enough', async () => {
    const db = stack.database.db;
    const pairs = async () => (await similarities()).filter(([a, b]) => a !== b).map(([a, b]) => `${a}→${b}`);
    // K = 1: NUTS is as similar to BEER as to CHIPS (same score, same customers in common): the sku decides.
    expect(await refreshItemSimilarity(db, { topK: 1, minTogether: 1 })).toMatchObject({ items: 5, pairs: 5 });
    expect(await pairs()).toEqual(['BEER→CHIPS', 'CHEESE→WINE', 'CHIPS→BEER', 'NUTS→BEER', 'WINE→CHEESE']);
    // Bought together by at least 2 customers: only BEER and CHIPS (A and B).
    expect(await refreshItemSimilarity(db, { topK: 20, minTogether: 2 })).toMatchObject({ items: 5, pairs: 2 });
    expect(await pairs()).toEqual(['BEER→CHIPS', 'CHIPS→BEER']);
    // Back to the defaults for the tests below.
    expect((await stack.api('POST', '/api/recommendations/refresh')).body).toMatchObject({ items: 5, pairs: 10 });
  });
});

describe('GET /api/customers/:id/recommendations', () => {
  it('sums the similarities to what the customer bought and leaves out what they bought', async () => {
    // B bought BEER and CHIPS: NUTS 0.577350 + 0.577350, WINE 0.408248 (from BEER; CHIPS–WINE never together).
    const b = await recommendations(c.b);
    expect(b.status).toBe(200);
    expect(b.body).toEqual({
      customer_id: c.b,
      strategy: 'item',
      basis: 'similar_items',
      items: [
        { sku: 'NUTS', name: 'Peanuts', category: 'snacks', score: 1.1547, because: ['BEER', 'CHIPS'], source: 'item' },
        { sku: 'WINE', name: 'Red wine', category: 'wine', score: 0.408248, because: ['BEER'], source: 'item' },
      ],
    });
    // C bought BEER and WINE: CHEESE 0.707107 (WINE), CHIPS 0.666667 (BEER), NUTS 0.577350 (BEER).
    const cc = await recommendations(c.c);
    expect(cc.body.items).toEqual([
      { sku: 'CHEESE', name: 'Gouda', category: 'cheese', score: 0.707107, because: ['WINE'], source: 'item' },
      { sku: 'CHIPS', name: 'Salted chips', category: 'snacks', score: 0.666667, because: ['BEER'], source: 'item' },
      { sku: 'NUTS', name: 'Peanuts', category: 'snacks', score: 0.57735, because: ['BEER'], source: 'item' },
    ]);
    expect((await recommendations(c.c, '?limit=1')).body.items.map((i: { sku: string }) => i.sku)).toEqual(['CHEESE']);
    // A bought BEER, CHIPS and NUTS: only WINE is left (from BEER).
    expect((await recommendations(c.a)).body.items).toEqual([
      { sku: 'WINE', name: 'Red wine', category: 'wine', score: 0.408248, because: ['BEER'], source: 'item' },
    ]);
  });

  it('gives a customer who bought nothing the items the most customers bought', async () => {
    // Buyers 3, 3, 2, 1, 1 — scored against the most bought (3); ties by sku.
    expect((await recommendations(c.fresh, '?limit=4')).body).toEqual({
      customer_id: c.fresh,
      strategy: 'item',
      basis: 'popular',
      items: [
        { sku: 'BEER', name: 'Pale ale', category: 'beer', score: 1, because: [], source: 'popular' },
        { sku: 'CHIPS', name: 'Salted chips', category: 'snacks', score: 1, because: [], source: 'popular' },
        { sku: 'WINE', name: 'Red wine', category: 'wine', score: 0.666667, because: [], source: 'popular' },
        { sku: 'CHEESE', name: 'Gouda', category: 'cheese', score: 0.333333, because: [], source: 'popular' },
      ],
    });
  });

  it('is a 404 for an unknown customer, a 410 for an erased one and a 400 for a bad limit', async () => {
    const unknown = await recommendations('nobody-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('customer_not_found');
    expect((await recommendations(c.erased)).status).toBe(410);
    const bad = await recommendations(c.b, '?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_query', field: 'limit' });
    expect((await recommendations(c.b, '?limit=51')).status).toBe(400);
  });
});

describe('{{ recommendations }} in the cart-recovery reminder', () => {
  it('lists recommended items by name, without what is in the cart or was bought', async () => {
    const wine = { ...item.WINE, quantity: 1 };
    const beer = { ...item.BEER, quantity: 1 };
    for (const [customerId, items] of [
      [c.b, [wine]],
      [c.fresh, [beer]],
    ] as const) {
      const res = await stack.api('POST', '/api/events', {
        id: uid('evt'),
        type: 'cart_abandoned',
        customerId,
        properties: { cart_id: 'cart', items, currency: 'EUR' },
      });
      expect(res.status).toBe(202);
    }
    const handles = [c.b, c.fresh].map((id) => stack.client.workflow.getHandle(cartRecoveryWorkflowId(id, 'cart')));
    for (const handle of handles) await asleep(handle);
    await stack.env.sleep('1 hour');

    // B (bought BEER and CHIPS, WINE in the cart): only NUTS is left to recommend.
    const b = await stack.mail.waitFor((m) => m.to.includes(`${c.b}@example.com`));
    expect(b.text).toContain('- 1 x Red wine (9 EUR)');
    expect(b.text.split('You may also like:')[1]).toMatch(/^\n- Peanuts\n--/);
    expect(b.html).toContain('<p>You may also like:</p><ul><li>Peanuts</li></ul>');
    // NEW (bought nothing, BEER in the cart): the most bought items but BEER, three of them.
    const fresh = await stack.mail.waitFor((m) => m.to.includes(`${c.fresh}@example.com`));
    expect(fresh.text.split('You may also like:')[1]).toMatch(/^\n- Salted chips\n- Red wine\n- Gouda\n--/);
    expect(fresh.html).toContain('<ul><li>Salted chips</li><li>Red wine</li><li>Gouda</li></ul>');
    for (const handle of handles) await endRun(handle);
  });
});

async function asleep(handle: WorkflowHandle) {
  await waitFor(async () => (await handle.query(statusQuery)).nextWakeUp, `${handle.workflowId} asleep`);
}
