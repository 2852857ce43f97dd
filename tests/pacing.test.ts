// Quiet hours and frequency caps through the real stack: API → Temporal (time-skipping) → PostgreSQL + SMTP.
// The test server's clock starts at the real "now", so each test picks the customer's time zone (a fixed
// Etc/GMT offset) that puts the send at the local hour it needs.
import type { WorkflowHandle } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCampaignActivities } from '../src/campaigns/campaign.activities.js';
import { campaignWorkflowId, cartRecoveryWorkflowId, flowWorkflowId, welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { createPacingActivities, type ReserveInput } from '../src/delivery/pacing.activities.js';
import { lockCustomers, PACING_LOCK_CLASS } from '../src/delivery/pacing-locks.js';
import { rowsOf as resultRows } from '../src/db/sql-helpers.js';
import { messages } from '../src/db/schema.js';
import { PACING_OFF, type PacingConfig, parseQuietHours } from '../src/delivery/pacing.js';
import { type CampaignProgress, progressQuery } from '../src/campaigns/campaign.workflow.js';
import { statusQuery } from '../src/steps/steps.js';
import { createEffectiveSettings } from '../src/workspaces/effective-settings.js';
import { endRun } from './helpers/end-run.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const pacing: PacingConfig = {
  quietHours: parseQuietHours('21:00-08:00'),
  defaultTimeZone: 'UTC',
  caps: { day: 1, week: 0 },
  capMode: 'defer',
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, pacing });
});
afterAll(async () => {
  await stack?.close();
});

/** A fixed-offset zone in which the instant `at` reads `hour`:xx on the local clock. */
function zoneWhere(at: number, hour: number): string {
  let offset = (hour - new Date(at).getUTCHours() + 24) % 24;
  if (offset > 14) offset -= 24;
  // Etc/GMT names count the other way: Etc/GMT-9 is UTC+9.
  return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

const localTime = (at: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

async function customer(timezone: string) {
  const id = uid('pace-cust');
  const email = `${id}@example.com`;
  expect((await stack.api('PUT', `/api/customers/${id}`, { email, name: 'Ada', timezone })).status).toBe(201);
  return { id, email, mail: () => stack.mail.list().filter((m) => m.to.includes(email)) };
}

const abandon = (customerId: string, cartId: string) =>
  stack.api('POST', '/api/events', {
    id: uid('evt'),
    type: 'cart_abandoned',
    customerId,
    properties: { cart_id: cartId, items: [{ sku: 'MUG-1', name: 'Blue mug', price: 12.5, quantity: 1 }] },
  });

/** The run asleep in `step` until a wake-up `accept` likes; returns that instant. */
async function asleepIn(handle: WorkflowHandle, step: string, accept: (wake: number) => boolean = () => true): Promise<number> {
  const s = await waitFor(async () => {
    const st = await handle.query(statusQuery);
    return st.currentStep === step && st.nextWakeUp && accept(Date.parse(st.nextWakeUp)) ? st : null;
  }, `the run asleep in ${step}`);
  return Date.parse(s.nextWakeUp!);
}

/** The stack's installation settings with other pacing (activities built by hand, in the default workspace). */
const installationWith = (pacing: PacingConfig) =>
  createEffectiveSettings(stack.database.db, { ...stack.services.effectiveSettings.installation, pacing });

const rowsOf = (customerId: string) => stack.database.db.select().from(messages).where(eq(messages.customerId, customerId));

async function sleepUntil(at: number, plus = 60_000) {
  await stack.env.sleep(at - (await stack.env.currentTimeMs()) + plus);
}

describe('quiet hours', () => {
  it('holds a cart reminder due at 23:xx local until 08:00 there, with a durable timer', async () => {
    const now = await stack.env.currentTimeMs();
    const zone = zoneWhere(now + HOUR, 23);
    const c = await customer(zone);
    expect((await abandon(c.id, 'q1')).status).toBe(202);
    const handle = stack.client.workflow.getHandle(cartRecoveryWorkflowId(c.id, 'q1'));
    const reminderAt = await asleepIn(handle, 'reminder');
    expect(localTime(reminderAt, zone)).toMatch(/^23:/);

    // Due inside quiet hours: the run sleeps again, in the same step, until 08:00 local.
    await sleepUntil(reminderAt);
    const opensAt = await asleepIn(handle, 'reminder', (wake) => wake > reminderAt);
    expect(localTime(opensAt, zone)).toBe('08:00');
    expect(opensAt - reminderAt).toBeGreaterThan(8 * HOUR);
    expect(opensAt - reminderAt).toBeLessThanOrEqual(9 * HOUR);
    expect(c.mail()).toHaveLength(0);
    expect(await rowsOf(c.id)).toHaveLength(0);

    // A minute before it opens: still nothing. At 08:00: the reminder.
    await sleepUntil(opensAt, -60_000);
    expect(c.mail()).toHaveLength(0);
    await sleepUntil(opensAt);
    await stack.mail.waitFor((m) => m.to.includes(c.email));
    const rows = await waitFor(async () => {
      const r = await rowsOf(c.id);
      return r.length === 1 && r[0]!.status === 'sent' ? r : null;
    }, 'the reminder row sent');
    expect(rows[0]).toMatchObject({ stepKey: 'reminder', transactional: false });
    await asleepIn(handle, 'coupon');
    await endRun(handle);
  });

  it('sends a transactional welcome at once at night, and holds the next day’s guide', async () => {
    const now = await stack.env.currentTimeMs();
    const zone = zoneWhere(now, 22);
    const c = await customer(zone);
    expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: c.id })).status).toBe(202);
    const welcome = await stack.mail.waitFor((m) => m.to.includes(c.email));
    expect(welcome.subject).toContain('Welcome');
    const handle = stack.client.workflow.getHandle(welcomeWorkflowId(c.id));
    const guideAt = await asleepIn(handle, 'guide');
    expect(localTime(guideAt, zone)).toMatch(/^22:/);
    await sleepUntil(guideAt);
    const opensAt = await asleepIn(handle, 'guide', (wake) => wake > guideAt);
    expect(localTime(opensAt, zone)).toBe('08:00');
    expect(c.mail()).toHaveLength(1);
    const [row] = await rowsOf(c.id);
    expect(row).toMatchObject({ stepKey: 'welcome', status: 'sent', transactional: true });
    await endRun(handle);
  });
});

