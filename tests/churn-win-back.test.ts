// Churn win-back through the real stack: activity tracked on the customer row, a sweep that starts one run
// per silence, activity that ends the run. Time skipping stands in for the 30/45/60 days.
import type { WorkflowHandle } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coupons, customers, journeyRuns, messages } from '../src/db/schema.js';
import { churnWinBackWorkflowId } from '../src/temporal/workflow-ids.js';
import { CustomerIdKey, JourneyKeyKey, JourneyStepKey } from '../src/temporal/search-attributes.js';
import type { ChurnStatus, churnWinBack } from '../src/journeys/churn-win-back.workflow.js';
import { statusQuery } from '../src/steps/steps.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: a sweep after weeks of skipped time would otherwise find other files' customers.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const now = () => stack.env.currentTimeMs();

async function customer(name = 'Ada') {
  const id = uid('churn');
  const email = `${id}@example.com`;
  expect((await stack.api('PUT', `/api/customers/${id}`, { email, name })).status).toBe(201);
  return {
    id,
    email,
    run: (lastActivityAt: number): WorkflowHandle<typeof churnWinBack> =>
      stack.client.workflow.getHandle(churnWinBackWorkflowId(id, lastActivityAt)),
    mail: () => stack.mail.list().filter((m) => m.to.includes(email)),
    rows: () => stack.database.db.select().from(messages).where(eq(messages.customerId, id)),
    row: async () => (await stack.database.db.select().from(customers).where(eq(customers.id, id)))[0]!,
  };
}
type Customer = Awaited<ReturnType<typeof customer>>;

/** An event through the API, stamped with the test server's clock (or `at`). */
async function event(c: Customer, options: { type?: string; at?: number; id?: string } = {}) {
  const at = options.at ?? (await now());
  const body = { id: options.id ?? uid('evt'), type: options.type ?? 'login', customerId: c.id, timestamp: iso(at) };
  const res = await stack.api('POST', '/api/events', body);
  expect(res.status).toBe(202);
  return { at, result: res.body.results[0] };
}

async function sweep(): Promise<number> {
  const res = await stack.api('POST', '/api/journeys/churn_win_back/sweep');
  expect(res.status).toBe(200);
  return res.body.started;
}

const status = (handle: WorkflowHandle) => handle.query(statusQuery) as Promise<ChurnStatus>;

/** The run asleep before `step`, due at `due`. */
const asleepBefore = (handle: WorkflowHandle, step: string, due: number) =>
  waitFor(
    async () => {
      const s = await status(handle);
      if (s.currentStep === step && s.nextWakeUp === iso(due)) return s;
      throw new Error(`status ${JSON.stringify(s)}`);
    },
    `the run asleep before ${step} until ${iso(due)}`,
  );

const subjects = (c: Customer) => c.mail().map((m) => m.subject);
const mailCount = (c: Customer, n: number) => waitFor(() => c.mail().length === n, `${n} mails to ${c.email}`);

