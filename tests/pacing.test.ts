// Quiet hours and frequency caps through the real stack: API → Temporal (time-skipping) → PostgreSQL + SMTP.
// The test server's clock starts at the real "now", so each test picks the customer's time zone (a fixed
// Etc/GMT offset) that puts the send at the local hour it needs.
import type { WorkflowHandle } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignWorkflowId } from '../src/activities/campaigns.js';
import { createPacingActivities, type ReserveInput } from '../src/activities/pacing.js';
import { messages } from '../src/db/schema.js';
import { PACING_OFF, type PacingConfig, parseQuietHours } from '../src/domain/pacing.js';
import { cartRecoveryWorkflowId, flowWorkflowId, welcomeWorkflowId } from '../src/journeys/index.js';
import type { CampaignProgress } from '../src/workflows/campaign.js';
import { statusQuery } from '../src/workflows/steps.js';
import { endRun } from './helpers/end-run.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const pacing: PacingConfig = { quietHours: parseQuietHours('21:00-08:00'), defaultTimeZone: 'UTC', caps: { day: 1, week: 0 }, capMode: 'defer' };

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
      config: { brand: 'Touchpoint', pacing: { ...PACING_OFF, caps: { day: 1, week: 0 } } },
    } as never);
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
      config: { brand: 'Touchpoint', pacing: { ...PACING_OFF, caps: { day: 0, week: 1 }, capMode: 'skip' } },
    } as never);
    const base = { customerId: c.id, journeyKey: 'test', journeyVersion: null, workflowId: 'w', channel: 'email' as const, transactional: false };
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
    const fresh = await customer('UTC');
    const busy = await customer('UTC');
    const welcomed = await customer('UTC');
    for (const c of [fresh, busy, welcomed]) expect((await stack.api('PUT', `/api/customers/${c.id}`, { tags: [tag] })).status).toBe(200);
    // busy got a marketing message an hour ago; welcomed only a transactional one.
    const base = { customerId: busy.id, stepKey: 'earlier', channel: 'email' as const, status: 'sent' as const, createdAt: new Date(Date.now() - HOUR) };
    await stack.database.db.insert(messages).values([
      { ...base, idempotencyKey: uid('earlier') },
      { ...base, customerId: welcomed.id, idempotencyKey: uid('earlier'), transactional: true },
    ]);

    const created = await stack.api('POST', '/api/marketing/campaigns', { name: uid('campaign'), type: 'email', target_tags: [tag], content: 'Hi {{ customer.first_name }}' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const trig = await stack.api('POST', `/api/marketing/campaigns/${created.body.id}/trigger`, { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    const done = (await stack.client.workflow.getHandle(campaignWorkflowId(created.body.id, trig.body.execution_id)).result()) as CampaignProgress;
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
});