describe('quiet hours in marketer-defined flows', () => {
  it('holds a flow’s email triggered at 21:xx local until 08:00, then sends it', async () => {
    const trigger = uid('night').replace('-', '_');
    const created = await stack.api('POST', '/api/flows', {
      name: uid('flow'),
      trigger_event: trigger,
      exit_on: [],
      actions: [{ type: 'send_email', template: { subject: 'Night owl', html: '<p>Hi</p>', text: 'Hi' } }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const flowId = created.body.flow.id as string;
    expect((await stack.api('POST', `/api/flows/${flowId}/activate`)).status).toBe(200);

    const now = await stack.env.currentTimeMs();
    const zone = zoneWhere(now, 21);
    const c = await customer(zone);
    expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: c.id })).status).toBe(202);
    const handle = stack.client.workflow.getHandle(flowWorkflowId(flowId, c.id));
    const opensAt = await asleepIn(handle, '0-send_email', (wake) => wake > now);
    expect(localTime(opensAt, zone)).toBe('08:00');
    expect(c.mail()).toHaveLength(0);
    await sleepUntil(opensAt);
    const mail = await stack.mail.waitFor((m) => m.to.includes(c.email));
    expect(mail.subject).toBe('Night owl');
    expect(await handle.result()).toMatchObject({ outcome: 'completed' });
  });
});

