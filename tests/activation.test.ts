// The activation journey through the real stack: API → Temporal (time-skipping) → activities → SMTP +
// PostgreSQL. This file switches journeys on and off and writes versions, so it has a database of its own;
// the welcome series is off there, so every mail counted is the activation journey's.
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coupons, customers, events, journeyRuns, messages } from '../src/db/schema.js';
import { defaultJourneyConfigs, type EmailStep } from '../src/domain/journey-config.js';
import { CustomerIdKey, JourneyKeyKey, JourneyStepKey } from '../src/temporal/search-attributes.js';
import { activationWorkflowId } from '../src/temporal/workflow-ids.js';
import { type JourneyResult, statusQuery } from '../src/steps/steps.js';
import { endRun } from './helpers/end-run.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
/** The version switched on here (version 1, the default, is off). */
let switchedOn: number;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
  expect((await stack.api('PUT', '/api/journeys/welcome', { enabled: false })).status).toBe(200);
  expect((await stack.api('GET', '/api/journeys/activation')).body.journey).toMatchObject({ version: 1, enabled: false });
  const on = await stack.api('PUT', '/api/journeys/activation', { enabled: true });
  expect(on.body.journey).toMatchObject({ enabled: true, settings: { activationEvent: 'order_completed' } });
  switchedOn = on.body.journey.version;
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;
const steps = defaultJourneyConfigs.activation! as EmailStep[];

async function signUp(name = 'Ada Lovelace') {
  const id = uid('act');
  const email = `${id}@example.com`;
  expect((await stack.api('PUT', `/api/customers/${id}`, { email, name })).status).toBe(201);
  const res = await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
  expect(res.status).toBe(202);
  const handle: WorkflowHandle<() => Promise<JourneyResult>> = stack.client.workflow.getHandle(activationWorkflowId(id));
  return { id, email, res, handle, mail: () => stack.mail.list().filter((m) => m.to.includes(email)) };
}

const post = (customerId: string, type: string, properties: Record<string, unknown> = {}) =>
  stack.api('POST', '/api/events', { id: uid('evt'), type, customerId, properties });
const order = (customerId: string) => post(customerId, 'order_completed', { order_id: uid('ord'), amount: 20, currency: 'EUR' });

/** The run asleep before `step`, with its wake-up time relative to the run's start. */
async function asleepBefore(handle: WorkflowHandle, step: string) {
  const status = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.currentStep === step && s.nextWakeUp ? s : null;
  }, `the run asleep before ${step}`);
  const { startTime } = await handle.describe();
  return { status, dueAfter: Date.parse(status.nextWakeUp!) - startTime.getTime() };
}

const rowsFor = (customerId: string) => stack.database.db.select().from(messages).where(eq(messages.customerId, customerId));
const couponsOf = (customerId: string) => stack.database.db.select().from(coupons).where(eq(coupons.customerId, customerId));

