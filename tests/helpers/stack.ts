// The real stack for a test file: a Temporal server (time-skipping or dev), the run's PostgreSQL database,
// a real SMTP server, a worker with the real activities, and the API app wired to them.
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createActivities } from '../../src/worker/activities.js';
import { createTouchpointWorkers, type WorkerGroup, workerGroup } from '../../src/worker/create-worker.js';
import { startDispatcher } from '../../src/events/dispatcher.js';
import { type App, createApp } from '../../src/app.js';
import { createEmailChannel, type EmailChannel } from '../../src/channels/email.js';
import { createOutbound, type OutboundPolicy } from '../../src/channels/outbound.js';
import { createChannels } from '../../src/channels/registry.js';
import type { ProviderChannelName } from '../../src/channels/provider.js';
import { PACING_OFF, type PacingConfig } from '../../src/delivery/pacing.js';
import { setStrictVariables } from '../../src/templates/render.js';
import type { TrackingConfig } from '../../src/domain/email-tracking.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { asInstallation, DEFAULT_WORKSPACE, inWorkspace } from '../../src/db/workspace.js';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/sql-helpers.js';
import { seedJourneyConfigs } from '../../src/db/defaults.js';
import { type MailCapture, startMailCapture } from '../../src/dev/mail-capture.js';
import { parseAllowList } from '../../src/domain/outbound-address.js';
import { loadConfig } from '../../src/env.js';
import type { Journeys } from '../../src/journeys/journeys.js';
import { createServices, type Services, type ServicesConfig } from '../../src/services.js';
import type { ApiScope } from '../../src/domain/scopes.js';
import { resolveTemporalBinary } from '../../src/temporal/binaries.js';
import { addSearchAttributes } from '../../src/temporal/connection.js';
import { type DevServer, startDevServer } from '../../src/temporal/dev-server.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { Tracing } from '../../src/observability/tracing.js';
import { TEST_PROVIDER_SECRET } from './http-provider.js';
import { freePort } from './ports.js';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process.
}

/** The tracking key and base URL of every stack (and of worker processes started against one). */
export const TEST_TRACKING: TrackingConfig = { secret: 'test-tracking-secret-0123456789abcdef', baseUrl: 'http://touchpoint.test' };

/** The delivery webhook providers of every stack and their signing secrets. */
export const TEST_WEBHOOK_SECRETS = new Map([['acme-mail', 'test-webhook-secret-acme-0123456789']]);

export interface Stack {
  env: TestWorkflowEnvironment;
  /**
   * A client that never lets time skip. `env.client` skips time while it awaits a result, and on a test
   * server whose only timers are far away (or none) that jumps to the next one — up to a run's 10-year
   * timeout. Await results of runs that end by a signal through this one.
   */
  client: Client;
  database: Database;
  mail: MailCapture;
  email: EmailChannel;
  journeys: Journeys;
  app: App;
  taskQueue: string;
  /** What the app's services were built with (for another app on the same stack). */
  servicesConfig: ServicesConfig;
  databaseUrl: string;
  temporalAddress: string;
  /** The in-process workers (one per workload's task queue) and the outbox's dispatcher beside them. */
  worker?: WorkerGroup;
  /** The services the app was built with. */
  services: Services;
  /** An admin key of the `default` workspace, which `api` sends unless `headers` name an authorization. */
  key: string;
  /** The authorization header of a new key of the `default` workspace named `name` (created_by shows `key:<name>`). */
  authAs(name: string, scopes?: ApiScope[]): Promise<{ authorization: string }>;
  /**
   * JSON request against the app; `body` undefined sends no body. Events (POST /api/events, Segment's
   * /v1/*) are answered once stored; while the stack's worker runs, this also waits until the outbox has
   * dispatched the accepted ones — their journeys started, as a test's next step (a time skip) expects.
   * Tests of the outbox itself call `app.request`.
   */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** `dispatcher: false`: the workers alone, without the outbox's dispatcher (a test runs its own). */
  startWorker(options?: { dispatcher?: boolean }): Promise<WorkerGroup>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  timeSkipping: boolean;
  /** Start an in-process worker (default true). */
  worker?: boolean;
  smtpPort?: number;
  /** A database of the file's own (dropped with the run's), for tests that change shared configuration. */
  isolatedDatabase?: boolean;
  /** A database elsewhere (a cluster of the test's own, to stop and start); migrated here. */
  databaseUrl?: string;
  /**
   * SMS, push and WeChat provider URLs for the worker's HTTP channels (unset: not configured), and the
   * secrets it signs with (default TEST_PROVIDER_SECRET, which tests/helpers/http-provider.ts checks).
   */
  providers?: { smsUrl?: string; pushUrl?: string; wechatUrl?: string; secrets?: Partial<Record<ProviderChannelName, string>> };
  /** Broadcast batch size and batches per run (small ones reach continue-as-new in a test). */
  campaigns?: Partial<ServicesConfig['campaigns']>;
  /**
   * Quiet hours and frequency caps (default: none, so that journeys' timings in other tests do not depend
   * on the hour the suite runs at).
   */
  pacing?: PacingConfig;
  /**
   * Where webhooks and providers may be sent, at save and at send (default TEST_OUTBOUND: 127.0.0.1, where
   * the tests' receivers listen). tests/outbound-urls.test.ts runs with an empty allow-list.
   */
  outbound?: OutboundPolicy;
  /**
   * Tracing on the app (its requests' spans), its Temporal client and the worker, which then loads
   * `workflowBundlePath` (a bundle with the OpenTelemetry workflow interceptors) instead of the run's.
   */
  tracing?: { tracing: Tracing; workflowBundlePath: string };
  /** The worker's broadcast settings: sends in flight and per-channel rate limits. */
  campaignSending?: { concurrency?: number; rateLimits?: Partial<Record<'email' | 'sms' | 'push' | 'wechat' | 'webhook', number>> };
}

