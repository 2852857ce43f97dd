// Builds Touchpoint's dependencies from a Config: the embedded defaults (Temporal dev server, PGlite, local
// mail capture) for whatever the environment leaves unset, the real services for whatever it names.
import { join, resolve } from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { createActivities } from './worker/activities.js';
import type { AppDeps } from './api/router.js';
import { createEmailChannel, type EmailChannel } from './channels/email.js';
import { createOutbound } from './channels/outbound.js';
import { createChannels } from './channels/registry.js';
import type { TrackingConfig } from './domain/email-tracking.js';
import { createDatabase, type Database } from './db/client.js';
import { DEFAULT_WORKSPACE, inWorkspace } from './db/workspace.js';
import { type MailCapture, startMailCapture } from './dev/mail-capture.js';
import type { Config } from './env.js';
import { createServices } from './services.js';
import { installationAdminKey } from './workspaces/admin-key.js';
import { setStrictVariables } from './templates/render.js';
import { trackingSecret } from './delivery/tracking-secret.js';
import { resolveTemporalBinary } from './temporal/binaries.js';
import { connectClient, connectWorker, ensureSearchAttributes } from './temporal/connection.js';
import { type DevServer, startDevServer } from './temporal/dev-server.js';
import { startDispatcher } from './events/dispatcher.js';
import { createTouchpointWorkers, type WorkerGroup, workerGroup } from './worker/create-worker.js';
import { watchPool } from './observability/database-gauges.js';
import { log } from './observability/logger.js';
import { createMetrics, type Metrics, type MetricsSource } from './observability/metrics.js';
import { serveMetrics } from './observability/metrics-server.js';
import { onMessagesRecorded } from './observability/touches.js';
import { startTracing, type Tracing } from './observability/tracing.js';

export interface Runtime {
  config: Config;
  database: Database;
  client: Client;
  email: EmailChannel;
  temporalAddress: string;
  tracking: TrackingConfig;
  devServer?: DevServer;
  mailCapture?: MailCapture;
  /**
   * The `default` workspace's admin key kept in DATA_DIR, made when there is none (src/workspaces/admin-key.ts):
   * the API process asks for it at start; workers never do.
   */
  adminKey(): Promise<{ key: string; file: string; created: boolean }>;
  /** Every service and what the API reads besides (src/services.ts), built once. */
  appDeps: AppDeps;
  /** This process's metrics: the API's GET /metrics and a worker's listener serve them. */
  metrics: Metrics;
  /** On when an OTLP endpoint is configured. */
  tracing?: Tracing;
  /**
   * The workers (one per workload's task queue, src/temporal/task-queues.ts) with the outbox's dispatcher,
   * which `worker.run()` starts beside them; their messages counted in `metrics`; with WORKER_METRICS_PORT,
   * its metrics listener (`metricsUrl`).
   */
  createWorker(): Promise<{ worker: WorkerGroup; connection: NativeConnection; metricsUrl?: string }>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  embedded: boolean;
  /** The service name of this process's traces (OTEL_SERVICE_NAME overrides it). */
  service?: string;
  /** The Temporal SDK's own metrics (src/observability/temporal-runtime.ts), included in this process's. */
  temporalMetrics?: MetricsSource;
}

