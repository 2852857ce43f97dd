// A worker on its own, for scale-out: needs TEMPORAL_ADDRESS, DATABASE_URL and SMTP_URL.
// Run as many as the load needs; they share the task queue.
import { ConfigError, loadConfig } from './src/env.js';
import { installTemporalLogger, startRuntime } from './src/runtime.js';

async function main() {
  const config = loadConfig();
  installTemporalLogger(config.logLevel);
  const runtime = await startRuntime(config, { embedded: false });
  const { worker } = await runtime.createWorker();
  const stop = () => worker.getState() === 'RUNNING' && worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.error(`[touchpoint] worker polling task queue "${runtime.config.temporal.taskQueue}" on ${runtime.temporalAddress}`);
  await worker.run();
  await runtime.close();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `[touchpoint] worker failed: ${err instanceof Error ? err.stack : err}`);
  process.exit(1);
});
