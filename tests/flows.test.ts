// Marketer flows through the real stack: the API saves and activates a flow, events start and steer its
// runs, messages go out over real SMTP and to a real local HTTP provider. Time skipping stands in for delays.
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, journeyRuns, messages } from '../src/db/schema.js';
import { flowWorkflowId } from '../src/temporal/workflow-ids.js';
import { flowRun } from '../src/flows/flow.workflow.js';
import { journeyEventSignal, statusQuery } from '../src/steps/steps.js';
import { type ProviderServer, startProvider } from './helpers/http-provider.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { endRun } from './helpers/end-run.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let provider: ProviderServer;
beforeAll(async () => {
  provider = await startProvider();
  // Its own database: active flows would otherwise start runs for other files' events. Push is left
  // unconfigured on purpose (channel_not_configured).
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true, providers: { smsUrl: `${provider.url}/sms` } });
});
afterAll(async () => {
  await stack?.close();
  await provider?.close();
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const email = (subject: string) => ({ type: 'send_email', template: { subject, html: `<p>${subject}</p>`, text: subject } });
const sms = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'send_sms', template: { text }, ...extra });

/** A saved, activated flow on a trigger event type of its own. */
async function flow(actions: unknown[], extra: { exit_on?: string[]; active?: boolean } = {}) {
  const trigger = uid('go').replace('-', '_');
  const res = await stack.api('POST', '/api/flows', { name: uid('flow'), trigger_event: trigger, exit_on: extra.exit_on ?? [], actions });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  if (extra.active !== false) expect((await stack.api('POST', `/api/flows/${res.body.flow.id}/activate`)).status).toBe(200);
  return { id: res.body.flow.id as string, trigger };
}

let phones = 0;
async function customer(profile: Record<string, unknown> = {}) {
  const id = uid('flow-cust');
  const address = `${id}@example.com`;
  const phone = `+1555${String(1_000_000 + ++phones * 7919).slice(-7)}`;
  expect((await stack.api('PUT', `/api/customers/${id}`, { email: address, phone, name: 'Ada Lovelace', ...profile })).status).toBe(201);
  return {
    id,
    email: address,
    phone,
    mail: () => stack.mail.list().filter((m) => m.to.includes(address)),
    // In send order: sent_at is the database's clock for every row (a paced row is created at the workflow's).
    rows: () => stack.database.db.select().from(messages).where(eq(messages.customerId, id)).orderBy(messages.sentAt, messages.createdAt),
  };
}

async function event(
  customerId: string,
  type: string,
  options: { id?: string; properties?: Record<string, unknown>; timestamp?: string } = {},
) {
  const res = await stack.api('POST', '/api/events', {
    id: options.id ?? uid('evt'),
    type,
    customerId,
    properties: options.properties,
    timestamp: options.timestamp,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.results[0];
}

const run = (flowId: string, customerId: string): WorkflowHandle<typeof flowRun> =>
  stack.client.workflow.getHandle(flowWorkflowId(flowId, customerId));

/** The run asleep in `step`, with its wake-up relative to the run's start. */
async function asleepIn(handle: WorkflowHandle, step: string) {
  const status = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.currentStep === step && s.nextWakeUp ? s : null;
  }, `the flow run asleep in ${step}`);
  const { startTime } = await handle.describe();
  return { status, dueAfter: Date.parse(status.nextWakeUp!) - startTime.getTime() };
}

