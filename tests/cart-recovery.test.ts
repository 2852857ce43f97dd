// Cart recovery through the real stack: one journey per cart, ended by an order, restarted by a change.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmTasks, journeyConfigs, messages } from '../src/db/schema.js';
import { defaultJourneyConfigs } from '../src/domain/journey-config.js';
import { cartRecoveryWorkflowId } from '../src/temporal/workflow-ids.js';
import { type JourneyResult, statusQuery } from '../src/steps/steps.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { endRun } from './helpers/end-run.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
});
afterAll(async () => {
  await stack?.close();
});

const HOUR = 3600_000;
const mug = { sku: 'MUG-1', name: 'Blue mug', price: 12.5, quantity: 2 };
const pot = { sku: 'POT-9', name: 'Tea pot', price: 34.9, quantity: 1 };

async function customer(name = 'Ada') {
  const id = uid('cart-cust');
  const email = `${id}@example.com`;
  expect((await stack.api('PUT', `/api/customers/${id}`, { email, name })).status).toBe(201);
  return { id, email, mail: () => stack.mail.list().filter((m) => m.to.includes(email)) };
}

function send(customerId: string, type: string, properties: Record<string, unknown>, id = uid('evt')) {
  return stack.api('POST', '/api/events', { id, type, customerId, properties });
}

function handleOf(customerId: string, cartId: string): WorkflowHandle<() => Promise<JourneyResult>> {
  return stack.client.workflow.getHandle(cartRecoveryWorkflowId(customerId, cartId));
}

/** The run asleep before `step`, with its wake-up time relative to the run's start. */
async function asleepBefore(handle: WorkflowHandle, step: string) {
  const status = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.currentStep === step && s.nextWakeUp ? s : null;
  }, `the journey asleep before ${step}`);
  const { startTime } = await handle.describe();
  return { status, dueAfter: Date.parse(status.nextWakeUp!) - startTime.getTime() };
}

