// The welcome journey through the real stack: API → Temporal (time-skipping) → activities → SMTP + PostgreSQL.
import { and, eq } from 'drizzle-orm';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coupons, customers, events, journeyRuns, messages } from '../src/db/schema.js';
import { welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { CustomerIdKey, JourneyKeyKey } from '../src/temporal/search-attributes.js';
import type { JourneyResult } from '../src/steps/steps.js';
import { statusQuery } from '../src/steps/steps.js';
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

async function signUp(name = 'Ada Lovelace') {
  const id = uid('cust');
  const email = `${id}@example.com`;
  const put = await stack.api('PUT', `/api/customers/${id}`, { email, name });
  expect(put.status).toBe(201);
  const eventId = uid('evt');
  const res = await stack.api('POST', '/api/events', { id: eventId, type: 'user_signup', customerId: id });
  expect(res.status).toBe(202);
  return { id, email, eventId, res, handle: stack.client.workflow.getHandle(welcomeWorkflowId(id)) };
}

/** The journey asleep before `step`: the mail of the step before may arrive before the workflow sees it sent. */
const waitForStep = (handle: WorkflowHandle, step: string) =>
  waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.currentStep === step && s.nextWakeUp ? s : null;
  }, `the journey to wait for step ${step}`);

const mailTo = (email: string) => stack.mail.list().filter((m) => m.to.includes(email));
const rowsFor = (customerId: string) => stack.database.db.select().from(messages).where(eq(messages.customerId, customerId));

