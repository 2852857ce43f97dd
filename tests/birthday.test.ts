// The birthday journey through the real stack: PUT /api/customers → Temporal (time-skipping) → SMTP + PostgreSQL.
// The test server's clock starts at the real "now" and only moves with env.sleep, so every expectation is
// computed from the server's time (env.currentTimeMs), never from Date.now().
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { coupons, messages } from '../src/db/schema.js';
import { nextBirthday, nextBirthdayAt } from '../src/journeys/birthday.js';
import { birthdayWorkflowId } from '../src/temporal/workflow-ids.js';
import { exitSignal, type JourneyResult, type JourneyStatus, statusQuery } from '../src/steps/steps.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

// Every run a test leaves going is ended before the next test moves the clock (a year at a time).
const started: WorkflowHandle[] = [];
afterEach(async () => {
  for (const handle of started.splice(0)) {
    try {
      if ((await handle.describe()).status.name !== 'RUNNING') continue;
      await waitForWakeUp(handle);
      await handle.signal(exitSignal, { reason: 'cancelled' });
      await handle.result();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
});

/** 'YYYY-MM-DD' of the day `days` after the server's now (UTC), in a past year as the API requires. */
async function dayFromNow(days: number, year = 1990): Promise<string> {
  return `${year}${iso((await stack.env.currentTimeMs()) + days * DAY).slice(4, 10)}`;
}

async function customer(profile: { birthday?: string | null; timezone?: string | null; consent?: { email: boolean } }, name = 'Ada') {
  const id = uid('bday-cust');
  const email = `${id}@example.com`;
  const put = await stack.api('PUT', `/api/customers/${id}`, { email, name, ...profile });
  expect(put.status).toBe(201);
  const handle: WorkflowHandle<() => Promise<JourneyResult>> = stack.client.workflow.getHandle(birthdayWorkflowId(id));
  started.push(handle);
  return {
    id,
    email,
    handle,
    mail: () => stack.mail.list().filter((m) => m.to.includes(email)),
    update: (patch: Record<string, unknown>) => stack.api('PUT', `/api/customers/${id}`, patch),
  };
}

/** The run asleep until its next greeting (optionally: until exactly `at`); the status right after a mail may be stale. */
function waitForWakeUp(handle: WorkflowHandle, at?: number): Promise<JourneyStatus> {
  return waitFor(
    async () => {
      const s = await handle.query(statusQuery);
      return s.nextWakeUp && (at === undefined || s.nextWakeUp === iso(at)) ? s : null;
    },
    `the birthday journey asleep until ${at === undefined ? 'its next greeting' : iso(at)}`,
  );
}

/** Moves the server's clock to `ms` after the instant `at`. */
async function sleepUntil(at: number, plus = 60_000) {
  const now = await stack.env.currentTimeMs();
  await stack.env.sleep(at - now + plus);
}

/** The customer's message rows, once all of them are committed (the mail arrives a moment before its row). */
const sentRows = (customerId: string, n: number) =>
  waitFor(async () => {
    const rows = await stack.database.db.select().from(messages).where(eq(messages.customerId, customerId));
    return rows.length === n && rows.every((r) => r.status === 'sent') ? rows : null;
  }, `${n} sent message rows`);

const localTime = (at: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(at);

describe('birthday journey', () => {
  it('greets at 09:00 local time with a coupon, once a year, continuing as new after each greeting', async () => {
    const zone = 'America/New_York';
    const birthday = await dayFromNow(5);
    const c = await customer({ birthday, timezone: zone });

    const { startTime, runId: firstRunId } = await c.handle.describe();
    const first = nextBirthday(birthday, zone, startTime.getTime());
    const status = await waitForWakeUp(c.handle, first.at);
    expect(status).toMatchObject({ journey: 'birthday', customerId: c.id, currentStep: 'greeting', exited: null });
    expect(localTime(first.at, zone)).toMatch(/ 09:00$/);

    // Nothing the hour before; the greeting at 09:00, with its coupon.
    await sleepUntil(first.at, -HOUR);
    expect(c.mail()).toHaveLength(0);
    await sleepUntil(first.at);
    const greeting = await stack.mail.waitFor((m) => m.to.includes(c.email));
    expect(greeting.subject).toBe('Happy birthday, Ada!');
    const code = /use code ([A-Z2-9]{10}) until/.exec(greeting.text)?.[1];
    expect(code).toBeDefined();
    expect(greeting.text).toContain('20% off');
    expect(greeting.html).toContain(`<strong>${code}</strong>`);
    const [row] = await sentRows(c.id, 1);
    expect(row).toMatchObject({
      journeyKey: 'birthday',
      stepKey: `greeting-${first.year}`,
      idempotencyKey: `${birthdayWorkflowId(c.id)}/greeting-${first.year}`,
    });

    // A new run (continue-as-new) sleeps until next year's birthday.
    const second = nextBirthday(birthday, zone, first.at);
    expect(second.year).toBe(first.year + 1);
    await waitForWakeUp(c.handle, second.at);
    const afterFirst = await c.handle.describe();
    expect(afterFirst.runId).not.toBe(firstRunId);
    const firstRun = await stack.client.workflow.getHandle(birthdayWorkflowId(c.id), firstRunId).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    expect(c.mail()).toHaveLength(1);

    await sleepUntil(second.at);
    const again = await stack.mail.waitFor((m) => m.to.includes(c.email) && !m.text.includes(code!));
    expect(again.subject).toBe('Happy birthday, Ada!');
    await sentRows(c.id, 2);
    await waitForWakeUp(c.handle, nextBirthdayAt(birthday, zone, second.at));
    const afterSecond = await c.handle.describe();
    expect(afterSecond.runId).not.toBe(afterFirst.runId);
    // Each run's history stays a handful of events, however many years the journey lives.
    expect((await c.handle.fetchHistory()).events?.length).toBeLessThan(30);
    expect(c.mail()).toHaveLength(2);
    const issued = await stack.database.db.select().from(coupons).where(eq(coupons.customerId, c.id));
    expect(issued.map((r) => r.idempotencyKey).sort()).toEqual(
      [first.year, second.year].map((y) => `${birthdayWorkflowId(c.id)}/greeting-${y}`),
    );
  });

  it('greets on both sides of the date line at each zone’s own 09:00 (+14 and -11)', async () => {
    const birthday = await dayFromNow(4);
    const east = await customer({ birthday, timezone: 'Pacific/Kiritimati' });
    const west = await customer({ birthday, timezone: 'Pacific/Pago_Pago' });
    const { startTime } = await east.handle.describe();
    const eastAt = nextBirthdayAt(birthday, 'Pacific/Kiritimati', startTime.getTime());
    const westAt = nextBirthdayAt(birthday, 'Pacific/Pago_Pago', startTime.getTime());
    // The same calendar day, 25 hours apart: 09:00 at UTC+14, then 09:00 at UTC-11.
    expect(westAt - eastAt).toBe(25 * HOUR);
    expect(iso(eastAt).slice(11, 16)).toBe('19:00');
    expect(iso(westAt).slice(11, 16)).toBe('20:00');
    await waitForWakeUp(east.handle, eastAt);
    await waitForWakeUp(west.handle, westAt);

    await sleepUntil(eastAt);
    await stack.mail.waitFor((m) => m.to.includes(east.email));
    await waitForWakeUp(east.handle, nextBirthdayAt(birthday, 'Pacific/Kiritimati', eastAt));
    expect(west.mail()).toHaveLength(0);

    await sleepUntil(westAt);
    await stack.mail.waitFor((m) => m.to.includes(west.email));
    await waitForWakeUp(west.handle, nextBirthdayAt(birthday, 'Pacific/Pago_Pago', westAt));
    expect(east.mail()).toHaveLength(1);
    expect(west.mail()).toHaveLength(1);
  });

  it('greets a 29 February birthday on 28 February in non-leap years and on the 29th in leap years', async () => {
    const c = await customer({ birthday: '2000-02-29', timezone: null });
    const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const { startTime } = await c.handle.describe();
    let at = nextBirthdayAt('2000-02-29', null, startTime.getTime());
    // Two consecutive years: (at least) one of them is not a leap year; the day follows the year.
    for (let i = 1; i <= 2; i++) {
      const year = new Date(at).getUTCFullYear();
      expect(iso(at)).toBe(`${year}-02-${isLeap(year) ? 29 : 28}T09:00:00.000Z`);
      await waitForWakeUp(c.handle, at);
      await sleepUntil(at);
      await waitFor(() => c.mail().length === i, `greeting ${i}`);
      at = nextBirthdayAt('2000-02-29', null, at);
    }
    await sentRows(c.id, 2);
    await waitForWakeUp(c.handle, at);
    expect(c.mail()).toHaveLength(2);
  });

  it('moves the next greeting when the time zone or the birthday changes; the old date sends nothing', async () => {
    const birthday = await dayFromNow(10);
    const c = await customer({ birthday, timezone: null });
    const { startTime } = await c.handle.describe();
    const oldAt = nextBirthdayAt(birthday, null, startTime.getTime());
    await waitForWakeUp(c.handle, oldAt);

    // Tokyo is UTC+9: 09:00 there is midnight UTC, nine hours earlier.
    expect((await c.update({ timezone: 'Asia/Tokyo' })).status).toBe(200);
    await waitForWakeUp(c.handle, oldAt - 9 * HOUR);

    const moved = await dayFromNow(20);
    expect((await c.update({ birthday: moved })).status).toBe(200);
    const now = await stack.env.currentTimeMs();
    const newAt = nextBirthdayAt(moved, 'Asia/Tokyo', now);
    await waitForWakeUp(c.handle, newAt);

    await sleepUntil(oldAt, HOUR);
    expect(c.mail()).toHaveLength(0);
    await sleepUntil(newAt);
    await stack.mail.waitFor((m) => m.to.includes(c.email));
    await sentRows(c.id, 1);
    await waitForWakeUp(c.handle);
    expect(c.mail()).toHaveLength(1);
  });

  it('does not greet twice in a year when the birthday moves to a later day after this year’s greeting', async () => {
    // Birthday in 3 days (4 when that is 31 December, so that the day after is in the same year).
    let birthday = await dayFromNow(3);
    if (birthday.endsWith('-12-31')) birthday = await dayFromNow(4);
    const c = await customer({ birthday, timezone: null });
    const { startTime } = await c.handle.describe();
    const first = nextBirthday(birthday, null, startTime.getTime());
    await waitForWakeUp(c.handle, first.at);
    await sleepUntil(first.at);
    await stack.mail.waitFor((m) => m.to.includes(c.email));
    await sentRows(c.id, 1);
    await waitForWakeUp(c.handle, nextBirthdayAt(birthday, null, first.at));

    // The next day of this same year was greeted already (a day ago): the greeting waits for next year.
    const dayAfter = `1990${iso(first.at + DAY).slice(4, 10)}`;
    expect((await c.update({ birthday: dayAfter })).status).toBe(200);
    const nextYear = nextBirthday(dayAfter, null, first.at + 2 * DAY);
    expect(nextYear.year).toBe(first.year + 1);
    await waitForWakeUp(c.handle, nextYear.at);
    await sleepUntil(first.at + DAY, HOUR);
    expect(c.mail()).toHaveLength(1);
  });

  it('ends when the birthday is removed, and starts afresh when one is set again', async () => {
    const c = await customer({ birthday: await dayFromNow(30), timezone: 'Europe/Berlin' });
    await waitForWakeUp(c.handle);
    const { runId } = await c.handle.describe();
    expect((await c.update({ birthday: null })).status).toBe(200);
    expect(await c.handle.result()).toEqual({ outcome: 'exited', reason: 'birthday_removed', steps: [] });

    // A time zone change for a customer with no birthday starts nothing.
    expect((await c.update({ timezone: 'Europe/Paris' })).status).toBe(200);
    expect((await c.handle.describe()).status.name).toBe('COMPLETED');

    const birthday = await dayFromNow(40);
    expect((await c.update({ birthday })).status).toBe(200);
    await waitForWakeUp(c.handle, nextBirthdayAt(birthday, 'Europe/Paris', await stack.env.currentTimeMs()));
    const again = await c.handle.describe();
    expect(again.runId).not.toBe(runId);
    expect(again.status.name).toBe('RUNNING');
    expect(c.mail()).toHaveLength(0);
  });

  it('starts no journey for a customer without a birthday', async () => {
    const c = await customer({ timezone: 'Europe/Berlin' });
    await expect(c.handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const res = await stack.api('GET', `/api/customers/${c.id}`);
    expect(res.body.journeys).toEqual([]);
  });

  it('starts none for a customer opted out of email, and starts one when they opt back in', async () => {
    const birthday = await dayFromNow(30);
    const c = await customer({ birthday, consent: { email: false } });
    await expect(c.handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect((await c.update({ consent: { email: true } })).status).toBe(200);
    await waitForWakeUp(c.handle, nextBirthdayAt(birthday, null, await stack.env.currentTimeMs()));
    // Opting out again ends it.
    expect((await c.update({ consent: { email: false } })).status).toBe(200);
    expect(await c.handle.result()).toMatchObject({ outcome: 'exited', reason: 'unsubscribed' });
  });

  it('ends when the customer is erased', async () => {
    const c = await customer({ birthday: await dayFromNow(30), timezone: 'Asia/Tokyo' });
    await waitForWakeUp(c.handle);
    const res = await stack.api('DELETE', `/api/customers/${c.id}`);
    expect(res).toMatchObject({ status: 200, body: { erased: true, journeysEnded: 1 } });
    expect(await c.handle.result()).toEqual({ outcome: 'exited', reason: 'erased', steps: [] });
    expect(c.mail()).toHaveLength(0);
  });
});
