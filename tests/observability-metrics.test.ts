// GET /metrics on the API and on a worker's metrics listener while a campaign runs: every family the
// operations dashboard reads is there, and the figures move — requests by route and status, events by type
// and outcome, messages by channel and status, the running campaign's records, the outbox, the pool, and
// the Temporal SDK's own metrics on the worker. The worker is worker.ts in its own process, as deployed.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createServices } from '../src/services.js';
import { watchInstallation, watchPool } from '../src/observability/database-gauges.js';
import { createMetrics } from '../src/observability/metrics.js';
import { seedAudience } from './helpers/audience.js';
import { freePort } from './helpers/ports.js';
import { familiesOf, valueOf } from './helpers/prometheus.js';
import { serveApp } from './helpers/serve-app.js';
import { type Stack, startStack, TEST_API_LIMITS, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process.js';

const TOKEN = 'test-metrics-token-0123456789abcdef';

let stack: Stack;
let worker: WorkerProcess;
let api: { url: string; close(): Promise<void> };
let workerMetricsUrl: string;

beforeAll(async () => {
  // A database of its own: the outbox and campaign gauges read the whole installation.
  stack = await startStack({ timeSkipping: false, worker: false, isolatedDatabase: true, campaigns: { batchSize: 2 } });
  // The API process as src/main.ts wires it: its metrics count its services and read the database's gauges.
  const metrics = createMetrics();
  const services = createServices(stack.database.db, stack.client, stack.servicesConfig, metrics);
  watchPool(metrics, stack.database);
  watchInstallation(metrics, stack.database);
  api = await serveApp(
    createApp({ ...services, mailCapture: null, api: TEST_API_LIMITS, observability: { metrics, metricsToken: TOKEN } }),
  );
  const port = await freePort();
  workerMetricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = await startWorkerProcess(stack, {
    env: {
      WORKER_METRICS_PORT: String(port),
      TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
      METRICS_TOKEN: TOKEN,
      LOG_LEVEL: 'debug',
      // Two emails a second: the broadcast runs for a few seconds, long enough to be scraped while it runs.
      CAMPAIGN_RATE_LIMIT_EMAIL: '2',
    },
  });
});

afterAll(async () => {
  await worker?.kill();
  await api?.close();
  await stack?.close();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};

const scrape = async (url: string, authorization = `Bearer ${TOKEN}`) => {
  const res = await fetch(url, { headers: { authorization } });
  expect(res.status, url).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};
const scrapeApi = () => scrape(`${api.url}/metrics`);

describe('metrics while a campaign runs', () => {
  it('shows requests, events, messages, campaign progress, the outbox, the pool and the SDK metrics', async () => {
    const customer = uid('ada');
    expect((await call('PUT', `/api/customers/${customer}`, { email: `${customer}@example.com`, name: 'Ada' })).status).toBe(201);
    const signup = await call('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: customer });
    expect(signup).toMatchObject({ status: 202, body: { results: [{ status: 'accepted' }] } });

    // An event waiting an hour for a dispatcher (accepted for another deployment's task queue, whose workers
    // are away): the outbox's backlog and its age.
    await stack.database.db.execute(sql`
      insert into events (id, type, customer_id, occurred_at, received_at, task_queue)
      values (${uid('stuck')}, 'page_viewed', ${customer}, now() - interval '1 hour', now() - interval '1 hour', 'elsewhere')`);

    const { tag } = await seedAudience(stack.database.db, 6);
    const created = await call('POST', '/api/marketing/campaigns', {
      name: uid('campaign'),
      type: 'email',
      target_tags: [tag],
      content: { subject: 'Hi {{ customer.first_name }}', text: 'Your gift is waiting.' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaignId: string = created.body.id;
    expect((await call('POST', `/api/marketing/campaigns/${campaignId}/trigger`, { execution_type: 'actual' })).status).toBe(202);

    // While it runs: its records by status, from the database.
    const running = await waitFor(async () => {
      const text = await scrapeApi();
      return (valueOf(text, 'touchpoint_campaign_messages', { campaign_id: campaignId, status: 'sent' }) ?? 0) >= 1 ? text : null;
    }, 'the running campaign on the API metrics');
    expect(valueOf(running, 'touchpoint_campaigns', { status: 'active' })).toBeGreaterThanOrEqual(1);

    // Done: every recipient's email, and the welcome email, counted by the worker that sent them.
    const fromWorker = await waitFor(async () => {
      const text = await scrape(workerMetricsUrl);
      return (valueOf(text, 'touchpoint_messages_total', { channel: 'email', status: 'sent' }) ?? 0) >= 7 ? text : null;
    }, 'the messages on the worker metrics');
    const families = familiesOf(fromWorker);
    for (const name of [
      'touchpoint_messages_total',
      'touchpoint_db_pool_max_connections',
      'touchpoint_db_operations_in_flight',
      'process_cpu_seconds_total',
    ])
      expect(families, name).toContain(name);
    expect(valueOf(fromWorker, 'touchpoint_db_pool_max_connections', { driver: 'postgres' })).toBe(4);
    // The SDK's own, from its Prometheus exporter.
    expect([...families].filter((f) => /^temporal_(workflow_task_|request|activity_)/.test(f)).length).toBeGreaterThan(3);
    expect(valueOf(fromWorker, 'temporal_request_total')).toBeGreaterThan(0);

    const done = await waitFor(async () => {
      const text = await scrapeApi();
      return (valueOf(text, 'touchpoint_campaigns', { status: 'completed' }) ?? 0) >= 1 ? text : null;
    }, 'the campaign completed');
    expect(valueOf(done, 'touchpoint_campaign_messages', { campaign_id: campaignId })).toBeUndefined();
    expect(valueOf(done, 'touchpoint_http_requests_total', { method: 'PUT', route: '/api/customers/:id', status: '201' })).toBe(1);
    expect(
      valueOf(done, 'touchpoint_http_request_duration_seconds_count', { method: 'POST', route: '/api/marketing/campaigns/:id/trigger' }),
    ).toBe(1);
    expect(valueOf(done, 'touchpoint_http_requests_total', { route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(done, 'touchpoint_events_total', { type: 'user_signup', outcome: 'accepted' })).toBe(1);
    expect(valueOf(done, 'touchpoint_outbox_backlog')).toBeGreaterThanOrEqual(1);
    expect(valueOf(done, 'touchpoint_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(3600);
    expect(valueOf(done, 'touchpoint_database_up')).toBe(1);
    expect(valueOf(done, 'touchpoint_db_pool_max_connections', { driver: 'postgres' })).toBe(10);
    expect(familiesOf(done)).toContain('nodejs_eventloop_lag_seconds');

    // The worker's JSON lines name the workflow and activity they were written in.
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const recorded = lines.find((l) => l.msg === 'message recorded' && String(l.workflowId).includes(customer));
    expect(recorded).toMatchObject({ level: 'debug', activityType: 'sendEmailTouch', channel: 'email', status: 'sent' });
    // The SDK's own lines too, through the same logger.
    const completed = lines.find((l) => l.msg === 'Activity completed' && l.activityType === 'sendCampaignBatch');
    expect(completed).toMatchObject({ level: 'debug', sdkComponent: 'worker', workflowId: expect.stringContaining(campaignId) });
  });
});

describe('who may read the metrics', () => {
  it('takes METRICS_TOKEN or an admin key of the default workspace, on the API; the token on the worker', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    await scrape(`${api.url}/metrics`, `Bearer ${stack.key}`);
    const other = await call('POST', '/api/workspaces', { id: uid('shop').toLowerCase(), name: 'Shop' });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    const forbidden = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${other.body.admin_key.key}` } });
    expect(forbidden.status).toBe(403);

    expect((await fetch(workerMetricsUrl)).status).toBe(401);
    expect((await fetch(workerMetricsUrl.replace('/metrics', '/other'), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
      404,
    );
  });
});