/** The allow-list of a stack: the tests' webhook receivers and providers (tests/helpers/http-provider.ts) on 127.0.0.1. */
export const TEST_OUTBOUND: OutboundPolicy = { allowList: parseAllowList('127.0.0.1') };

/**
 * The services' configuration of a stack: the defaults of an empty environment (as a deployment that sets
 * nothing gets them), with the stack's task queue, tracking key, webhook secrets and pacing (the
 * installation's, which workspaces' settings override).
 */
export function testServicesConfig(
  taskQueue: string,
  campaigns: StackOptions['campaigns'] = {},
  outbound: OutboundPolicy = TEST_OUTBOUND,
  pacing = PACING_OFF,
): ServicesConfig {
  const defaults = loadConfig({});
  return {
    ...defaults,
    pacing,
    temporal: { ...defaults.temporal, taskQueue },
    campaigns: { ...defaults.campaigns, ...campaigns },
    tracking: { secret: TEST_TRACKING.secret },
    deliveryWebhookSecrets: TEST_WEBHOOK_SECRETS,
    outbound,
    // Workspaces a test creates get no schedules of their own (the schedule tests keep the ones they check).
    schedules: { churnSweep: 0, segmentsRefresh: 0, recommendations: 0, insightsRefresh: 0 },
  };
}

/** The API limits of a stack's app: no rate limit (tests make many requests at once), the default body limit. */
export const TEST_API_LIMITS = { rateLimit: { perSecond: 0, burst: 1 }, bodyLimitBytes: 8 * 1024 * 1024 };

export const uid = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