describe('churn win-back', () => {
  it('sends we-miss-you at 30 days of silence, the offer at 45 and the final recall at 60, each once', async () => {
    const c = await customer();
    const { at: t0, result } = await event(c);
    // Activity starts nothing: it is written on the customer row, in the statement that stores the event.
    expect(result.journeys).toEqual([]);
    expect((await c.row()).lastActivityAt?.getTime()).toBe(t0);

    expect(await sweep()).toBe(0);
    await stack.env.sleep('30 days');
    expect(await sweep()).toBeGreaterThanOrEqual(1);
    const run = c.run(t0);
    expect((await c.row()).churnRunId).toBe(run.workflowId);

    await mailCount(c, 1);
    expect(subjects(c)).toEqual(['We miss you, Ada']);
    const waiting = await asleepBefore(run, 'offer', t0 + 45 * DAY);
    expect(waiting).toMatchObject({ journey: 'churn_win_back', customerId: c.id, version: 1, lastActivityAt: iso(t0) });
    const { typedSearchAttributes } = await run.describe();
    expect(typedSearchAttributes.get(CustomerIdKey)).toBe(c.id);
    expect(typedSearchAttributes.get(JourneyKeyKey)).toBe('churn_win_back');
    expect(typedSearchAttributes.get(JourneyStepKey)).toBe('offer');
    const [registry] = await stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, run.workflowId));
    expect(registry).toMatchObject({ journeyKey: 'churn_win_back', customerId: c.id });
    // A second sweep finds the customer already in a run for this silence.
    await sweep();
    expect((await stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, c.id))).length).toBe(1);

    await stack.env.sleep('15 days');
    await mailCount(c, 2);
    const [coupon] = await stack.database.db.select().from(coupons).where(eq(coupons.customerId, c.id));
    expect(c.mail()[1]!.subject).toBe('Come back: 20% off for 7 days');
    expect(c.mail()[1]!.text).toContain(coupon!.code);

    await asleepBefore(run, 'final_recall', t0 + 60 * DAY);
    await stack.env.sleep('15 days');
    expect(await run.result()).toEqual({
      outcome: 'completed',
      steps: [
        { step: 'miss_you', status: 'sent' },
        { step: 'offer', status: 'sent' },
        { step: 'final_recall', status: 'sent' },
      ],
    });
    await mailCount(c, 3);
    expect(subjects(c)).toEqual(['We miss you, Ada', 'Come back: 20% off for 7 days', 'Should we stay in touch, Ada?']);
    const rows = await waitFor(
      async () => ((await c.rows()).filter((r) => r.status === 'sent').length === 3 ? c.rows() : null),
      'three sent rows',
    );
    expect(rows.map((r) => r.stepKey).sort()).toEqual(['final_recall', 'miss_you', 'offer']);

    // The series is over; a new one needs the customer to come back and go quiet again.
    await sweep();
    expect((await stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, c.id))).length).toBe(1);
  });

  for (const waitingFor of ['offer', 'final_recall'] as const) {
    it(`ends the run when the customer comes back while it waits for the ${waitingFor}, and counts a new silence from then`, async () => {
      const c = await customer('Grace');
      const { at: t0 } = await event(c);
      await stack.env.sleep('30 days');
      await sweep();
      const run = c.run(t0);
      await asleepBefore(run, 'offer', t0 + 45 * DAY);
      if (waitingFor === 'final_recall') {
        await stack.env.sleep('15 days');
        await asleepBefore(run, 'final_recall', t0 + 60 * DAY);
      }
      const sent = waitingFor === 'offer' ? 1 : 2;
      await mailCount(c, sent);

      const { at: t1, result } = await event(c, { type: 'page_view' });
      expect(result.journeys).toEqual([{ journey: 'churn_win_back', workflowId: run.workflowId, result: 'queued' }]);
      expect(await run.result()).toMatchObject({ outcome: 'exited', reason: 'reactivated' });
      expect(await c.row()).toMatchObject({ churnRunId: null, lastActivityAt: new Date(t1) });

      // Nothing more from that run; a new silence of 30 days starts a new run with its own messages.
      await stack.env.sleep('29 days');
      await sweep();
      expect(c.mail()).toHaveLength(sent);
      await stack.env.sleep('1 day');
      await sweep();
      const next = c.run(t1);
      await asleepBefore(next, 'offer', t1 + 45 * DAY);
      await mailCount(c, sent + 1);
      expect(c.mail().at(-1)!.subject).toBe('We miss you, Grace');
      expect(await stack.api('POST', `/api/journeys/runs/${encodeURIComponent(next.workflowId)}/cancel`)).toMatchObject({ status: 202 });
      expect(await next.result()).toMatchObject({ outcome: 'exited', reason: 'cancelled' });
      expect((await c.rows()).filter((r) => r.stepKey === 'miss_you')).toHaveLength(2);
    });
  }

  it('takes duplicate, late and non-activity events for what they are', async () => {
    const c = await customer();
    const { at: t0 } = await event(c, { id: 'same' + c.id });
    // The same event again, an older activity arriving late, and an event that is not activity.
    expect((await event(c, { id: 'same' + c.id, at: t0 + DAY })).result).toEqual({ id: 'same' + c.id, status: 'duplicate' });
    await event(c, { at: t0 - 10 * DAY });
    await event(c, { type: 'email_opened' });
    expect((await c.row()).lastActivityAt?.getTime()).toBe(t0);

    await stack.env.sleep('30 days');
    await sweep();
    const run = c.run(t0);
    await asleepBefore(run, 'offer', t0 + 45 * DAY);
    // During the run: late activity from before the silence, and non-activity, end nothing.
    expect((await event(c, { at: t0 - DAY })).result.journeys).toEqual([]);
    expect((await event(c, { type: 'email_opened' })).result.journeys).toEqual([]);
    expect(await status(run)).toMatchObject({ exited: null, currentStep: 'offer' });
    expect((await c.row()).churnRunId).toBe(run.workflowId);
    await stack.api('POST', `/api/journeys/runs/${encodeURIComponent(run.workflowId)}/cancel`);
    expect(await run.result()).toMatchObject({ outcome: 'exited', reason: 'cancelled' });
    expect(c.mail()).toHaveLength(1);
  });

  it('ends the run once when two activity events race', async () => {
    const c = await customer();
    const { at: t0 } = await event(c);
    await stack.env.sleep('30 days');
    await sweep();
    const run = c.run(t0);
    await asleepBefore(run, 'offer', t0 + 45 * DAY);
    const at = await now();
    const [a, b] = await Promise.all([event(c, { at }), event(c, { type: 'app_open', at: at + 1000 })]);
    const ended = [a, b].flatMap((e) => e.result.journeys);
    expect(ended).toEqual([{ journey: 'churn_win_back', workflowId: run.workflowId, result: 'queued' }]);
    expect(await run.result()).toMatchObject({ outcome: 'exited', reason: 'reactivated' });
    expect(c.mail()).toHaveLength(1);
  });

  it('sends nothing when the customer came back just before a late-starting run', async () => {
    const c = await customer();
    const { at: t0 } = await event(c);
    await stack.env.sleep('30 days');
    // A sweep read the customer as quiet, then the customer came back before the run started: nobody
    // signals the run (it was not recorded on the customer), so it checks before it sends.
    await event(c);
    const outcome = await stack.journeys.startChurnWinBack(c.id, t0);
    expect(outcome.result).toBe('dispatched');
    expect(await c.run(t0).result()).toEqual({ outcome: 'exited', reason: 'reactivated', steps: [] });
    expect(c.mail()).toHaveLength(0);
    expect((await c.row()).churnRunId).toBeNull();
  });

  it('starts a customer found long quiet with the first message, keeping the spacing', async () => {
    const c = await customer();
    const t0 = (await now()) - 50 * DAY;
    await event(c, { at: t0 });
    await sweep();
    const run = c.run(t0);
    await mailCount(c, 1);
    expect(subjects(c)).toEqual(['We miss you, Ada']);
    // Counted as if the silence had begun 31 days before the run (a day of grace), not 50.
    const started = (await run.describe()).startTime.getTime();
    await asleepBefore(run, 'offer', started - 31 * DAY + 45 * DAY);
    await stack.api('POST', `/api/journeys/runs/${encodeURIComponent(run.workflowId)}/cancel`);
    await run.result();
  });

  it('keeps the configuration a run started with; new runs take the new one', async () => {
    const before = await customer('Old');
    const { at: t0 } = await event(before);
    await stack.env.sleep('30 days');
    await sweep();
    const old = before.run(t0);
    await asleepBefore(old, 'offer', t0 + 45 * DAY);

    const current = (await stack.api('GET', '/api/journeys/churn_win_back')).body.journey;
    const steps = current.steps.map((s: { key: string }) => (s.key === 'offer' ? { ...s, offset: '40 days' } : s));
    const put = await stack.api('PUT', '/api/journeys/churn_win_back', { steps });
    expect(put.status).toBe(200);
    expect(await status(old)).toMatchObject({ version: current.version, nextWakeUp: iso(t0 + 45 * DAY) });
    try {
      const after = await customer('New');
      const { at: t1 } = await event(after);
      await stack.env.sleep('30 days');
      await sweep();
      const fresh = after.run(t1);
      expect(await asleepBefore(fresh, 'offer', t1 + 40 * DAY)).toMatchObject({ version: put.body.journey.version });
      // The old run still waits for day 45 of its own silence (which the 30 days above went past).
      expect(await old.result()).toMatchObject({ outcome: 'completed' });
      expect(await status(fresh)).toMatchObject({ currentStep: 'offer' });
      await stack.api('POST', `/api/journeys/runs/${encodeURIComponent(fresh.workflowId)}/cancel`);
      await fresh.result();
    } finally {
      expect((await stack.api('PUT', '/api/journeys/churn_win_back', { steps: current.steps })).status).toBe(200);
    }
  });

  it('sweeps past erased customers, and erasure ends a run', async () => {
    const gone = await customer();
    const { at: t0 } = await event(gone);
    const leaving = await customer();
    const { at: t1 } = await event(leaving);
    expect((await stack.api('DELETE', `/api/customers/${gone.id}`)).status).toBe(200);
    await stack.env.sleep('30 days');
    await sweep();
    await mailCount(leaving, 1);
    expect(await stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, gone.id))).toEqual([]);
    await expect(gone.run(t0).describe()).rejects.toThrow();

    const run = leaving.run(t1);
    await asleepBefore(run, 'offer', t1 + 45 * DAY);
    expect((await stack.api('DELETE', `/api/customers/${leaving.id}`)).status).toBe(200);
    expect(await run.result()).toMatchObject({ outcome: 'exited', reason: 'erased' });
  });
});
