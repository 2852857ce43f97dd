// `npm start`: Touchpoint on one machine. What the environment leaves unset runs embedded: the Temporal
// dev server (with its UI), PGlite in .data/, and a local SMTP capture. `tsx src/main.ts api` runs only
// the API (for scale-out; workers run from worker.ts).
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './env.js';
import { watchInstallation } from './observability/database-gauges.js';
import { configureLogging, log } from './observability/logger.js';
import { installTemporalRuntime } from './observability/temporal-runtime.js';
import { startRuntime } from './runtime.js';

async function main() {
  const mode = process.argv[2] ?? 'all';
  if (mode !== 'all' && mode !== 'api') throw new Error(`unknown mode "${mode}" (expected "all" or "api")`);
  const config = loadConfig();
  const { observability } = config;
  // Someone running `npm start` reads the log; a deployment's collector reads JSON.
  configureLogging({ level: config.logLevel, format: observability.logFormat ?? (mode === 'all' ? 'pretty' : 'json') });
  // The API alone runs no worker: the SDK's own metrics are a worker's.
  const temporalMetrics = await installTemporalRuntime(
    config.logLevel,
    mode === 'all' ? (observability.temporalMetricsAddress ?? 'loopback') : undefined,
  );
  const runtime = await startRuntime(config, {
    embedded: mode === 'all',
    service: mode === 'all' ? 'touchpoint' : 'touchpoint-api',
    temporalMetrics,
  });
  // The installation's gauges (outbox, campaigns) come from the API process, read from the database at each scrape.
  watchInstallation(runtime.metrics, runtime.database);

  const runningWorker = mode === 'all' ? await runtime.createWorker() : undefined;
  const workerDone = runningWorker?.worker.run();

  const adminKey = await runtime.adminKey();
  const app = createApp(runtime.appDeps);
  const server = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const lines = [
    `Touchpoint is running (${mode === 'all' ? 'API + worker' : 'API only'})`,
    `  API          http://${config.http.host}:${port}   (docs: /docs, OpenAPI: /openapi.json)`,
    `  Dashboard    http://${config.http.host}:${port}/app   (sign in with the API key below)`,
    runtime.devServer?.uiUrl
      ? `  Temporal UI  ${runtime.devServer.uiUrl}`
      : `  Temporal     ${runtime.temporalAddress} (namespace ${config.temporal.namespace})`,
    // Without the UI, the line above already names the Temporal address; print it once.
    ...(runtime.devServer?.uiUrl ? [`  Temporal     ${runtime.temporalAddress}`] : []),
    `  Database     ${runtime.database.kind === 'pglite' ? `PGlite in ${config.dataDir}/pglite` : 'PostgreSQL (DATABASE_URL)'}`,
    runtime.mailCapture ? `  Mail capture ${runtime.mailCapture.url}   (read it at GET /dev/mail)` : `  SMTP         SMTP_URL`,
    `  API key      ${adminKey.key}`,
    `               (admin key of the default workspace${adminKey.created ? ', made now' : ''}; kept in ${adminKey.file})`,
    `Try: export TOUCHPOINT_API_KEY=$(cat ${adminKey.file})`,
    `     curl -X POST http://${config.http.host}:${port}/api/events -H "authorization: Bearer $TOUCHPOINT_API_KEY" \\`,
    `       -H 'content-type: application/json' -d '{"id":"evt-1","type":"user_signup","customerId":"ada"}'`,
    `       (after PUT /api/customers/ada with an email)`,
    'Ctrl-C stops everything.',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // The SDK's own SIGINT handler may have begun the worker's shutdown already.
    if (runningWorker?.worker.getState() === 'RUNNING') runningWorker.worker.shutdown();
    await workerDone;
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  // A configuration problem is the person's to fix: said plainly, as the CLI would.
  if (err instanceof ConfigError) console.error(err.message);
  else log.fatal({ err }, 'failed to start');
  process.exit(1);
});
