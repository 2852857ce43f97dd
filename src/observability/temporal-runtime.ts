// The Temporal SDK's process-wide Runtime: its logger is the process's (src/observability/temporal-logger.ts,
// the SDK core's native lines forwarded to it), and, in a process that runs a worker, its own metrics
// (task slots, poll and schedule-to-start latencies, sticky cache, requests to the server…) exported by the
// core's Prometheus exporter, which the process's /metrics includes.
import { createServer } from 'node:net';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { type LogLevel, log } from './logger.js';
import type { MetricsSource } from './metrics.js';
import { pinoTemporalLogger } from './temporal-logger.js';

/** A loopback port free now (for the exporter, which cannot report the port it bound to 0). */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Installs the Runtime once, before any worker connection. `prometheus`: where the SDK's exporter listens
 * (`host:port`), `'loopback'` for a free loopback port, undefined for no SDK metrics. Returns a source of
 * their text for the process's /metrics, when exported.
 */
export async function installTemporalRuntime(level: LogLevel, prometheus?: string): Promise<MetricsSource | undefined> {
  const bindAddress = prometheus === 'loopback' ? `127.0.0.1:${await freeLoopbackPort()}` : prometheus;
  // The core's own debug lines are its developers' (every poll and activation): warnings at most.
  const core = level === 'error' ? 'ERROR' : 'WARN';
  Runtime.install({
    logger: pinoTemporalLogger(log, level),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core }) },
      ...(bindAddress
        ? { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } }
        : {}),
    },
  });
  if (!bindAddress) return undefined;
  // Scraped from here: an exporter bound to every interface answers on loopback too.
  const url = `http://${bindAddress.replace(/^(0\.0\.0\.0|\[::\]):/, '127.0.0.1:')}/metrics`;
  return async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.text() : '';
  };
}
