// A worker on its own, for scale-out: needs TEMPORAL_ADDRESS, DATABASE_URL and SMTP_URL.
// Run as many as the load needs; they share the task queues (one per workload) and the outbox (each runs a
// dispatcher). WORKER_WORKLOADS picks the workloads a process serves (e.g. `campaigns`, so broadcasts have
// a process of their own); the dispatcher runs where journeys do. WORKER_METRICS_PORT opens its metrics listener.
import { ConfigError, loadConfig } from './src/env.js';
import { configureLogging, log } from './src/observability/logger.js';
import { installTemporalRuntime } from './src/observability/temporal-runtime.js';
import { startRuntime } from './src/runtime.js';

async function main() {
  const config = loadConfig();
  const { observability } = config;
  configureLogging({ level: config.logLevel, format: observability.logFormat ?? 'json' });
  // The SDK's own metrics, when someone scrapes this worker (its listener, or the exporter's own address).
  const temporalMetrics = await installTemporalRuntime(
    config.logLevel,
    observability.temporalMetricsAddress ?? (observability.workerMetrics ? 'loopback' : undefined),
  );
  const runtime = await startRuntime(config, { embedded: false, service: 'touchpoint-worker', temporalMetrics });
  const { worker, metricsUrl } = await runtime.createWorker();
  const stop = () => worker.getState() === 'RUNNING' && worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const queues = Object.values(worker.workers).map((w) => w.options.taskQueue);
  const dispatching = worker.workers.journeys !== undefined;
  log.info(
    { taskQueues: queues, temporalAddress: runtime.temporalAddress, metricsUrl, dispatching },
    `worker polling task queues ${queues.map((q) => `"${q}"`).join(', ')} on ${runtime.temporalAddress}` +
      (dispatching ? '; dispatching the outbox' : ''),
  );
  await worker.run();
  await runtime.close();
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else log.fatal({ err }, 'worker failed');
  process.exit(1);
});