describe('activation journey', () => {
  it('nudges at 3 d and offers a coupon at 10 d, each exactly once, and is visible wherever journeys are', async () => {
    const c = await signUp();
    expect(c.res.body.results[0]).toMatchObject({
      status: 'accepted',
      journeys: [
        { journey: 'welcome', result: 'queued' },
        { journey: 'activation', workflowId: activationWorkflowId(c.id), result: 'queued' },
      ],
    });
    expect((await asleepBefore(c.handle, 'nudge')).dueAfter).toBe(3 * DAY);

    // Found in Temporal by customer, journey and step, on the profile and among the journey's runs.
    const { typedSearchAttributes } = await c.handle.describe();
    expect(typedSearchAttributes.get(CustomerIdKey)).toBe(c.id);
    expect(typedSearchAttributes.get(JourneyKeyKey)).toBe('activation');
    expect(typedSearchAttributes.get(JourneyStepKey)).toBe('nudge');
    const profile = await stack.api('GET', `/api/customers/${c.id}`);
    expect(profile.body.journeys).toEqual([
      expect.objectContaining({
        journey: 'activation',
        workflowId: activationWorkflowId(c.id),
        status: expect.objectContaining({ currentStep: 'nudge' }),
      }),
    ]);
    const runs = await stack.api('GET', '/api/journeys/activation/runs?page_size=100');
    expect(runs.status).toBe(200);
    expect(runs.body.runs).toContainEqual(
      expect.objectContaining({ workflowId: activationWorkflowId(c.id), status: 'RUNNING', customerId: c.id }),
    );

    await stack.env.sleep('3 days');
    const nudge = await stack.mail.waitFor((m) => m.to.includes(c.email));
    expect(nudge.subject).toBe('Ada Lovelace, your first order at Touchpoint is one step away');
    expect(nudge.text).toContain('Hi Ada Lovelace, you signed up a few days ago but have not placed your first order yet.');
    expect((await asleepBefore(c.handle, 'coupon')).dueAfter).toBe(10 * DAY);

    await stack.env.sleep('6 days');
    expect(c.mail()).toHaveLength(1);
    await stack.env.sleep('1 day');
    const couponMail = await stack.mail.waitFor((m) => m.to.includes(c.email) && m.subject.includes('% off'));
    const [coupon] = await couponsOf(c.id);
    expect(coupon).toMatchObject({ journeyKey: 'activation', percentOff: 10 });
    expect(couponMail.subject).toBe('10% off your first order');
    expect(couponMail.text).toContain(`use code ${coupon!.code} for 10% off until ${coupon!.expiresAt.toISOString().slice(0, 10)}`);
    expect(couponMail.html).toContain(`<strong>${coupon!.code}</strong>`);

    expect(await c.handle.result()).toEqual({
      outcome: 'completed',
      steps: [
        { step: 'nudge', status: 'sent' },
        { step: 'coupon', status: 'sent' },
      ],
    });
    expect(c.mail().map((m) => m.subject)).toEqual([nudge.subject, couponMail.subject]);
    expect(new Set(c.mail().map((m) => m.messageId)).size).toBe(2);
    const rows = await rowsFor(c.id);
    expect(rows.map((r) => [r.journeyKey, r.stepKey, r.status, r.journeyVersion]).sort()).toEqual([
      ['activation', 'coupon', 'sent', switchedOn],
      ['activation', 'nudge', 'sent', switchedOn],
    ]);
    expect(await couponsOf(c.id)).toHaveLength(1);

    // The funnel by journey and step (this is the file's first activation send: the counts are its own).
    const funnel = await stack.api('GET', '/api/analytics/funnel?journey_key=activation&group_by=step');
    expect(funnel.status).toBe(200);
    const sent = Object.fromEntries(
      funnel.body.groups.map((g: { key: string; stages: Array<{ stage: string; count: number }> }) => [g.key, g.stages[0]!.count]),
    );
    expect(sent).toEqual({ 'activation/nudge': 1, 'activation/coupon': 1 });
  });

  it('ends at an order before the nudge: nothing sent, the run completed as activated', async () => {
    const c = await signUp();
    await asleepBefore(c.handle, 'nudge');
    const res = await order(c.id);
    expect(res.body.results[0].journeys).toContainEqual({
      journey: 'activation',
      workflowId: activationWorkflowId(c.id),
      result: 'queued',
    });
    expect(await c.handle.result()).toEqual({ outcome: 'exited', reason: 'activated', steps: [] });
    expect((await c.handle.describe()).status.name).toBe('COMPLETED');
    await stack.env.sleep('11 days');
    expect(c.mail()).toEqual([]);
    expect(await rowsFor(c.id)).toEqual([]);
  });

  it('sends no coupon after an order between the nudge and the coupon', async () => {
    const c = await signUp();
    await asleepBefore(c.handle, 'nudge');
    await stack.env.sleep('3 days');
    await stack.mail.waitFor((m) => m.to.includes(c.email));
    await asleepBefore(c.handle, 'coupon');
    await order(c.id);
    expect(await c.handle.result()).toEqual({ outcome: 'exited', reason: 'activated', steps: [{ step: 'nudge', status: 'sent' }] });
    await stack.env.sleep('8 days');
    expect(c.mail()).toHaveLength(1);
    expect((await rowsFor(c.id)).map((r) => r.stepKey)).toEqual(['nudge']);
    expect(await couponsOf(c.id)).toEqual([]);
  });

  it('never nudges a customer who ordered before signing up', async () => {
    const id = uid('act-early');
    const email = `${id}@example.com`;
    await stack.api('PUT', `/api/customers/${id}`, { email, name: 'Early' });
    // No run to signal yet: the run finds the order in the database when it starts.
    expect((await order(id)).body.results[0].journeys).toContainEqual({
      journey: 'activation',
      workflowId: activationWorkflowId(id),
      result: 'queued',
    });
    await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
    expect(await stack.client.workflow.getHandle(activationWorkflowId(id)).result()).toEqual({
      outcome: 'exited',
      reason: 'activated',
      steps: [],
    });
    expect(await rowsFor(id)).toEqual([]);
  });

  it('stops before a step at a key action its signal missed', async () => {
    const c = await signUp();
    await asleepBefore(c.handle, 'nudge');
    // Stored without reaching the run (as when the order raced the run's start): only the check before the step sees it.
    await stack.database.db.insert(events).values({ id: uid('evt'), type: 'order_completed', customerId: c.id, occurredAt: new Date() });
    await stack.env.sleep('3 days');
    expect(await c.handle.result()).toEqual({ outcome: 'exited', reason: 'activated', steps: [] });
    expect(c.mail()).toEqual([]);
  });

  it('takes a configured event type as the key action, and ignores orders then', async () => {
    const put = await stack.api('PUT', '/api/journeys/activation', { settings: { activationEvent: 'first_lesson_completed' } });
    expect(put).toMatchObject({ status: 200, body: { journey: { settings: { activationEvent: 'first_lesson_completed' } } } });
    try {
      const c = await signUp('学生 Zoë');
      await asleepBefore(c.handle, 'nudge');
      // An order is still handed to the run (runs of earlier versions wait for one), and this run goes on.
      await order(c.id);
      await stack.env.sleep('3 days');
      const nudge = await stack.mail.waitFor((m) => m.to.includes(c.email));
      expect(nudge.subject).toBe('学生 Zoë, your first order at Touchpoint is one step away');
      await asleepBefore(c.handle, 'coupon');
      const lesson = await post(c.id, 'first_lesson_completed', { lesson: 1 });
      expect(lesson.body.results[0].journeys).toEqual([
        { journey: 'activation', workflowId: activationWorkflowId(c.id), result: 'queued' },
      ]);
      expect(await c.handle.result()).toEqual({ outcome: 'exited', reason: 'activated', steps: [{ step: 'nudge', status: 'sent' }] });
      expect(c.mail()).toHaveLength(1);
    } finally {
      await stack.api('PUT', '/api/journeys/activation', { settings: { activationEvent: 'order_completed' } });
    }
  });

  it('refuses a key action that is no event type, or one that starts or ends journeys, and writes no version', async () => {
    const before = (await stack.api('GET', '/api/journeys/activation')).body.journey.version;
    for (const [activationEvent, message] of [
      ['user_signup', 'cannot be the key action'],
      ['First Order', 'must be an event type'],
    ] as const) {
      const res = await stack.api('PUT', '/api/journeys/activation', { settings: { activationEvent } });
      expect(res).toMatchObject({ status: 422, body: { error: { code: 'validation_error', field: 'settings.activationEvent' } } });
      expect(res.body.error.message).toContain(message);
    }
    const unknown = await stack.api('PUT', '/api/journeys/activation', { settings: { activationEvent: 'order_completed', days: 3 } });
    expect(unknown).toMatchObject({ status: 422, body: { error: { code: 'validation_error' } } });
    expect((await stack.api('GET', '/api/journeys/activation')).body.journey.version).toBe(before);
  });

  it('starts no run while switched off', async () => {
    expect((await stack.api('PUT', '/api/journeys/activation', { enabled: false })).body.journey.enabled).toBe(false);
    try {
      const c = await signUp();
      expect(c.res.body.results[0].journeys).toEqual([expect.objectContaining({ journey: 'welcome' })]);
      await expect(c.handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      const rows = await stack.database.db
        .select()
        .from(journeyRuns)
        .where(and(eq(journeyRuns.customerId, c.id), eq(journeyRuns.journeyKey, 'activation')));
      expect(rows).toEqual([]);
      // Their first order later is not news to any activation run.
      expect((await order(c.id)).body.results[0].journeys).toContainEqual(
        expect.objectContaining({ journey: 'activation', result: 'queued' }),
      );
    } finally {
      await stack.api('PUT', '/api/journeys/activation', { enabled: true });
    }
  });

  it('applies a new version to new runs only: a run in flight keeps its own', async () => {
    const early = await signUp();
    const before = (await asleepBefore(early.handle, 'nudge')).status.version!;
    const changed = steps.map((s) =>
      s.key === 'nudge' ? { ...s, offset: '2 days', template: { ...s.template, subject: 'Nudge v2' } } : s,
    );
    const put = await stack.api('PUT', '/api/journeys/activation', { steps: changed });
    expect(put.status).toBe(200);
    const version = put.body.journey.version;
    try {
      expect(version).toBeGreaterThan(before);
      const late = await signUp();
      const { status, dueAfter } = await asleepBefore(late.handle, 'nudge');
      expect([status.version, dueAfter]).toEqual([version, 2 * DAY]);
      expect((await early.handle.query(statusQuery)).version).toBe(before);

      await stack.env.sleep('2 days');
      expect((await stack.mail.waitFor((m) => m.to.includes(late.email))).subject).toBe('Nudge v2');
      await asleepBefore(late.handle, 'coupon');
      expect(early.mail()).toEqual([]);
      await stack.env.sleep('1 day');
      expect((await stack.mail.waitFor((m) => m.to.includes(early.email))).subject).toBe(
        'Ada Lovelace, your first order at Touchpoint is one step away',
      );
      await endRun(early.handle);
      await endRun(late.handle);
    } finally {
      await stack.api('PUT', '/api/journeys/activation', { steps });
    }
  });

  it('ends when the customer unsubscribes, is erased, or the run is cancelled', async () => {
    const unsubscribed = await signUp();
    const erased = await signUp();
    const cancelled = await signUp();
    for (const c of [unsubscribed, erased, cancelled]) await asleepBefore(c.handle, 'nudge');

    expect((await stack.api('PUT', `/api/customers/${unsubscribed.id}`, { consent: { email: false } })).status).toBe(200);
    expect(await stack.api('DELETE', `/api/customers/${erased.id}`)).toMatchObject({ status: 200, body: { journeysEnded: 1 } });
    const cancel = await stack.api('POST', `/api/journeys/runs/${encodeURIComponent(activationWorkflowId(cancelled.id))}/cancel`);
    expect(cancel.status).toBe(202);

    expect(await unsubscribed.handle.result()).toEqual({ outcome: 'exited', reason: 'unsubscribed', steps: [] });
    expect(await erased.handle.result()).toEqual({ outcome: 'exited', reason: 'erased', steps: [] });
    expect(await cancelled.handle.result()).toEqual({ outcome: 'exited', reason: 'cancelled', steps: [] });
    await stack.env.sleep('11 days');
    for (const c of [unsubscribed, erased, cancelled]) expect(c.mail()).toEqual([]);
    const [gone] = await stack.database.db.select().from(customers).where(eq(customers.id, erased.id));
    expect(gone!.erasedAt).not.toBeNull();
  });

  it('is one run per customer: a second signup reaches it, and after it ended starts none', async () => {
    const c = await signUp();
    await asleepBefore(c.handle, 'nudge');
    const again = await post(c.id, 'user_signup');
    expect(again.body.results[0].journeys).toContainEqual({
      journey: 'activation',
      workflowId: activationWorkflowId(c.id),
      result: 'queued',
    });
    await order(c.id);
    expect((await c.handle.result()).reason).toBe('activated');
    const late = await post(c.id, 'user_signup');
    expect(late.body.results[0].journeys).toContainEqual({
      journey: 'activation',
      workflowId: activationWorkflowId(c.id),
      result: 'queued',
    });
  });
});

describe('activation per workspace', () => {
  it("follows each workspace's own switch and key action", async () => {
    const id = uid('shop');
    const created = await stack.api('POST', '/api/workspaces', { id, name: `Shop ${id}` });
    expect(created.status).toBe(201);
    const as = { authorization: `Bearer ${created.body.admin_key.key}` };
    const inShop = (method: string, path: string, body?: unknown) => stack.api(method, path, body, as);
    const signUpInShop = async () => {
      const customerId = uid('shop-cust');
      await inShop('PUT', `/api/customers/${customerId}`, { email: `${customerId}@example.com` });
      const res = await inShop('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId });
      return { customerId, journeys: res.body.results[0].journeys as Array<{ journey: string; workflowId: string }> };
    };

    // Switched on in the default workspace (this file), off in the new one: its signups start no run.
    expect((await inShop('GET', '/api/journeys/activation')).body.journey).toMatchObject({ version: 1, enabled: false });
    expect((await signUpInShop()).journeys.map((j) => j.journey)).toEqual(['welcome']);

    // Switched on there with a key action of its own: the run's id carries the workspace, and its activities read its rows.
    await inShop('PUT', '/api/journeys/activation', { enabled: true, settings: { activationEvent: 'trial_converted' } });
    const shopper = await signUpInShop();
    const workflowId = `${id}/activation/${shopper.customerId}`;
    expect(shopper.journeys).toContainEqual(expect.objectContaining({ journey: 'activation', workflowId }));
    const handle = stack.client.workflow.getHandle(workflowId);
    await asleepBefore(handle, 'nudge');
    const converted = await inShop('POST', '/api/events', { id: uid('evt'), type: 'trial_converted', customerId: shopper.customerId });
    expect(converted.body.results[0].journeys).toEqual([{ journey: 'activation', workflowId, result: 'queued' }]);
    expect(await handle.result()).toEqual({ outcome: 'exited', reason: 'activated', steps: [] });
    // The default workspace does not watch that event type.
    const c = await signUp();
    await asleepBefore(c.handle, 'nudge');
    expect((await post(c.id, 'trial_converted')).body.results[0].journeys).toEqual([]);
    await endRun(c.handle);
  });
});