describe('frequency caps', () => {
  it('lets one of two journeys racing for a cap of 1 per day send; the other waits a day', async () => {
    const now = await stack.env.currentTimeMs();
    // 10:xx local when the reminders are due, and still daytime a day later.
    const zone = zoneWhere(now + HOUR, 10);
    const c = await customer(zone);
    await Promise.all([abandon(c.id, 'a'), abandon(c.id, 'b')]);
    const handles = ['a', 'b'].map((cart) => stack.client.workflow.getHandle(cartRecoveryWorkflowId(c.id, cart)));
    const due = await Promise.all(handles.map((h) => asleepIn(h, 'reminder')));
    await sleepUntil(Math.max(...due));

    await stack.mail.waitFor((m) => m.to.includes(c.email));
    const sent = await waitFor(async () => {
      const r = await rowsOf(c.id);
      return r.length === 1 && r[0]!.status === 'sent' ? r[0]! : null;
    }, 'one reminder row sent');
    // The other run sleeps, still before its reminder, until the sent one is a day old.
    const loser = handles.find((h) => h.workflowId !== sent.workflowId)!;
    const winner = handles.find((h) => h.workflowId === sent.workflowId)!;
    const deferredTo = await asleepIn(loser, 'reminder', (wake) => wake > Math.max(...due));
    expect(deferredTo).toBe(sent.createdAt.getTime() + DAY);
    expect(c.mail()).toHaveLength(1);
    await asleepIn(winner, 'coupon');
    await Promise.all(handles.map(endRun));
  });

  it('decides atomically: of eight concurrent reservations under a cap of 1, exactly one passes', async () => {
    const c = await customer('UTC');
    const { reserveTouch } = createPacingActivities({
      db: stack.database.db,
      settings: installationWith({ ...PACING_OFF, caps: { day: 1, week: 0 } }),
    });
    const input = (i: number): ReserveInput => ({
      idempotencyKey: `${c.id}/race/${i}`,
      customerId: c.id,
      journeyKey: 'test',
      journeyVersion: null,
      workflowId: `race/${i}`,
      stepKey: `s${i}`,
      channel: 'email',
      transactional: false,
      now: Date.now(),
    });
    const decisions = await Promise.all(Array.from({ length: 8 }, (_, i) => reserveTouch(input(i))));
    expect(decisions.filter((d) => d.status === 'reserved')).toHaveLength(1);
    expect(decisions.filter((d) => d.status === 'deferred' && d.reason === 'frequency_cap')).toHaveLength(7);
    expect(await rowsOf(c.id)).toHaveLength(1);
    // Asking again for the key that passed is still a pass (a retried activity); transactional ones pass the cap.
    const winner = decisions.findIndex((d) => d.status === 'reserved');
    expect(await reserveTouch(input(winner))).toEqual({ status: 'reserved' });
    expect(await reserveTouch({ ...input(99), transactional: true })).toEqual({ status: 'reserved' });
  });

  it('records a capped message as skipped with the reason when caps are set to skip', async () => {
    const c = await customer('UTC');
    const { reserveTouch } = createPacingActivities({
      db: stack.database.db,
      settings: installationWith({ ...PACING_OFF, caps: { day: 0, week: 1 }, capMode: 'skip' }),
    });
    const base = {
      customerId: c.id,
      journeyKey: 'test',
      journeyVersion: null,
      workflowId: 'w',
      channel: 'email' as const,
      transactional: false,
    };
    expect(await reserveTouch({ ...base, idempotencyKey: `${c.id}/1`, stepKey: 'one', now: Date.now() })).toEqual({ status: 'reserved' });
    expect(await reserveTouch({ ...base, idempotencyKey: `${c.id}/2`, stepKey: 'two', now: Date.now() + 6 * DAY })).toEqual({
      status: 'skipped',
      reason: 'frequency_cap',
    });
    const rows = await rowsOf(c.id);
    expect(rows.map((r) => [r.stepKey, r.status, r.errorMessage]).sort()).toEqual([
      ['one', 'pending', null],
      ['two', 'skipped', 'frequency_cap'],
    ]);
  });

  it('skips broadcast recipients at their cap with the reason, counting neither transactional mail nor the broadcast’s own records', async () => {
    const tag = uid('capped');
    // Recipients in their afternoon: the broadcast is not held by quiet hours.
    const zone = zoneWhere(await stack.env.currentTimeMs(), 14);
    const fresh = await customer(zone);
    const busy = await customer(zone);
    const welcomed = await customer(zone);
    for (const c of [fresh, busy, welcomed]) expect((await stack.api('PUT', `/api/customers/${c.id}`, { tags: [tag] })).status).toBe(200);
    // busy got a marketing message an hour ago; welcomed only a transactional one.
    const base = {
      customerId: busy.id,
      stepKey: 'earlier',
      channel: 'email' as const,
      status: 'sent' as const,
      createdAt: new Date(Date.now() - HOUR),
    };
    await stack.database.db.insert(messages).values([
      { ...base, idempotencyKey: uid('earlier') },
      { ...base, customerId: welcomed.id, idempotencyKey: uid('earlier'), transactional: true },
    ]);

    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('campaign'),
      type: 'email',
      target_tags: [tag],
      content: 'Hi {{ customer.first_name }}',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const trig = await stack.api('POST', `/api/marketing/campaigns/${created.body.id}/trigger`, { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    const done = (await stack.client.workflow
      .getHandle(campaignWorkflowId(created.body.id, trig.body.execution_id))
      .result()) as CampaignProgress;
    expect(done).toMatchObject({ sent: 2, skipped: 1 });
    const records = await stack.database.db.select().from(messages).where(eq(messages.campaignId, created.body.id));
    expect(records.map((r) => [r.customerId, r.status, r.errorMessage]).sort()).toEqual(
      [
        [busy.id, 'skipped', 'frequency_cap'],
        [fresh.id, 'sent', null],
        [welcomed.id, 'sent', null],
      ].sort(),
    );
    expect(busy.mail()).toHaveLength(0);
  });

  it('decides a broadcast batch’s caps under the customers’ pacing locks: a journey holding one makes the batch wait, and then count its message', async () => {
    const zone = zoneWhere(await stack.env.currentTimeMs(), 14);
    const tag = uid('locked');
    const held = await customer(zone);
    const free = await customer(zone);
    for (const c of [held, free]) expect((await stack.api('PUT', `/api/customers/${c.id}`, { tags: [tag] })).status).toBe(200);
    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('campaign'),
      type: 'email',
      target_tags: [tag],
      content: 'Hi {{ customer.first_name }}',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const deps = {
      db: stack.database.db,
      channels: { email: stack.email },
      settings: installationWith({ ...PACING_OFF, caps: { day: 1, week: 0 } }),
      config: {},
    } as never;
    const { sendCampaignBatch } = createCampaignActivities(deps);
    const executionId = uid('exec');
    const waitingForLock = async () =>
      resultRows<{ n: number }>(
        await stack.database.db.execute(
          sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = ${PACING_LOCK_CLASS} and objsubid = 2 and not granted`,
        ),
      )[0]!.n > 0;

    // A journey's reservation for `held` holds its lock (as reserveTouch does) while the batch starts.
    let batch: Promise<unknown> | undefined;
    await stack.database.db.transaction(async (tx) => {
      await lockCustomers(tx, [held.id]);
      batch = new MockActivityEnvironment().run(sendCampaignBatch, {
        campaignId: created.body.id,
        executionId,
        mode: 'actual' as const,
        after: null,
        limit: 100,
        endAt: null,
        now: await stack.env.currentTimeMs(),
      });
      await waitFor(waitingForLock, 'the batch waiting for the pacing lock');
      // The journey's message, reserved before the batch may count.
      await tx.insert(messages).values({ idempotencyKey: uid('journey'), customerId: held.id, stepKey: 'reminder', channel: 'email' });
    });
    await batch;
    const records = await stack.database.db.select().from(messages).where(eq(messages.executionId, executionId));
    expect(records.map((r) => [r.customerId, r.status, r.errorMessage]).sort()).toEqual(
      [
        [free.id, 'sent', null],
        [held.id, 'skipped', 'frequency_cap'],
      ].sort(),
    );
  });
});

describe('quiet hours in broadcasts', () => {
  it('sends at once to recipients in their day and holds those in their night until 08:00 local, with a durable timer', async () => {
    const now = await stack.env.currentTimeMs();
    const tag = uid('night');
    const zones = { day: zoneWhere(now, 12), late: zoneWhere(now, 23), early: zoneWhere(now, 3) };
    const day = await customer(zones.day);
    const late = await customer(zones.late);
    const early = await customer(zones.early);
    for (const c of [day, late, early]) expect((await stack.api('PUT', `/api/customers/${c.id}`, { tags: [tag] })).status).toBe(200);
    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('campaign'),
      type: 'email',
      target_tags: [tag],
      content: 'Hi {{ customer.first_name }}',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const trig = await stack.api('POST', `/api/marketing/campaigns/${created.body.id}/trigger`, { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    const handle = stack.client.workflow.getHandle(campaignWorkflowId(created.body.id, trig.body.execution_id));
    const progress = (accept: (p: CampaignProgress) => boolean, what: string) =>
      waitFor(async () => {
        const p = await handle.query(progressQuery);
        return accept(p) ? p : null;
      }, what);

    // The day recipient has it; the two at night wait, and the run sleeps until the first 08:00 (early's).
    const first = await progress((p) => p.deferred === 2 && p.deferredUntil !== null, 'two recipients waiting');
    expect(first).toMatchObject({ state: 'running', processed: 1, sent: 1 });
    expect(localTime(first.deferredUntil!, zones.early)).toBe('08:00');
    await stack.mail.waitFor((m) => m.to.includes(day.email));
    expect(late.mail()).toHaveLength(0);
    expect(early.mail()).toHaveLength(0);
    expect((await rowsOf(late.id)).map((r) => [r.status, r.errorMessage])).toEqual([['pending', 'quiet_hours']]);

    // A minute before: nothing. At early's 08:00: early's mail, not late's, and the next wait is late's 08:00.
    await sleepUntil(first.deferredUntil!, -60_000);
    expect(early.mail()).toHaveLength(0);
    await sleepUntil(first.deferredUntil!);
    await stack.mail.waitFor((m) => m.to.includes(early.email));
    const second = await progress(
      (p) => p.deferred === 1 && p.deferredUntil !== null && p.deferredUntil > first.deferredUntil!,
      'one recipient waiting',
    );
    expect(second).toMatchObject({ processed: 2, sent: 2 });
    expect(localTime(second.deferredUntil!, zones.late)).toBe('08:00');
    expect(late.mail()).toHaveLength(0);

    await sleepUntil(second.deferredUntil!);
    const done = (await handle.result()) as CampaignProgress;
    expect(done).toMatchObject({ state: 'completed', stopReason: 'audience_done', processed: 3, sent: 3, skipped: 0, deferred: 0 });
    for (const c of [day, late, early]) expect(c.mail()).toHaveLength(1);
    // The waits were timers in the workflow's history, not retries.
    const history = await handle.fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
    expect(timers.length).toBeGreaterThanOrEqual(2);
  });
});
