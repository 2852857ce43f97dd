// Orders and visits through the API into PostgreSQL: the totals the tier journey and RFM read.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, orders } from '../src/db/schema.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
});
afterAll(async () => {
  await stack?.close();
});

const HOUR = 3600_000;
const row = async (id: string) => (await stack.database.db.select().from(customers).where(eq(customers.id, id)))[0]!;
const ordersOf = (id: string) => stack.database.db.select().from(orders).where(eq(orders.customerId, id));
const send = (body: unknown) => stack.api('POST', '/api/events', body);

describe('orders', () => {
  it('stores each order once and moves the totals once, however often it is delivered', async () => {
    const customerId = uid('ord');
    const order = { id: uid('evt'), type: 'order_completed', customerId, properties: { order_id: 'o-1', amount: 120.5, currency: 'EUR' } };
    expect((await send(order)).status).toBe(202);
    expect((await send(order)).body.results[0].status).toBe('duplicate');
    // The same order under another event id (a producer that retried with a new id) still counts once.
    await send({ ...order, id: uid('evt') });
    // An order without an amount is worth its items; one without an order id is keyed by its event id.
    const items = [
      { sku: 'IPA', name: 'IPA', category: 'beer', price: 4.5, quantity: 4 },
      { sku: 'MUG', name: 'Mug', price: 11, quantity: 1 },
    ];
    const second = uid('evt');
    await send({ id: second, type: 'order_completed', customerId, properties: { items } });

    const stored = await ordersOf(customerId);
    expect(Object.fromEntries(stored.map((o) => [o.id, o.amount]))).toEqual({ 'o-1': 120.5, [second]: 29 });
    expect(stored.find((o) => o.id === second)?.items).toEqual(items);
    expect(await row(customerId)).toMatchObject({ orderCount: 2, totalSpend: 149.5 });
  });

  it('stores orders of a batch, several per customer, and rejects a negative amount', async () => {
    const a = uid('ord');
    const b = uid('ord');
    const batch = [
      { id: uid('evt'), type: 'order_completed', customerId: a, properties: { order_id: `${a}-1`, amount: 10 } },
      { id: uid('evt'), type: 'order_completed', customerId: a, properties: { order_id: `${a}-2`, amount: 15.25 } },
      { id: uid('evt'), type: 'order_completed', customerId: b, properties: { order_id: `${b}-1`, amount: 99.99 } },
    ];
    expect((await send(batch)).status).toBe(202);
    expect(await row(a)).toMatchObject({ orderCount: 2, totalSpend: 25.25 });
    expect(await row(b)).toMatchObject({ orderCount: 1, totalSpend: 99.99 });

    const bad = await send({ id: uid('evt'), type: 'order_completed', customerId: a, properties: { amount: -5 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('properties.amount');
    expect(await row(a)).toMatchObject({ orderCount: 2 });
  });

  it('counts a visit for activity after an hour without any, not for every click', async () => {
    const customerId = uid('visit');
    const t0 = Date.now() - 10 * HOUR;
    const at = (ms: number) => ({ id: uid('evt'), type: 'page_view', customerId, timestamp: new Date(ms).toISOString() });
    await send(at(t0));
    await send(at(t0 + 10 * 60_000));
    await send(at(t0 + 30 * 60_000));
    expect((await row(customerId)).visitCount).toBe(1);
    await send(at(t0 + 3 * HOUR));
    await send([at(t0 + 6 * HOUR), at(t0 + 6 * HOUR + 60_000)]);
    expect((await row(customerId)).visitCount).toBe(3);
    // An event that is not activity is no visit.
    await send({ id: uid('evt'), type: 'email_opened', customerId });
    expect((await row(customerId)).visitCount).toBe(3);
  });
});
