// The outbox between ingest and Temporal: events are accepted at database speed with the worker stopped or
// Temporal unreachable, wait in the backlog, and once a worker is back every welcome journey mails its first
// email exactly once; two dispatchers never dispatch one event twice.
import { Client, Connection } from '@temporalio/client';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { events, messages } from '../src/db/schema.js';
import { type Dispatcher, startDispatcher } from '../src/events/dispatcher.js';
import type { Journeys } from '../src/journeys/journeys.js';
import { createServices } from '../src/services.js';
import { welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { seedAudience } from './helpers/audience.js';
import { BASE } from './helpers/campaigns-api.js';
import { endRun } from './helpers/end-run.js';
import { freePort } from './helpers/ports.js';
import { startWorkerProcess } from './helpers/worker-process.js';
import { type Stack, startStack, TEST_API_LIMITS, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let deadConnection: Connection;
beforeAll(async () => {
  // A database of its own: the backlog counts only this file's events. No worker until a test starts one.
  stack = await startStack({ timeSkipping: true, worker: false, isolatedDatabase: true });
  // A Temporal address nothing listens on: every call fails, as in an outage.
  deadConnection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [] });
});
afterAll(async () => {
  await deadConnection?.close();
  await stack?.close();
});

/** `n` customers with an email address, and a user_signup event for each. */
async function signups(n: number) {
  const ids = Array.from({ length: n }, () => uid('cust'));
  for (const id of ids) expect((await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` })).status).toBe(201);
  return { ids, events: ids.map((customerId) => ({ id: uid('evt'), type: 'user_signup', customerId })) };
}

/** POST /api/events on `app`, timed. */
async function post(app: { request: ReturnType<typeof createApp>['request'] }, body: unknown) {
  const started = performance.now();
  const res = await app.request('/api/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.key}` },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { results: Array<{ id: string; status: string }> },
    ms: performance.now() - started,
  };
}

const backlog = async () =>
  (await stack.api('GET', '/api/events/backlog')).body as {
    backlog: number;
    retrying: number;
    oldestAgeSeconds: number | null;
    lastError: string | null;
  };

/** Emails to each customer, once every one has its first and the SMTP server has had time for any second. */
async function firstEmailsOnce(ids: string[]) {
  const to = (id: string) => stack.mail.list().filter((m) => m.to.includes(`${id}@example.com`)).length;
  await waitFor(() => ids.every((id) => to(id) >= 1), `a first email to each of ${ids.length} customers`, 60_000);
  await waitFor(async () => (await backlog()).backlog === 0, 'the backlog drained');
  // A duplicate would come from a second start (or a second first step): the rows say each was sent once.
  const rows = await stack.database.db.select().from(messages).where(inArray(messages.customerId, ids));
  expect(rows.filter((r) => r.stepKey === 'welcome')).toHaveLength(ids.length);
  expect(ids.map(to)).toEqual(ids.map(() => 1));
}

async function endJourneys(ids: string[]) {
  for (const id of ids) await endRun(stack.client.workflow.getHandle(welcomeWorkflowId(id)));
}

