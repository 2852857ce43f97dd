// The process's metrics (prom-client): one registry per process, Node's default process metrics, and
// Touchpoint's own families. What each family counts, and where: docs/observability.md.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { EventInput, EventOutcome } from '../events/ingest.js';

/** Prometheus text of something outside the registry (the Temporal SDK's exporter); '' when it has none now. */
export type MetricsSource = () => Promise<string>;

/**
 * A label whose values come from outside (event types, failure reasons): the first `max` distinct values
 * are kept, later ones count as `other`, so that no producer can grow the series without bound.
 */
export function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

/**
 * A message's reason as a label: the codes delivery records (`unsubscribed`, `quiet_hours`,
 * `frequency_cap`, …) as they are; free text (a provider's refusal, a template's error) by its kind.
 */
export function reasonLabel(status: string, reason: string | null | undefined): string {
  if (!reason) return '';
  if (/^[a-z][a-z0-9_]{0,39}$/.test(reason)) return reason;
  if (reason.startsWith('template error')) return 'template_error';
  if (status === 'uncertain') return 'abandoned';
  if (status === 'failed') return 'rejected';
  return 'other';
}

export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const sources: MetricsSource[] = [];

  const httpRequests = new Counter({
    name: 'touchpoint_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'touchpoint_http_request_duration_seconds',
    help: 'Time from a request to its answer, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const events = new Counter({
    name: 'touchpoint_events_total',
    help: 'Events ingested (POST /api/events, /v1/*), by type and outcome: accepted, duplicate, refused, error (the batch could not be stored)',
    labelNames: ['type', 'outcome'] as const,
    registers,
  });
  const messages = new Counter({
    name: 'touchpoint_messages_total',
    help: "Messages whose fate this process's activities recorded, by channel, status (sent, failed, skipped, uncertain, simulated) and reason",
    labelNames: ['channel', 'status', 'reason'] as const,
    registers,
  });
  const eventType = boundedLabel(200);
  const reason = boundedLabel(200);
  const routes = boundedLabel(500);

  return {
    registry,
    /** One answered request: `route` is the matched pattern (`/api/customers/:id`), never the raw path. */
    httpRequest(method: string, route: string, status: number, seconds: number): void {
      const labels = { method, route: routes(route), status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },
    /** What ingest answered for each event; `outcomes` null: the batch failed as a whole (`error`). */
    eventsIngested(inputs: readonly EventInput[], outcomes: readonly EventOutcome[] | null): void {
      inputs.forEach((e, i) => events.inc({ type: eventType(e.type), outcome: outcomes?.[i]?.status ?? 'error' }));
    },
    /** `n` messages of `channel` recorded with `status` (and the reason, for those not sent). */
    messagesRecorded(channel: string, status: string, why: string | null | undefined, n = 1): void {
      if (n > 0) messages.inc({ channel, status, reason: reason(reasonLabel(status, why)) }, n);
    },
    /** Adds text to every scrape (a source that fails adds nothing, and the scrape still answers). */
    include(source: MetricsSource): void {
      sources.push(source);
    },
    contentType: registry.contentType,
    /** The exposition text: the registry, then each source's. */
    async text(): Promise<string> {
      const extra = await Promise.all(sources.map((s) => s().catch(() => '')));
      return [await registry.metrics(), ...extra].filter(Boolean).join('\n');
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