export async function startRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  setStrictVariables(config.templates.strictVariables);
  const closers: Array<() => unknown> = [];
  const close = async () => {
    for (const fn of closers.reverse()) await Promise.resolve(fn()).catch((err: Error) => log.warn({ err }, 'shutdown step failed'));
  };
  try {
    const metrics = createMetrics();
    if (options.temporalMetrics) metrics.include(options.temporalMetrics);
    const tracingConfig = config.observability.tracing;
    const tracing = tracingConfig
      ? startTracing({ url: tracingConfig.url, serviceName: tracingConfig.serviceName ?? options.service ?? 'touchpoint' })
      : undefined;
    if (tracing) closers.push(() => tracing.shutdown());
    const tracking: TrackingConfig = { secret: trackingSecret(config, options.embedded), baseUrl: config.http.publicUrl };
    let devServer: DevServer | undefined;
    let temporalAddress = config.temporal.address;
    if (!temporalAddress) {
      if (!options.embedded) throw new Error('TEMPORAL_ADDRESS is required outside embedded mode');
      log.info({ port: config.temporal.devServer.port }, 'starting the Temporal dev server');
      devServer = await startDevServer({
        cliPath: resolveTemporalBinary('temporal', config.temporal.devServer.cliPath),
        dbFile: resolve(join(config.dataDir, 'temporal.db')),
        port: config.temporal.devServer.port,
        uiPort: config.temporal.devServer.uiPort,
        namespace: config.temporal.namespace,
      });
      closers.push(() => devServer!.stop());
      temporalAddress = devServer.address;
    }

    if (config.database.kind === 'pglite' && !options.embedded) {
      throw new Error('DATABASE_URL is required outside embedded mode (PGlite lives inside one process)');
    }
    const database = createDatabase(config.database);
    closers.push(() => database.close());
    await database.migrate();
    watchPool(metrics, database);

    let mailCapture: MailCapture | undefined;
    let smtpUrl = config.mail.smtpUrl;
    if (!smtpUrl) {
      if (!options.embedded) throw new Error('SMTP_URL is required outside embedded mode');
      mailCapture = await startMailCapture({ port: config.mail.capturePort });
      closers.push(() => mailCapture!.close());
      smtpUrl = mailCapture.url;
    }
    const email = createEmailChannel({ smtpUrl, from: config.mail.from, poolSize: config.mail.poolSize });
    closers.push(() => email.close());

    const client = await connectClient(config.temporal, temporalAddress, tracing ? [tracing.plugin] : []);
    closers.push(() => client.connection.close());
    if (!devServer) {
      await ensureSearchAttributes(client.connection as Connection, config.temporal.namespace).catch((err: Error) =>
        log.warn(
          { err },
          'could not register search attributes (register CustomerId, JourneyKey, JourneyStep, CampaignId, WorkspaceId as Keyword)',
        ),
      );
    }

    const services = createServices(database.db, client, { ...config, tracking: { secret: tracking.secret } }, metrics);
    // Every workspace has its journey configurations and its schedules as configured; every process keeps
    // them so (doing it twice is harmless).
    for (const workspace of await services.workspaces.ids()) {
      await inWorkspace(workspace, async () => {
        await services.workspaces.provision();
        await services.holidays
          .keepSchedulesOnQueue()
          .catch((err: Error) => log.warn({ err, workspace }, 'could not move holiday campaign schedules to their task queue'));
      });
    }

    return {
      config,
      database,
      client,
      email,
      temporalAddress,
      tracking,
      devServer,
      mailCapture,
      adminKey: () => inWorkspace(DEFAULT_WORKSPACE, () => installationAdminKey(services.keys, config.dataDir)),
      appDeps: {
        ...services,
        mailCapture: mailCapture ?? null,
        api: config.api,
        observability: { metrics, metricsToken: config.observability.metricsToken, tracing },
        ...(devServer?.uiUrl ? { temporalUi: { url: devServer.uiUrl, namespace: config.temporal.namespace } } : {}),
      },
      metrics,
      tracing,
      async createWorker() {
        const connection = await connectWorker(config.temporal, temporalAddress);
        const outbound = createOutbound(config.outbound);
        closers.push(() => connection.close());
        closers.push(onMessagesRecorded(metrics.messagesRecorded));
        const workers = await createTouchpointWorkers({
          connection,
          namespace: config.temporal.namespace,
          taskQueue: config.temporal.taskQueue,
          activities: createActivities({
            db: database.db,
            channels: createChannels(email, config.providers, { outbound }),
            outbound,
            settings: services.effectiveSettings,
            config: {
              campaigns: config.campaigns,
              recommendations: config.recommendations,
              tracking,
              attributionWindowDays: config.attributionWindowDays,
            },
            journeys: services.journeys,
          }),
          ...(config.temporal.worker.bundlePath ? { workflowBundle: { codePath: config.temporal.worker.bundlePath } } : {}),
          tuning: {
            maxCachedWorkflows: config.temporal.worker.maxCachedWorkflows,
            maxConcurrentActivityTaskExecutions: config.temporal.worker.maxConcurrentActivities,
          },
          slots: config.temporal.worker.slots,
          workloads: config.temporal.worker.workloads,
          plugins: tracing ? [tracing.plugin] : [],
        });
        const { outbox } = config.temporal;
        // The outbox starts journeys: its dispatcher runs where journeys do (a campaigns-only process has none).
        const dispatcher = workers.journeys
          ? () =>
              startDispatcher({
                db: database.db,
                journeys: services.journeys,
                taskQueue: config.temporal.taskQueue,
                notice: services.outboxNotice,
                listen: database.listen,
                ...outbox,
              })
          : undefined;
        const worker = workerGroup(workers, dispatcher);
        const listener = config.observability.workerMetrics
          ? await serveMetrics({ metrics, ...config.observability.workerMetrics, token: config.observability.metricsToken })
          : undefined;
        if (listener) closers.push(() => listener.close());
        return { worker, connection, metricsUrl: listener?.url };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
