// "Never lose" at the door: an event is accepted once stored, whether Temporal is reachable or not; the
// outbox's dispatcher (on the worker) starts its journey, once. tests/outbox.test.ts covers outages at length.
import { Client, Connection } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { events, journeyRuns, messages } from '../src/db/schema.js';
import { welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { createServices } from '../src/services.js';
import { type Stack, startStack, TEST_API_LIMITS, uid } from './helpers/stack.js';
import { endRun } from './helpers/end-run.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let deadConnection: Connection;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
  // A Temporal address nothing listens on, and no retries: every call fails at once, as in an outage.
  deadConnection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [] });
});
afterAll(async () => {
  await deadConnection?.close();
  await stack?.close();
});

/** The same API on the same database, whose Temporal is down. */
function appDuringOutage() {
  const services = createServices(stack.database.db, new Client({ connection: deadConnection }), stack.servicesConfig);
  return createApp({ ...services, mailCapture: null, api: TEST_API_LIMITS });
}

describe('ingestion during a Temporal outage', () => {
  it('accepts an event at once without Temporal, keeps it in the outbox, and the worker starts its journey once', async () => {
    const customerId = uid('outage');
    const email = `${customerId}@example.com`;
    expect((await stack.api('PUT', `/api/customers/${customerId}`, { email })).status).toBe(201);
    const event = { id: uid('evt'), type: 'user_signup', customerId };

    // The API's Temporal is down: the event is accepted all the same, once it is stored.
    const down = appDuringOutage();
    const res = await down.request('/api/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.key}` },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { results: Array<{ status: string }> };
    expect(body.results).toEqual([
      {
        id: event.id,
        status: 'accepted',
        customerCreated: false,
        journeys: [{ journey: 'welcome', workflowId: welcomeWorkflowId(customerId), result: 'queued' }],
      },
    ]);
    const [row] = await stack.database.db.select().from(events).where(eq(events.id, event.id));
    expect(row).toMatchObject({ id: event.id, taskQueue: stack.taskQueue });
    // The run it is to start is findable by its customer already: its row was stored with the event.
    expect(await stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, customerId))).toEqual([
      expect.objectContaining({ workflowId: welcomeWorkflowId(customerId), journeyKey: 'welcome' }),
    ]);
    expect((await down.request('/readyz')).status).toBe(503);

    // The worker (its Temporal up) dispatches it from the outbox: the journey runs and mails once.
    await stack.mail.waitFor((m) => m.to.includes(email));
    const handle = stack.client.workflow.getHandle(welcomeWorkflowId(customerId));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await waitFor(async () => (await stack.database.db.select().from(events).where(eq(events.id, event.id)))[0]?.dispatchedAt, 'the mark');

    // A retry of the same id is a duplicate, whether or not it was dispatched yet: nothing is dispatched again.
    const again = await down.request('/api/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.key}` },
      body: JSON.stringify(event),
    });
    expect(await again.json()).toEqual({ results: [{ id: event.id, status: 'duplicate' }] });
    expect((await stack.api('POST', '/api/events', event)).body.results).toEqual([{ id: event.id, status: 'duplicate' }]);
    const rows = await stack.database.db.select().from(messages).where(eq(messages.customerId, customerId));
    expect(rows.map((r) => r.stepKey)).toEqual(['welcome']);
    await endRun(handle);
  });
});

describe('other routes during a Temporal outage', () => {
  it('answer 503 unavailable with Retry-After where they need Temporal, never 500', async () => {
    const customerId = uid('outage-read');
    expect((await stack.api('PUT', `/api/customers/${customerId}`, { email: `${customerId}@example.com` })).status).toBe(201);
    const down = appDuringOutage();
    const call = (method: string, path: string) =>
      down.request(path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.key}` } });
    for (const [method, path] of [
      ['GET', '/api/journeys/welcome/runs'],
      ['POST', '/api/journeys/churn_win_back/sweep'],
      ['POST', '/api/recommendations/refresh'],
      ['GET', `/api/customers/${customerId}`],
    ] as const) {
      const res = await call(method, path);
      expect(res.status, `${method} ${path}`).not.toBe(500);
      if (res.status === 503) {
        expect(((await res.json()) as { error: { code: string } }).error.code, `${method} ${path}`).toBe('unavailable');
        expect(res.headers.get('retry-after'), `${method} ${path}`).toBe('5');
      }
    }
    // One that cannot answer without Temporal at all.
    expect((await call('POST', '/api/journeys/churn_win_back/sweep')).status).toBe(503);
  });
});