describe('the outbox', () => {
  it('accepts a batch at once with the worker stopped; the worker, back, mails every journey once', async () => {
    const { ids, events: batch } = await signups(40);
    const answer = await post(stack.app, batch);
    expect(answer.status).toBe(202);
    expect(answer.body.results.map((r) => r.status)).toEqual(batch.map(() => 'accepted'));
    // Stored, not waiting for Temporal: well under a second even on a loaded machine.
    expect(answer.ms).toBeLessThan(2_000);

    const waiting = await backlog();
    expect(waiting).toMatchObject({ backlog: 40, retrying: 0 });
    expect(waiting.oldestAgeSeconds).toBeGreaterThanOrEqual(0);

    // The producer's retry (it never saw the answer) is a duplicate, dispatched or not: nothing is lost, nothing doubled.
    const retry = await post(stack.app, batch);
    expect(retry.status).toBe(202);
    expect(retry.body.results).toEqual(batch.map((e) => ({ id: e.id, status: 'duplicate' })));
    expect((await backlog()).backlog).toBe(40);

    await stack.startWorker();
    try {
      await firstEmailsOnce(ids);
      const rows = await stack.database.db.select().from(events).where(inArray(events.customerId, ids));
      expect(rows.every((r) => r.dispatchedAt !== null && r.dispatchOwner === null)).toBe(true);
      await endJourneys(ids);
    } finally {
      await stack.stopWorker();
    }
  });

  it('keeps events through a Temporal outage — retried with backoff, never a 5xx — and dispatches each once when it ends', async () => {
    // An API and a worker's dispatcher whose Temporal is unreachable.
    const deadClient = new Client({ connection: deadConnection });
    const down = createServices(stack.database.db, deadClient, stack.servicesConfig);
    const downApp = createApp({ ...down, mailCapture: null, api: TEST_API_LIMITS });
    const failing = await startDispatcher({
      db: stack.database.db,
      journeys: down.journeys,
      taskQueue: stack.taskQueue,
      notice: down.outboxNotice,
      pollMs: 100,
    });
    const { ids, events: batch } = await signups(30);
    let stopped = false;
    try {
      const answers = await Promise.all([post(downApp, batch.slice(0, 15)), post(downApp, batch.slice(15))]);
      for (const a of answers) {
        expect(a.status).toBe(202);
        expect(a.body.results.every((r) => r.status === 'accepted')).toBe(true);
      }
      // Every one tried and failed at least once; each waits for its next attempt.
      const failed = await waitFor(async () => {
        const b = await backlog();
        return b.retrying === 30 ? b : null;
      }, 'every event tried against the dead Temporal');
      expect(failed.backlog).toBe(30);
      expect(failed.lastError).toBeTruthy();
      await failing.stop();
      stopped = true;
      expect(
        (await stack.database.db.select().from(events).where(inArray(events.customerId, ids))).every((r) => r.dispatchOwner === null),
      ).toBe(true);

      // Temporal is back (a worker that reaches it): every journey started and mailed once.
      await stack.startWorker();
      await firstEmailsOnce(ids);
      const rows = await stack.database.db.select().from(events).where(inArray(events.customerId, ids));
      expect(rows.every((r) => r.dispatchedAt !== null && r.dispatchAttempts >= 1 && r.dispatchError === null)).toBe(true);
      await endJourneys(ids);
    } finally {
      if (!stopped) await failing.stop();
      await stack.stopWorker();
    }
  });

  it('never dispatches one event twice with two dispatchers at once', async () => {
    await stack.startWorker({ dispatcher: false });
    const executed = new Map<string, number>();
    const counting = (name: string): Pick<Journeys, 'plan' | 'execute'> => ({
      plan: (list) => stack.journeys.plan(list),
      execute: (plan, facts) => {
        executed.set(plan.event.id, (executed.get(plan.event.id) ?? 0) + 1);
        byDispatcher.set(name, (byDispatcher.get(name) ?? 0) + 1);
        return stack.journeys.execute(plan, facts);
      },
    });
    const byDispatcher = new Map<string, number>();
    // Small claims, so that the two take turns: one woken in this process, one by PostgreSQL's NOTIFY.
    const dispatchers: Dispatcher[] = [
      await startDispatcher({
        db: stack.database.db,
        journeys: counting('a'),
        taskQueue: stack.taskQueue,
        notice: stack.services.outboxNotice,
        batchSize: 7,
        concurrency: 4,
      }),
      await startDispatcher({
        db: stack.database.db,
        journeys: counting('b'),
        taskQueue: stack.taskQueue,
        listen: stack.database.listen,
        batchSize: 5,
        concurrency: 3,
      }),
    ];
    try {
      const { ids, events: batch } = await signups(120);
      const answers = await Promise.all([0, 40, 80].map((at) => post(stack.app, batch.slice(at, at + 40))));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
      await firstEmailsOnce(ids);
      expect([...executed.values()].every((n) => n === 1)).toBe(true);
      expect(executed.size).toBe(120);
      expect(batch.every((e) => executed.get(e.id) === 1)).toBe(true);
      // Both took part (NOTIFY woke the second as the in-process notice woke the first).
      expect(byDispatcher.get('a')).toBeGreaterThan(0);
      expect(byDispatcher.get('b')).toBeGreaterThan(0);
      await endJourneys(ids);
    } finally {
      for (const d of dispatchers) await d.stop();
      await stack.stopWorker();
    }
  });

  it('two worker processes share the outbox: every journey signalled once, every first email once', async () => {
    const workers = [await startWorkerProcess(stack), await startWorkerProcess(stack)];
    try {
      const { ids, events: batch } = await signups(60);
      // Accepted with both dispatchers running elsewhere: woken by PostgreSQL's NOTIFY.
      const answers = await Promise.all([0, 20, 40].map((at) => post(stack.app, batch.slice(at, at + 20))));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
      await firstEmailsOnce(ids);
      // A second dispatch of an event would be a second signal in its run's history.
      for (const id of ids) {
        const history = await stack.client.workflow.getHandle(welcomeWorkflowId(id)).fetchHistory();
        const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
        expect(signals, id).toHaveLength(1);
      }
      const rows = await stack.database.db.select().from(events).where(inArray(events.customerId, ids));
      expect(rows.every((r) => r.dispatchedAt !== null && r.dispatchAttempts === 0)).toBe(true);
      await endJourneys(ids);
    } finally {
      for (const w of workers) await w.kill();
    }
  });

  it('a campaigns-only worker process (WORKER_WORKLOADS=campaigns) sends a broadcast and leaves the outbox to the journeys', async () => {
    const worker = await startWorkerProcess(stack, { env: { WORKER_WORKLOADS: 'campaigns' } });
    const { ids, events: batch } = await signups(3);
    try {
      expect(worker.output()).toMatch(/"dispatching":false/);
      expect((await post(stack.app, batch)).status).toBe(202);
      const { tag, emails } = await seedAudience(stack.database.db, 5);
      const created = await stack.api('POST', BASE, {
        name: uid('campaign'),
        type: 'email',
        target_tags: [tag],
        content: { subject: 'News', text: 'Hello {{ customer.first_name }}.' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect((await stack.api('POST', `${BASE}/${created.body.id}/trigger`, { execution_type: 'actual' })).status).toBe(202);
      await waitFor(() => emails.every((e) => stack.mail.list().some((m) => m.to.includes(e!))), 'the broadcast, sent by that process');
      // By then a dispatcher, woken by the events' NOTIFY, would have started their journeys: none did.
      expect((await backlog()).backlog).toBe(3);
      expect(stack.mail.list().filter((m) => ids.some((id) => m.to.includes(`${id}@example.com`)))).toHaveLength(0);
    } finally {
      await worker.kill();
    }
    // A process with the journeys takes them up.
    await stack.startWorker();
    try {
      await firstEmailsOnce(ids);
      await endJourneys(ids);
    } finally {
      await stack.stopWorker();
    }
  });

  it("dispatches a customer's events in the order they were stored", async () => {
    await stack.startWorker();
    try {
      const customerId = uid('cart');
      expect((await stack.api('PUT', `/api/customers/${customerId}`, { email: `${customerId}@example.com` })).status).toBe(201);
      // Stored together: the abandonment (which starts the run) before the order that ends it.
      const stored = await stack.api('POST', '/api/events', [
        {
          id: uid('evt'),
          type: 'cart_abandoned',
          customerId,
          properties: { cart_id: 'k1', items: [{ sku: 'mug', name: 'Mug', price: 12, quantity: 1 }] },
        },
        { id: uid('evt'), type: 'order_completed', customerId, properties: { order_id: uid('o'), cart_id: 'k1', amount: 12 } },
      ]);
      expect(stored.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
      const run = stack.client.workflow.getHandle(`${stored.body.results[0].journeys[0].workflowId}`);
      expect(await run.result()).toMatchObject({ outcome: 'exited', reason: 'purchased' });
      const rows = await stack.database.db.select().from(events).where(eq(events.customerId, customerId));
      expect(rows.every((r) => r.dispatchedAt !== null)).toBe(true);
    } finally {
      await stack.stopWorker();
    }
  });
});