describe('welcome journey', () => {
  it('sends welcome at 0 h, the guide at 24 h and a coupon at 7 d, each exactly once', async () => {
    const { id, email, res, handle } = await signUp();
    expect(res.body.results[0]).toMatchObject({ status: 'accepted', journeys: [{ journey: 'welcome', result: 'queued' }] });

    const welcome = await stack.mail.waitFor((m) => m.to.includes(email));
    expect(welcome.subject).toBe('Welcome to Touchpoint, Ada Lovelace!');
    expect(welcome.text).toContain('Welcome, Ada Lovelace!');
    expect(welcome.html).toContain('<h1>Welcome, Ada Lovelace!</h1>');

    // The guide is due exactly 24 h after the start, the coupon 7 d after it.
    const { startTime } = await handle.describe();
    let status = await waitForStep(handle, 'guide');
    expect(status.completed).toEqual([{ step: 'welcome', status: 'sent' }]);
    expect(Date.parse(status.nextWakeUp!) - startTime.getTime()).toBe(24 * 3600_000);

    await stack.env.sleep('23 hours');
    status = await handle.query(statusQuery);
    expect(status.completed).toHaveLength(1);
    expect(mailTo(email)).toHaveLength(1);

    await stack.env.sleep('1 hour');
    const guide = await stack.mail.waitFor((m) => m.to.includes(email) && m.subject.includes('Getting started'));
    expect(guide.text).toContain('Hi Ada Lovelace, here is how to get the most out of Touchpoint.');
    status = await waitForStep(handle, 'coupon');
    expect(Date.parse(status.nextWakeUp!) - startTime.getTime()).toBe(7 * 24 * 3600_000);

    await stack.env.sleep('6 days');
    const couponMail = await stack.mail.waitFor((m) => m.to.includes(email) && m.subject.includes('% off'));
    const [coupon] = await stack.database.db.select().from(coupons).where(eq(coupons.customerId, id));
    expect(coupon?.code).toMatch(/^[A-Z2-9]{10}$/);
    expect(couponMail.subject).toBe('A gift for you: 15% off');
    expect(couponMail.text).toContain(`use code ${coupon!.code} for 15% off`);

    const result: JourneyResult = await handle.result();
    expect(result).toEqual({
      outcome: 'completed',
      steps: [
        { step: 'welcome', status: 'sent' },
        { step: 'guide', status: 'sent' },
        { step: 'coupon', status: 'sent' },
      ],
    });
    expect(mailTo(email).map((m) => m.subject)).toEqual([welcome.subject, guide.subject, couponMail.subject]);
    const rows = await rowsFor(id);
    expect(rows.map((r) => [r.stepKey, r.status, r.recipient, r.journeyVersion]).sort()).toEqual([
      ['coupon', 'sent', email, 1],
      ['guide', 'sent', email, 1],
      ['welcome', 'sent', email, 1],
    ]);
    expect(rows.find((r) => r.stepKey === 'coupon')!.bodyText).toContain(coupon!.code);
    // The SMTP Message-ID is derived from the step's idempotency key, so a receiver can spot a resend.
    expect(new Set(mailTo(email).map((m) => m.messageId)).size).toBe(3);
  });

  it('is found in Temporal by customer id and journey (search attributes)', async () => {
    const { id, handle } = await signUp();
    await waitForStep(handle, 'guide');
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(CustomerIdKey)).toBe(id);
    expect(typedSearchAttributes.get(JourneyKeyKey)).toBe('welcome');
    await endRun(handle);
  });

  it('treats a repeated event id as one event: one journey, one set of emails', async () => {
    const { id, email, eventId, handle } = await signUp('Grace');
    const again = await stack.api('POST', '/api/events', { id: eventId, type: 'user_signup', customerId: id });
    expect(again.status).toBe(202);
    expect(again.body.results).toEqual([{ id: eventId, status: 'duplicate' }]);
    // The same id twice inside one batch, too.
    const batch = await stack.api('POST', '/api/events', [
      { id: eventId, type: 'user_signup', customerId: id },
      { id: eventId, type: 'user_signup', customerId: id },
    ]);
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate']);
    // A second signup with a new id reaches the running journey instead of starting another.
    const second = await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
    expect(second.body.results[0]).toMatchObject({ status: 'accepted', journeys: [{ workflowId: welcomeWorkflowId(id) }] });

    await stack.env.sleep('7 days');
    const result: JourneyResult = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(mailTo(email)).toHaveLength(3);
    expect(await rowsFor(id)).toHaveLength(3);
    const stored = await waitFor(async () => {
      const rows = await stack.database.db.select().from(events).where(eq(events.customerId, id));
      return rows.every((e) => e.dispatchedAt !== null) ? rows : null;
    }, 'both events marked dispatched');
    expect(stored).toHaveLength(2);

    // After the journey ended, another signup does not start a second welcome series.
    const late = await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
    expect(late.body.results[0]).toMatchObject({ status: 'accepted', journeys: [{ result: 'queued' }] });
    expect(mailTo(email)).toHaveLength(3);
  });

  it('creates an unknown customer from an event, and skips email it cannot address', async () => {
    const id = uid('anon');
    const res = await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
    expect(res.body.results[0]).toMatchObject({ status: 'accepted', customerCreated: true });
    const [customer] = await stack.database.db.select().from(customers).where(eq(customers.id, id));
    expect(customer).toBeDefined();
    await stack.env.sleep('7 days');
    const result: JourneyResult = await stack.client.workflow.getHandle(welcomeWorkflowId(id)).result();
    expect(result.steps.map((s) => s.reason)).toEqual(['no_email_address', 'no_email_address', 'no_email_address']);
    expect((await rowsFor(id)).map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped']);
  });

  it('stops when the customer unsubscribes between steps', async () => {
    const { id, email, handle } = await signUp();
    await stack.mail.waitFor((m) => m.to.includes(email));
    const put = await stack.api('PUT', `/api/customers/${id}`, { consent: { email: false } });
    expect(put.status).toBe(200);
    expect(put.body.customer.consent.email).toBe(false);

    const result: JourneyResult = await handle.result();
    expect(result).toEqual({ outcome: 'exited', reason: 'unsubscribed', steps: [{ step: 'welcome', status: 'sent' }] });
    await stack.env.sleep('8 days');
    expect(mailTo(email)).toHaveLength(1);
    expect(await rowsFor(id)).toHaveLength(1);
  });

  for (const exit of ['unsubscribed', 'erased'] as const) {
    for (const waiting of ['guide', 'coupon'] as const) {
      it(`ends when the customer is ${exit} while the journey waits for the ${waiting}`, async () => {
        const { id, email } = await signUp();
        const handle = stack.client.workflow.getHandle(welcomeWorkflowId(id));
        await waitForStep(handle, 'guide');
        if (waiting === 'coupon') {
          await stack.env.sleep('24 hours');
          await waitForStep(handle, 'coupon');
        }
        const sent = waiting === 'guide' ? ['welcome'] : ['welcome', 'guide'];
        await waitFor(() => mailTo(email).length === sent.length, `${sent.length} mails`);

        const res =
          exit === 'unsubscribed'
            ? await stack.api('PUT', `/api/customers/${id}`, { consent: { email: false } })
            : await stack.api('DELETE', `/api/customers/${id}`);
        expect(res.status).toBe(200);
        const result: JourneyResult = await handle.result();
        expect(result).toEqual({ outcome: 'exited', reason: exit, steps: sent.map((step) => ({ step, status: 'sent' })) });
        expect(mailTo(email)).toHaveLength(sent.length);
        expect((await rowsFor(id)).map((r) => r.stepKey).sort()).toEqual([...sent].sort());
      });
    }
  }

  it('stops and forgets personal data when the customer is erased', async () => {
    const { id, email, handle } = await signUp();
    await stack.mail.waitFor((m) => m.to.includes(email));
    const del = await stack.api('DELETE', `/api/customers/${id}`);
    expect(del).toMatchObject({ status: 200, body: { erased: true, journeysEnded: 1 } });

    const result: JourneyResult = await handle.result();
    expect(result).toMatchObject({ outcome: 'exited', reason: 'erased' });
    expect(mailTo(email)).toHaveLength(1);
    const [customer] = await stack.database.db.select().from(customers).where(eq(customers.id, id));
    expect(customer).toMatchObject({ email: null, name: null });
    expect(customer!.erasedAt).not.toBeNull();
    const rows = await rowsFor(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'sent', recipient: null, subject: null, bodyHtml: null });
    expect((await stack.api('GET', `/api/customers/${id}`)).status).toBe(410);

    // Events of an erased customer are refused and start nothing (tests/erased-events.test.ts has the rest).
    const later = await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
    expect(later).toMatchObject({ status: 410, body: { error: { code: 'customer_erased' } } });
    const runs = await stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, id));
    expect(runs.map((r) => r.journeyKey)).toEqual(['welcome']);
  });

  it('lists the running journey with its status on the customer profile', async () => {
    const { id, handle } = await signUp();
    await waitForStep(handle, 'guide');
    const res = await stack.api('GET', `/api/customers/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.customer).toMatchObject({ id, email: `${id}@example.com`, name: 'Ada Lovelace' });
    expect(res.body.journeys).toEqual([
      expect.objectContaining({
        journey: 'welcome',
        workflowId: welcomeWorkflowId(id),
        status: expect.objectContaining({ currentStep: 'guide', completed: [{ step: 'welcome', status: 'sent' }] }),
      }),
    ]);
    await endRun(stack.client.workflow.getHandle(welcomeWorkflowId(id)));
  });

  it('keeps the configuration version it started with', async () => {
    const { journeyConfigs } = await import('../src/db/schema.js');
    const { defaultJourneyConfigs } = await import('../src/domain/journey-config.js');
    const { email, handle } = await signUp();
    await stack.mail.waitFor((m) => m.to.includes(email));
    // A new version with another guide subject, written while this run sleeps.
    const steps = defaultJourneyConfigs.welcome!.map((s) =>
      s.key === 'guide' && s.channel === 'email'
        ? { ...s, template: { ...s.template, subject: 'Getting started with Touchpoint (v2)' } }
        : s,
    );
    const version = 1000 + Math.floor(Math.random() * 1_000_000);
    await stack.database.db.insert(journeyConfigs).values({ key: 'welcome', version, steps });
    try {
      await stack.env.sleep('24 hours');
      const guide = await stack.mail.waitFor((m) => m.to.includes(email) && m.subject.includes('Getting started'));
      expect(guide.subject).toBe('Getting started with Touchpoint');
      // A journey started now takes the new version.
      const next = await signUp();
      await stack.mail.waitFor((m) => m.to.includes(next.email));
      expect((await next.handle.query(statusQuery)).version).toBe(version);
      await endRun(next.handle);
    } finally {
      await stack.database.db.delete(journeyConfigs).where(and(eq(journeyConfigs.key, 'welcome'), eq(journeyConfigs.version, version)));
    }
    await endRun(handle);
  });
});