/** A migrated, seeded database for this test file alone, cloned from the run's template. */
export async function isolatedDatabaseUrl(): Promise<string> {
  const { adminUrl, template } = inject('databaseTemplate');
  const name = `${template.replace(/_tpl$/, '')}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Two files cloning at the same instant: PostgreSQL refuses the second while the first copies.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.unsafe(`create database ${name} template ${template}`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function startStack(options: StackOptions): Promise<Stack> {
  // A template naming a variable its message lacks fails the send (and so the test), as TEMPLATE_STRICT_VARIABLES does.
  setStrictVariables(true);
  const databaseUrl = options.databaseUrl ?? (options.isolatedDatabase ? await isolatedDatabaseUrl() : inject('databaseUrl'));
  const database = createDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 10 });
  if (options.databaseUrl) {
    await database.migrate();
    await inWorkspace(DEFAULT_WORKSPACE, () => seedJourneyConfigs(database.db));
  }
  const mail = await startMailCapture({ port: options.smtpPort });
  const email = createEmailChannel({ smtpUrl: mail.url, from: 'Touchpoint <hello@touchpoint.test>', poolSize: 2 });

  let devServer: DevServer | undefined;
  let env: TestWorkflowEnvironment;
  if (options.timeSkipping) {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: resolveTemporalBinary('temporal-test-server') } },
    });
    await addSearchAttributes(env.connection, env.namespace ?? 'default');
  } else {
    devServer = await startTestDevServer();
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: devServer.address, namespace: 'default' });
  }
  const namespace = env.namespace ?? 'default';
  const temporalAddress = devServer?.address ?? env.connection.options.address;

  const taskQueue = uid('tq');
  // A plain client for the app: the environment's own one lets time skip while it awaits a workflow's
  // result (the churn sweep's), and the test server then runs far ahead of what the test asked for.
  const client = new Client({ connection: env.connection, namespace, plugins: options.tracing ? [options.tracing.tracing.plugin] : [] });
  const servicesConfig = testServicesConfig(taskQueue, options.campaigns, options.outbound, options.pacing);
  const services = createServices(database.db, client, servicesConfig);
  const { journeys } = services;
  const app = createApp({
    ...services,
    mailCapture: mail,
    api: TEST_API_LIMITS,
    ...(options.tracing ? { observability: { metrics: createMetrics({ processMetrics: false }), tracing: options.tracing.tracing } } : {}),
  });
  const { key } = await inWorkspace(DEFAULT_WORKSPACE, () => services.keys.create({ name: 'test stack', scopes: ['admin'] }, 'test'));

  let running: Promise<void> | undefined;
  const stack: Stack = {
    env,
    client,
    database,
    mail,
    email,
    journeys,
    app,
    taskQueue,
    servicesConfig,
    databaseUrl,
    temporalAddress,
    services,
    key,
    async authAs(name, scopes = ['admin']) {
      const created = await inWorkspace(DEFAULT_WORKSPACE, () => services.keys.create({ name, scopes }, 'test'));
      return { authorization: `Bearer ${created.key}` };
    },
    async api(method, path, body, extraHeaders = {}) {
      const headers = { authorization: `Bearer ${key}`, ...extraHeaders };
      const res = await app.request(path, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : null;
      if (method === 'POST' && /^\/(api\/events|v1\/)/.test(path) && stack.worker) await untilDispatched(database, parsed);
      return { status: res.status, body: parsed };
    },
    async startWorker({ dispatcher = true } = {}) {
      const outbound = createOutbound(options.outbound ?? TEST_OUTBOUND);
      const workers = await createTouchpointWorkers({
        connection: env.nativeConnection,
        namespace,
        taskQueue,
        workflowBundle: { codePath: options.tracing?.workflowBundlePath ?? inject('workflowBundlePath') },
        plugins: options.tracing ? [options.tracing.tracing.plugin] : [],
        activities: createActivities({
          db: database.db,
          channels: createChannels(
            email,
            {
              sms: { url: options.providers?.smsUrl, secret: options.providers?.secrets?.sms ?? TEST_PROVIDER_SECRET },
              push: { url: options.providers?.pushUrl, secret: options.providers?.secrets?.push ?? TEST_PROVIDER_SECRET },
              wechat: { url: options.providers?.wechatUrl, secret: options.providers?.secrets?.wechat ?? TEST_PROVIDER_SECRET },
              webhook: { secret: options.providers?.secrets?.webhook ?? TEST_PROVIDER_SECRET },
            },
            { outbound, timeoutMs: 2_000 },
          ),
          outbound,
          settings: services.effectiveSettings,
          config: { campaigns: options.campaignSending, tracking: TEST_TRACKING },
          journeys,
        }),
      });
      // The outbox's dispatcher, as in every worker process: woken by this stack's app at once.
      const worker = workerGroup(
        workers,
        dispatcher
          ? () => startDispatcher({ db: database.db, journeys, taskQueue, notice: services.outboxNotice, pollMs: 200 })
          : undefined,
      );
      stack.worker = worker;
      running = worker.run();
      return worker;
    },
    async stopWorker() {
      if (stack.worker?.getState() === 'RUNNING') stack.worker.shutdown();
      await running;
      stack.worker = undefined;
    },
    async close() {
      await stack.stopWorker();
      await env.teardown();
      await devServer?.stop();
      email.close();
      await mail.close();
      await database.close();
    },
  };
  if (options.worker !== false) await stack.startWorker();
  return stack;
}

/** Until every `accepted` event of an events answer is dispatched (the worker's dispatcher takes each at once). */
async function untilDispatched(database: Database, body: { results?: Array<{ id?: string; status?: string }> } | null) {
  const ids = (body?.results ?? []).filter((r) => r.status === 'accepted' && r.id).map((r) => r.id!);
  if (!ids.length) return;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [row] = rowsOf<{ n: number }>(
      await asInstallation(() =>
        database.db.execute(
          sql`select count(*)::int as n from events where id in (${sql.join(
            ids.map((id) => sql`${id}`),
            sql`, `,
          )}) and dispatched_at is null`,
        ),
      ),
    );
    if (!row?.n) return;
    if (Date.now() > deadline) throw new Error(`${row.n} of ${ids.length} accepted events not dispatched within 30 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A dev server on a free port. The port is free when picked and taken when the server binds it, so a
 * server started meanwhile by another test file can win it (seen once in CI: the dev server exited at
 * start-up); then a new port is picked, up to three times.
 */
async function startTestDevServer(attempts = 3): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServer({ cliPath: resolveTemporalBinary('temporal'), port: await freePort(), namespace: 'default' });
    } catch (err) {
      if (attempt >= attempts || !/exited with code/.test((err as Error).message)) throw err;
    }
  }
}