describe('cart recovery', () => {
  it('reminds after 1 h, sends a coupon after 24 h and opens a CRM callback task after 72 h', async () => {
    const c = await customer();
    const res = await send(c.id, 'cart_abandoned', { cart_id: 'c1', items: [mug, pot], currency: 'EUR' });
    expect(res.body.results[0]).toMatchObject({ status: 'accepted', journeys: [{ journey: 'cart_recovery', result: 'queued' }] });
    const handle = handleOf(c.id, 'c1');

    expect((await asleepBefore(handle, 'reminder')).dueAfter).toBe(1 * HOUR);
    await stack.env.sleep('1 hour');
    const reminder = await stack.mail.waitFor((m) => m.to.includes(c.email));
    expect(reminder.subject).toBe('You left something in your cart');
    expect(reminder.text).toContain('- 2 x Blue mug (12.5 EUR)');
    expect(reminder.text).toContain('- 1 x Tea pot (34.9 EUR)');
    expect(reminder.html).toContain('<li>2 × Blue mug (12.5 EUR)</li>');

    expect((await asleepBefore(handle, 'coupon')).dueAfter).toBe(24 * HOUR);
    await stack.env.sleep('23 hours');
    const coupon = await stack.mail.waitFor((m) => m.to.includes(c.email) && m.subject.includes('% off'));
    expect(coupon.subject).toBe('10% off the items in your cart');
    expect(coupon.text).toMatch(/Code [A-Z2-9]{10} takes 10% off/);

    expect((await asleepBefore(handle, 'callback')).dueAfter).toBe(72 * HOUR);
    await stack.env.sleep('48 hours');
    expect(await handle.result()).toEqual({
      outcome: 'completed',
      steps: [
        { step: 'reminder', status: 'sent' },
        { step: 'coupon', status: 'sent' },
        { step: 'callback', status: 'sent' },
      ],
    });
    expect(c.mail()).toHaveLength(2);
    const tasks = await stack.database.db.select().from(crmTasks).where(eq(crmTasks.customerId, c.id));
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ stepKey: 'callback', status: 'open', title: 'Call Ada about their abandoned cart (59.9 EUR)' });
  });

  it.each([
    ['reminder', 0, '0 hours'],
    ['coupon', 1, '1 hour'],
    ['callback', 2, '24 hours'],
  ])('ends at once when the cart is ordered while waiting for the %s', async (step, sentBefore, advance) => {
    const c = await customer();
    await send(c.id, 'cart_abandoned', { cart_id: 'c2', items: [mug] });
    const handle = handleOf(c.id, 'c2');
    if (advance !== '0 hours') await stack.env.sleep(advance);
    await asleepBefore(handle, step);
    expect(c.mail()).toHaveLength(sentBefore);

    const order = await send(c.id, 'order_completed', { order_id: uid('o'), cart_id: 'c2', amount: 25 });
    expect(order.body.results[0].journeys).toEqual([
      expect.objectContaining({ journey: 'cart_recovery', result: 'queued' }),
      expect.objectContaining({ journey: 'tier_upgrade', result: 'queued' }),
    ]);
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'exited', reason: 'purchased' });
    expect(result.steps).toHaveLength(sentBefore);
    expect(c.mail()).toHaveLength(sentBefore);
    expect(await stack.database.db.select().from(crmTasks).where(eq(crmTasks.customerId, c.id))).toHaveLength(0);
  });

  it('restarts the clock with the new items when the cart changes', async () => {
    const c = await customer();
    await send(c.id, 'cart_abandoned', { cart_id: 'c3', items: [mug] });
    const handle = handleOf(c.id, 'c3');
    await stack.env.sleep('1 hour');
    await stack.mail.waitFor((m) => m.to.includes(c.email));
    await asleepBefore(handle, 'coupon');

    await stack.env.sleep('10 hours');
    await send(c.id, 'cart_updated', { cart_id: 'c3', items: [pot] });
    // The reminder is due again 1 h after the change (11 h + 1 h after the start, plus the real time the
    // workflow took to see the change), with the new contents.
    const { dueAfter } = await asleepBefore(handle, 'reminder');
    expect(dueAfter).toBeGreaterThanOrEqual(12 * HOUR);
    expect(dueAfter).toBeLessThan(12 * HOUR + 60_000);
    await stack.env.sleep('1 hour');
    const second = await stack.mail.waitFor((m) => m.to.includes(c.email) && m.text.includes('Tea pot'));
    expect(second.text).not.toContain('Blue mug');
    // The mail arrives a moment before the activity commits its row.
    const rows = await waitFor(async () => {
      const all = await stack.database.db.select().from(messages).where(eq(messages.customerId, c.id));
      return all.length === 2 && all.every((r) => r.status === 'sent') ? all : null;
    }, 'both reminder rows sent');
    expect(rows.map((r) => [r.stepKey, r.status])).toEqual([
      ['reminder', 'sent'],
      ['reminder', 'sent'],
    ]);
    await endRun(handle);
  });

  it('ends when the cart is emptied', async () => {
    const c = await customer();
    await send(c.id, 'cart_abandoned', { cart_id: 'c4', items: [mug] });
    const handle = handleOf(c.id, 'c4');
    await asleepBefore(handle, 'reminder');
    await send(c.id, 'cart_updated', { cart_id: 'c4', items: [] });
    expect(await handle.result()).toEqual({ outcome: 'exited', reason: 'cart_emptied', steps: [] });
    expect(c.mail()).toHaveLength(0);
  });

  it('keeps one journey per cart: repeated, racing and late events', async () => {
    const c = await customer();
    const eventId = uid('evt');
    // The same abandonment delivered twice, and a second abandonment event racing the first.
    const [a, b, d] = await Promise.all([
      send(c.id, 'cart_abandoned', { cart_id: 'c5', items: [mug] }, eventId),
      send(c.id, 'cart_abandoned', { cart_id: 'c5', items: [mug] }, eventId),
      send(c.id, 'cart_abandoned', { cart_id: 'c5', items: [mug] }),
    ]);
    expect([a, b].map((r) => r.body.results[0].status).sort()).toEqual(['accepted', 'duplicate']);
    expect(d.body.results[0].status).toBe('accepted');
    const handle = handleOf(c.id, 'c5');
    await stack.env.sleep('1 hour');
    await stack.mail.waitFor((m) => m.to.includes(c.email));
    await asleepBefore(handle, 'coupon');
    expect(c.mail()).toHaveLength(1);
    await endRun(handle);

    // A change for a cart with no journey running reaches nothing and starts nothing.
    const stray = await send(c.id, 'cart_updated', { cart_id: 'nope', items: [mug] });
    expect(stray.body.results[0].journeys).toEqual([expect.objectContaining({ result: 'queued' })]);
  });

  it('does not chase a cart whose order arrived before its abandonment', async () => {
    const c = await customer();
    await send(c.id, 'order_completed', { order_id: uid('o'), cart_id: 'c6', amount: 10 });
    await send(c.id, 'cart_abandoned', { cart_id: 'c6', items: [mug] });
    expect(await handleOf(c.id, 'c6').result()).toEqual({ outcome: 'exited', reason: 'purchased', steps: [] });
    expect(c.mail()).toHaveLength(0);
  });

  it('rejects cart events the journey could not use, naming the property', async () => {
    const c = await customer();
    const noItems = await send(c.id, 'cart_abandoned', { cart_id: 'c7', items: [] });
    expect(noItems).toMatchObject({ status: 422, body: { error: { code: 'validation_error', field: 'properties.items' } } });
    const badPrice = await send(c.id, 'cart_abandoned', { cart_id: 'c7', items: [{ ...mug, price: 'free' }] });
    expect(badPrice.body.error.field).toBe('properties.items[0].price');
    const noCart = await send(c.id, 'cart_updated', { items: [mug] });
    expect(noCart.body.error.field).toBe('properties.cart_id');
    expect(await stack.database.db.select().from(crmTasks).where(eq(crmTasks.customerId, c.id))).toHaveLength(0);
  });

  it('keeps old timings for runs in flight when the configuration changes, and calls the CRM webhook once', async () => {
    const calls: Array<{ headers: IncomingHttpHeaders; body: any }> = [];
    const crm = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        calls.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}/tasks`;

    const early = await customer('Early');
    await send(early.id, 'cart_abandoned', { cart_id: 'c8', items: [mug] });
    const earlyHandle = handleOf(early.id, 'c8');
    await asleepBefore(earlyHandle, 'reminder');

    // Version 2: the reminder after 2 h, and the callback delivered to the CRM's webhook.
    const steps = defaultJourneyConfigs.cart_recovery!.map((s) =>
      s.key === 'reminder' ? { ...s, offset: '2 hours' } : s.channel === 'crm_task' ? { ...s, task: { ...s.task, webhookUrl } } : s,
    );
    const version = 1000 + Math.floor(Math.random() * 1_000_000);
    await stack.database.db.insert(journeyConfigs).values({ key: 'cart_recovery', version, steps });
    try {
      const late = await customer('Late');
      await send(late.id, 'cart_abandoned', { cart_id: 'c8', items: [pot] });
      const lateHandle = handleOf(late.id, 'c8');
      expect((await asleepBefore(lateHandle, 'reminder')).dueAfter).toBe(2 * HOUR);
      expect((await asleepBefore(earlyHandle, 'reminder')).dueAfter).toBe(1 * HOUR);

      await stack.env.sleep('72 hours');
      expect((await earlyHandle.result()).outcome).toBe('completed');
      expect((await lateHandle.result()).outcome).toBe('completed');
      // Only the run on version 2 knows the webhook; it was called once, with the task.
      expect(calls).toHaveLength(1);
      expect(calls[0]!.body).toMatchObject({ customerId: late.id, title: 'Call Late about their abandoned cart (34.9 EUR)' });
      const [task] = await stack.database.db.select().from(crmTasks).where(eq(crmTasks.customerId, late.id));
      expect(calls[0]!.headers['idempotency-key']).toBe(task!.idempotencyKey);
      expect(task!.webhookDeliveredAt).not.toBeNull();
    } finally {
      await stack.database.db
        .delete(journeyConfigs)
        .where(and(eq(journeyConfigs.key, 'cart_recovery'), eq(journeyConfigs.version, version)));
      crm.close();
    }
  });
});