describe('marketer flows', () => {
  it('runs every action once: email at once, SMS after delay_hours, webhook after delay_days, a tag, an unconfigured push', async () => {
    const hook = `/hook/${uid('h')}`;
    const f = await flow([
      email('Welcome, {{ customer.first_name }}'),
      sms('Hi {{ customer.first_name }}, code {{ event.properties.code }}', { delay_hours: 2 }),
      { type: 'send_webhook', delay_days: 1, url: `${provider.url}${hook}`, template: '{{ customer.id }} joined {{ flow.name }}' },
      { type: 'add_tag', tag: 'onboarded' },
      { type: 'send_push', template: { title: 'Hello', body: 'Welcome aboard' } },
    ]);
    const c = await customer();
    const outcome = await event(c.id, f.trigger, { properties: { code: 'HELLO10' } });
    expect(outcome.journeys).toEqual([{ journey: `flow:${f.id}`, workflowId: flowWorkflowId(f.id, c.id), result: 'queued' }]);
    const handle = run(f.id, c.id);

    const welcome = await stack.mail.waitFor((m) => m.to.includes(c.email));
    expect(welcome.subject).toBe('Welcome, Ada');
    expect((await asleepIn(handle, '1-send_sms')).dueAfter).toBe(2 * HOUR);
    // Search attributes: who, which flow, and where the run is.
    const { searchAttributes } = await handle.describe();
    expect(searchAttributes).toMatchObject({ CustomerId: [c.id], JourneyKey: [`flow:${f.id}`], JourneyStep: ['1-send_sms'] });

    await stack.env.sleep('2 hours');
    await waitFor(() => provider.received(c.phone).length === 1, 'the SMS');
    const [smsRequest] = provider.received(c.phone);
    expect(smsRequest!.path).toBe('/sms');
    expect(smsRequest!.body).toMatchObject({
      channel: 'sms',
      to: c.phone,
      customer_id: c.id,
      content: { text: 'Hi Ada, code HELLO10' },
      source: { journey: `flow:${f.id}`, version: 1, step: '1-send_sms' },
    });
    expect(smsRequest!.headers['idempotency-key']).toBe(smsRequest!.body.idempotency_key);

    // The webhook is due a day after the SMS was (delays count from when the previous action was due).
    expect((await asleepIn(handle, '2-send_webhook')).dueAfter).toBe(26 * HOUR);
    await stack.env.sleep('24 hours');
    expect(await handle.result()).toEqual({
      outcome: 'completed',
      steps: [
        { step: '0-send_email', status: 'sent' },
        { step: '1-send_sms', status: 'sent' },
        { step: '2-send_webhook', status: 'sent' },
        { step: '3-add_tag', status: 'done' },
        { step: '4-send_push', status: 'skipped', reason: 'channel_not_configured' },
      ],
    });
    const [hookRequest, ...more] = provider.received(hook);
    expect(more).toHaveLength(0);
    expect(hookRequest!.body).toMatchObject({
      channel: 'webhook',
      customer_id: c.id,
      content: { body: expect.stringMatching(new RegExp(`^${c.id} joined flow-`)) },
      customer: { id: c.id, email: c.email, first_name: 'Ada' },
      event: { type: f.trigger, properties: { code: 'HELLO10' } },
    });

    // Each touch once: one row each, one mail, one SMS, one webhook call.
    expect(c.mail()).toHaveLength(1);
    expect(provider.received(c.phone)).toHaveLength(1);
    const rows = await c.rows();
    expect(rows.map((r) => [r.stepKey, r.channel, r.status, r.errorMessage])).toEqual([
      ['0-send_email', 'email', 'sent', null],
      ['1-send_sms', 'sms', 'sent', null],
      ['2-send_webhook', 'webhook', 'sent', null],
      ['4-send_push', 'push', 'skipped', 'channel_not_configured'],
    ]);
    const trigger = outcome.id as string;
    expect(rows[1]).toMatchObject({
      idempotencyKey: `${flowWorkflowId(f.id, c.id)}/${trigger}/1-send_sms`,
      journeyKey: `flow:${f.id}`,
      journeyVersion: 1,
      recipient: c.phone,
      bodyText: 'Hi Ada, code HELLO10',
      providerMessageId: expect.stringMatching(/^prov-/),
      response: { status: 200, excerpt: expect.stringContaining('"accepted":true'), truncated: false },
    });
    const [profile] = await stack.database.db.select().from(customers).where(eq(customers.id, c.id));
    expect(profile!.tags).toEqual(['onboarded']);
  });

  describe('wait_for_event', () => {
    const waitFlow = () =>
      flow([{ type: 'wait_for_event', event: 'link_clicked', timeout: '2 days', on_timeout: 'exit' }, email('Thanks for clicking')]);

    it('goes on when the event arrives', async () => {
      const f = await waitFlow();
      const c = await customer();
      await event(c.id, f.trigger);
      const handle = run(f.id, c.id);
      expect((await asleepIn(handle, '0-wait_for_event')).dueAfter).toBe(2 * DAY);
      const clicked = await event(c.id, 'link_clicked');
      // The customer's open flow runs are found when the outbox dispatches it: not listed in the answer.
      expect(clicked.journeys).toEqual([]);
      expect(await handle.result()).toEqual({
        outcome: 'completed',
        steps: [
          { step: '0-wait_for_event', status: 'done', reason: `received ${clicked.id}` },
          { step: '1-send_email', status: 'sent' },
        ],
      });
      expect(c.mail().map((m) => m.subject)).toEqual(['Thanks for clicking']);
    });

    it('exits at the timeout when on_timeout is exit', async () => {
      const f = await waitFlow();
      const c = await customer();
      await event(c.id, f.trigger);
      const handle = run(f.id, c.id);
      await asleepIn(handle, '0-wait_for_event');
      await stack.env.sleep('2 days');
      expect(await handle.result()).toEqual({
        outcome: 'exited',
        reason: 'timed_out:link_clicked',
        steps: [{ step: '0-wait_for_event', status: 'done', reason: 'timed_out' }],
      });
      expect(c.mail()).toHaveLength(0);
    });

    it('goes on at the timeout when on_timeout is continue', async () => {
      const f = await flow([
        { type: 'wait_for_event', event: 'link_clicked', timeout: '1 hour', on_timeout: 'continue' },
        email('A nudge'),
      ]);
      const c = await customer();
      await event(c.id, f.trigger);
      const handle = run(f.id, c.id);
      await asleepIn(handle, '0-wait_for_event');
      await stack.env.sleep('1 hour');
      expect((await handle.result()).steps).toEqual([
        { step: '0-wait_for_event', status: 'done', reason: 'timed_out' },
        { step: '1-send_email', status: 'sent' },
      ]);
    });
  });

  // Three waiting steps: a delay before the email, a wait for an event, a delay before the SMS.
  it.each([
    ['0-send_email', [], 0],
    ['1-wait_for_event', ['1 hour'], 1],
    ['2-send_sms', ['1 hour', 'clicked'], 1],
  ])('ends at once on an exit_on event while in %s', async (step, before, sentBefore) => {
    const f = await flow(
      [
        { ...email('First'), delay: '1 hour' },
        { type: 'wait_for_event', event: 'clicked', timeout: '1 day' },
        sms('Second', { delay: '2 hours' }),
      ],
      { exit_on: ['account_closed'] },
    );
    const c = await customer();
    await event(c.id, f.trigger);
    const handle = run(f.id, c.id);
    for (const move of before) {
      if (move === 'clicked') await event(c.id, 'clicked');
      else {
        await asleepIn(handle, '0-send_email');
        await stack.env.sleep(move);
      }
    }
    await asleepIn(handle, step);
    const closed = await event(c.id, 'account_closed');
    // The customer's open flow runs are found when the outbox dispatches it: not listed in the answer.
    expect(closed.journeys).toEqual([]);
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'exited', reason: 'exit_on:account_closed' });
    expect(result.steps.filter((s) => s.status === 'sent')).toHaveLength(sentBefore);
    expect(c.mail()).toHaveLength(sentBefore);
    expect(provider.received(c.phone)).toHaveLength(0);
  });

  it('takes duplicate events once and events that came early or late for what they are', async () => {
    const f = await flow(
      [
        { type: 'wait_for_event', event: 'clicked', timeout: '1 hour', on_timeout: 'exit', delay: '1 hour' },
        { type: 'wait_for_event', event: 'clicked', timeout: '1 hour', on_timeout: 'exit' },
        email('Clicked twice'),
      ],
      { exit_on: ['account_closed'] },
    );
    const c = await customer();
    // Stamped with the test server's clock, which runs ahead of the wall clock the API stamps events with.
    const at = async (offset = 0) => new Date((await stack.env.currentTimeMs()) + offset).toISOString();
    const start = await at();
    const triggered = await event(c.id, f.trigger, { timestamp: start });
    const handle = run(f.id, c.id);
    await asleepIn(handle, '0-wait_for_event');
    // An exit event that happened before the trigger, delivered late: not this run's business.
    await event(c.id, 'account_closed', { timestamp: new Date(Date.parse(start) - 60_000).toISOString() });
    // The awaited event arrives early (during the delay), and the same event is delivered again (a
    // producer's retry after the API lost track: dispatched a second time).
    const early = await event(c.id, 'clicked', { timestamp: await at(1000) });
    await stack.journeys.dispatch({ id: early.id, type: 'clicked', customerId: c.id });
    await stack.env.sleep('1 hour');
    // The first wait takes the early event; the repeat does not satisfy the second.
    await asleepIn(handle, '1-wait_for_event');
    await stack.env.sleep('1 hour');
    expect(await handle.result()).toEqual({
      outcome: 'exited',
      reason: 'timed_out:clicked',
      steps: [
        { step: '0-wait_for_event', status: 'done', reason: `received ${early.id}` },
        { step: '1-wait_for_event', status: 'done', reason: 'timed_out' },
      ],
    });
    expect(c.mail()).toHaveLength(0);
    expect(triggered.status).toBe('accepted');
  });

  it('keeps one run per customer: a repeated trigger and two racing; the next run starts after it closed', async () => {
    const f = await flow([sms('One per run'), { type: 'wait_for_event', event: 'never', timeout: '1 day' }]);
    const c = await customer();
    const id = uid('evt');
    const results = await Promise.all([
      event(c.id, f.trigger, { id }),
      event(c.id, f.trigger, { id }),
      event(c.id, f.trigger),
      event(c.id, f.trigger),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['accepted', 'accepted', 'accepted', 'duplicate']);
    const handle = run(f.id, c.id);
    await asleepIn(handle, '1-wait_for_event');
    const { runId } = await handle.describe();
    expect(provider.received(c.phone)).toHaveLength(1);
    expect(await stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, c.id))).toHaveLength(1);
    await stack.env.sleep('1 day');
    expect((await stack.client.workflow.getHandle(handle.workflowId, runId).result()).outcome).toBe('completed');

    // After the run closed, the next trigger starts a new run under the same id; its SMS is a new touch.
    await event(c.id, f.trigger);
    await waitFor(async () => (await handle.describe()).runId !== runId, 'a second run');
    await asleepIn(handle, '1-wait_for_event');
    expect(provider.received(c.phone)).toHaveLength(2);
    expect(new Set(provider.received(c.phone).map((r) => r.body.idempotency_key)).size).toBe(2);
    await endRun(handle);
  });

  it('keeps the old version for runs in flight when the flow is edited; new runs take the new one', async () => {
    const f = await flow([sms('Version one', { delay: '1 hour' })]);
    const early = await customer();
    await event(early.id, f.trigger);
    const earlyRun = run(f.id, early.id);
    expect((await asleepIn(earlyRun, '0-send_sms')).dueAfter).toBe(HOUR);

    const current = (await stack.api('GET', `/api/flows/${f.id}`)).body.flow;
    const edited = await stack.api('PUT', `/api/flows/${f.id}`, {
      name: current.name,
      trigger_event: f.trigger,
      actions: [sms('Version two', { delay: '3 hours' })],
    });
    expect(edited.body.flow).toMatchObject({ version: 2, latest_version: 2, active: true });

    const late = await customer();
    await event(late.id, f.trigger);
    const lateRun = run(f.id, late.id);
    const { status, dueAfter } = await asleepIn(lateRun, '0-send_sms');
    expect([status.version, dueAfter]).toEqual([2, 3 * HOUR]);
    expect((await earlyRun.query(statusQuery)).version).toBe(1);

    await stack.env.sleep('3 hours');
    await earlyRun.result();
    await lateRun.result();
    expect(provider.received(early.phone).map((r) => r.body.content.text)).toEqual(['Version one']);
    expect(provider.received(late.phone).map((r) => r.body.content.text)).toEqual(['Version two']);
    expect((await late.rows())[0]!.journeyVersion).toBe(2);
  });

  it('starts nothing for an inactive flow; deactivating stops new runs and leaves runs in flight alone', async () => {
    const f = await flow([sms('Hello', { delay: '1 hour' })], { active: false });
    const c1 = await customer();
    expect((await event(c1.id, f.trigger)).journeys).toEqual([]);

    await stack.api('POST', `/api/flows/${f.id}/activate`);
    const c2 = await customer();
    expect((await event(c2.id, f.trigger)).journeys).toHaveLength(1);
    const inFlight = run(f.id, c2.id);
    await asleepIn(inFlight, '0-send_sms');

    expect((await stack.api('POST', `/api/flows/${f.id}/deactivate`)).body.flow.active).toBe(false);
    const c3 = await customer();
    expect((await event(c3.id, f.trigger)).journeys).toEqual([]);
    await stack.env.sleep('1 hour');
    expect((await inFlight.result()).outcome).toBe('completed');
    expect(provider.received(c2.phone)).toHaveLength(1);
    expect([...provider.received(c1.phone), ...provider.received(c3.phone)]).toHaveLength(0);
    for (const c of [c1, c3]) {
      await expect(run(f.id, c.id).describe()).rejects.toThrow(WorkflowNotFoundError);
    }
  });

  it('retries a provider answering 5xx and sends once; records a 4xx as failed without retrying', async () => {
    const f = await flow([sms('Try me'), { type: 'add_tag', tag: 'after_sms' }]);
    const flaky = await customer();
    provider.script(flaky.phone, [503, 502]);
    await event(flaky.id, f.trigger);
    expect(await run(f.id, flaky.id).result()).toMatchObject({
      outcome: 'completed',
      steps: [{ step: '0-send_sms', status: 'sent' }, { step: '1-add_tag' }],
    });
    const tries = provider.received(flaky.phone);
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    const [sent] = await flaky.rows();
    expect(sent).toMatchObject({ status: 'sent', attempts: 3, errorMessage: null });

    const refused = await customer();
    provider.script(refused.phone, [422]);
    await event(refused.id, f.trigger);
    const result = await run(f.id, refused.id).result();
    expect(result.steps[0]).toEqual({ step: '0-send_sms', status: 'failed', reason: expect.stringContaining('sms provider answered 422') });
    expect(result.steps[1]).toMatchObject({ step: '1-add_tag', status: 'done' });
    expect(provider.received(refused.phone)).toHaveLength(1);
    const [failed] = await refused.rows();
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, errorMessage: expect.stringContaining('422') });
  });

  it('skips a message the customer cannot get: opted out of SMS, no phone', async () => {
    const f = await flow([sms('Hello'), email('Still here')]);
    const optedOut = await customer({ consent: { sms: false } });
    await event(optedOut.id, f.trigger);
    expect((await run(f.id, optedOut.id).result()).steps).toEqual([
      { step: '0-send_sms', status: 'skipped', reason: 'unsubscribed' },
      { step: '1-send_email', status: 'sent' },
    ]);
    const noPhone = await customer({ phone: null });
    await event(noPhone.id, f.trigger);
    expect((await run(f.id, noPhone.id).result()).steps[0]).toEqual({ step: '0-send_sms', status: 'skipped', reason: 'no_phone' });
    expect((await noPhone.rows()).map((r) => [r.channel, r.status, r.errorMessage]).sort()).toEqual([
      ['email', 'sent', null],
      ['sms', 'skipped', 'no_phone'],
    ]);
  });

  it('branches on a customer attribute', async () => {
    const f = await flow([
      { type: 'branch', attribute: 'plan', op: 'eq', value: 'pro', if_true: 'continue', if_false: { skip: 1 } },
      email('For pro customers'),
      { type: 'branch', attribute: 'tags', op: 'contains', value: 'vip' },
      email('For VIPs'),
    ]);
    const pro = await customer({ attributes: { plan: 'pro' }, tags: ['vip'] });
    const free = await customer({ attributes: { plan: 'free' } });
    await Promise.all([event(pro.id, f.trigger), event(free.id, f.trigger)]);
    expect(await run(f.id, pro.id).result()).toMatchObject({ outcome: 'completed' });
    expect(await run(f.id, free.id).result()).toEqual({
      outcome: 'exited',
      reason: 'branch:2',
      steps: [
        { step: '0-branch', status: 'done', reason: 'not_matched' },
        { step: '2-branch', status: 'done', reason: 'not_matched' },
      ],
    });
    expect(
      pro
        .mail()
        .map((m) => m.subject)
        .sort(),
    ).toEqual(['For VIPs', 'For pro customers']);
    expect(free.mail()).toHaveLength(0);
  });

  it('is ended by erasure and by cancel, and its runs are listed and read through the journeys API', async () => {
    const f = await flow([sms('Later', { delay: '1 day' })]);
    const [erased, cancelled] = [await customer(), await customer()];
    await event(erased.id, f.trigger);
    await event(cancelled.id, f.trigger);
    await asleepIn(run(f.id, erased.id), '0-send_sms');
    await asleepIn(run(f.id, cancelled.id), '0-send_sms');

    const list = await stack.api('GET', `/api/journeys/${encodeURIComponent(`flow:${f.id}`)}/runs`);
    expect(list.status).toBe(200);
    expect(list.body.pagination.total).toBe(2);
    const one = await stack.api('GET', `/api/journeys/runs/${encodeURIComponent(flowWorkflowId(f.id, erased.id))}`);
    expect(one.body.run).toMatchObject({
      journey: `flow:${f.id}`,
      customerId: erased.id,
      status: 'RUNNING',
      state: {
        journey: `flow:${f.id}`,
        version: 1,
        currentStep: '0-send_sms',
        nextWakeUp: expect.any(String),
        completed: [],
        exited: null,
      },
    });

    expect((await stack.api('DELETE', `/api/customers/${erased.id}`)).status).toBe(200);
    expect(await run(f.id, erased.id).result()).toEqual({ outcome: 'exited', reason: 'erased', steps: [] });
    expect((await stack.api('POST', `/api/journeys/runs/${encodeURIComponent(flowWorkflowId(f.id, cancelled.id))}/cancel`)).status).toBe(
      202,
    );
    expect(await run(f.id, cancelled.id).result()).toEqual({ outcome: 'exited', reason: 'cancelled', steps: [] });
    expect(provider.received(erased.phone)).toHaveLength(0);
    expect(provider.received(cancelled.phone)).toHaveLength(0);
  });

  it('continues as new when events pile up in its history, keeping its place, its outcomes and the events it saw', async () => {
    const f = await flow([
      { type: 'wait_for_event', event: 'clicked', timeout: '1 day' },
      { type: 'wait_for_event', event: 'clicked', timeout: '1 day' },
      sms('Clicked twice', { delay: '1 hour' }),
    ]);
    const c = await customer();
    const workflowId = flowWorkflowId(f.id, c.id);
    // Started as the API would, with a low bound so that three events make the history "long".
    const first = await stack.client.workflow.start(flowRun, {
      workflowId,
      taskQueue: stack.taskQueue,
      args: [{ flowId: f.id, version: 1, customerId: c.id, trigger: { id: uid('evt'), type: f.trigger }, maxEventsPerRun: 3 }],
    });
    const signal = (id: string, type = 'clicked') => first.signal(journeyEventSignal, { id, type });
    await asleepIn(first, '0-wait_for_event');
    await signal('click-a');
    await asleepIn(first, '1-wait_for_event');
    await signal('noise-1', 'page_view');
    await signal('noise-2', 'page_view');
    // The third event ended the first run; its continuation waits in the same step.
    await waitFor(
      async () => (await stack.client.workflow.getHandle(workflowId).describe()).runId !== first.firstExecutionRunId,
      'the continuation',
    );
    const { status: next } = await asleepIn(run(f.id, c.id), '1-wait_for_event');
    expect(next.completed).toEqual([{ step: '0-wait_for_event', status: 'done', reason: 'received click-a' }]);
    expect((await stack.client.workflow.getHandle(workflowId, first.firstExecutionRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');

    // A repeat of an event the first run saw is still recognised; a new one goes on.
    const current = run(f.id, c.id);
    await current.signal(journeyEventSignal, { id: 'click-a', type: 'clicked' });
    await current.signal(journeyEventSignal, { id: 'click-b', type: 'clicked' });
    await asleepIn(current, '2-send_sms');
    await stack.env.sleep('1 hour');
    expect(await current.result()).toEqual({
      outcome: 'completed',
      steps: [
        { step: '0-wait_for_event', status: 'done', reason: 'received click-a' },
        { step: '1-wait_for_event', status: 'done', reason: 'received click-b' },
        { step: '2-send_sms', status: 'sent' },
      ],
    });
    expect(provider.received(c.phone)).toHaveLength(1);
  });
});
