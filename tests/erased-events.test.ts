// Events for an erased customer are refused and create nothing — no event row, no order, no journey run,
// no workflow — through the real stack: API → ingestion → PostgreSQL and Temporal.
import { WorkflowNotFoundError } from '@temporalio/client';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, events, journeyRuns, orders } from '../src/db/schema.js';
import { cartRecoveryWorkflowId, welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { endRun } from './helpers/end-run.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
});
afterAll(async () => {
  await stack?.close();
});

/** A customer created, then erased through the API. */
async function erasedCustomer() {
  const id = uid('gone');
  expect((await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` })).status).toBe(201);
  expect((await stack.api('DELETE', `/api/customers/${id}`)).status).toBe(200);
  return id;
}

const eventRows = (ids: string[]) => stack.database.db.select().from(events).where(inArray(events.id, ids));
const runsOf = (customerId: string) => stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, customerId));
const notStarted = (workflowId: string) =>
  expect(stack.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

describe('events for an erased customer', () => {
  it('answers one event 410 customer_erased and stores nothing, starts nothing', async () => {
    const id = await erasedCustomer();
    const [before] = await stack.database.db.select().from(customers).where(eq(customers.id, id));
    const signup = { id: uid('evt'), type: 'user_signup', customerId: id };
    const res = await stack.api('POST', '/api/events', signup);
    expect(res).toMatchObject({ status: 410, body: { error: { code: 'customer_erased', field: 'customerId' } } });
    expect(res.body.error.message).toContain(id);

    const cart = { cart_id: uid('cart'), items: [{ sku: 'MUG', name: 'Mug', price: 9 }] };
    const abandoned = await stack.api('POST', '/api/events', { id: uid('evt'), type: 'cart_abandoned', customerId: id, properties: cart });
    expect(abandoned.status).toBe(410);
    const order = { id: uid('evt'), type: 'order_completed', customerId: id, properties: { order_id: uid('ord'), amount: 20 } };
    expect((await stack.api('POST', '/api/events', order)).status).toBe(410);

    expect(await eventRows([signup.id, order.id])).toEqual([]);
    expect(await stack.database.db.select().from(orders).where(eq(orders.customerId, id))).toEqual([]);
    expect(await runsOf(id)).toEqual([]);
    await notStarted(welcomeWorkflowId(id));
    await notStarted(cartRecoveryWorkflowId(id, cart.cart_id));
    // Not even their activity moves.
    const [after] = await stack.database.db.select().from(customers).where(eq(customers.id, id));
    expect(after).toMatchObject({ lastActivityAt: before!.lastActivityAt, visitCount: before!.visitCount });
  });

  it("answers the erased customer's events in a batch `refused`, beside the others' outcomes", async () => {
    const gone = await erasedCustomer();
    const live = uid('live');
    const batch = [
      { id: uid('evt'), type: 'user_signup', customerId: gone },
      { id: uid('evt'), type: 'user_signup', customerId: live },
      { id: uid('evt'), type: 'login', customerId: gone },
    ];
    const res = await stack.api('POST', '/api/events', batch);
    expect(res.status).toBe(202);
    expect(res.body.results).toEqual([
      { id: batch[0]!.id, status: 'refused', error: { code: 'customer_erased', message: `customer "${gone}" was erased` } },
      expect.objectContaining({ id: batch[1]!.id, status: 'accepted', customerCreated: true }),
      { id: batch[2]!.id, status: 'refused', error: { code: 'customer_erased', message: `customer "${gone}" was erased` } },
    ]);
    expect((await eventRows(batch.map((e) => e.id))).map((e) => e.id)).toEqual([batch[1]!.id]);
    expect(await runsOf(gone)).toEqual([]);
    await notStarted(welcomeWorkflowId(gone));
    expect((await runsOf(live)).map((r) => r.journeyKey)).toEqual(['welcome']);
    await endRun(stack.client.workflow.getHandle(welcomeWorkflowId(live)));
  });

  it('refuses the repeat of an event stored before the erasure, and the row it left stays anonymous', async () => {
    const id = uid('cust');
    expect((await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` })).status).toBe(201);
    const login = { id: uid('evt'), type: 'login', customerId: id, properties: { device: 'phone' } };
    expect((await stack.api('POST', '/api/events', login)).body.results[0]).toMatchObject({ status: 'accepted' });
    expect((await stack.api('DELETE', `/api/customers/${id}`)).status).toBe(200);

    const again = await stack.api('POST', '/api/events', login);
    expect(again).toMatchObject({ status: 410, body: { error: { code: 'customer_erased' } } });
    expect(await eventRows([login.id])).toEqual([expect.objectContaining({ id: login.id, properties: {} })]);
  });
});
