import { readFileSync } from 'node:fs';
import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { routeOf } from '../../src/api/observe.js';
import { loadConfig } from '../../src/env.js';
import { configureLogging, log } from '../../src/observability/logger.js';
import { boundedLabel, createMetrics, reasonLabel } from '../../src/observability/metrics.js';
import { presentsToken } from '../../src/observability/metrics-server.js';
import { pinoTemporalLogger } from '../../src/observability/temporal-logger.js';
import { messagesRecorded, onMessagesRecorded } from '../../src/observability/touches.js';
import { valueOf } from '../helpers/prometheus.js';

describe('labels', () => {
  it('keeps the first values of an outside label and counts later ones as other', () => {
    const label = boundedLabel(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map(label)).toEqual(['a', 'b', 'other', 'a', 'other', 'b']);
  });

  it('turns a message reason into a bounded label: codes as they are, free text by kind', () => {
    expect(reasonLabel('sent', null)).toBe('');
    expect(reasonLabel('skipped', 'frequency_cap')).toBe('frequency_cap');
    expect(reasonLabel('skipped', 'no_email_address')).toBe('no_email_address');
    expect(reasonLabel('failed', 'template error: undefined variable: customer.nme')).toBe('template_error');
    expect(reasonLabel('failed', '550 5.1.1 mailbox unavailable')).toBe('rejected');
    expect(reasonLabel('uncertain', 'the attempt sending it stopped before recording the answer; not sent again')).toBe('abandoned');
    expect(reasonLabel('skipped', 'Something Else')).toBe('other');
  });
});

describe('metrics', () => {
  it('counts requests by route pattern, events by type and outcome, messages by channel, status and reason', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.httpRequest('GET', '/api/customers/:id', 200, 0.012);
    metrics.httpRequest('GET', '/api/customers/:id', 200, 0.3);
    metrics.eventsIngested(
      [
        { id: 'e1', type: 'user_signup', customerId: 'a' },
        { id: 'e2', type: 'user_signup', customerId: 'b' },
      ],
      [
        { id: 'e1', status: 'duplicate' },
        { id: 'e2', status: 'duplicate' },
      ],
    );
    metrics.eventsIngested([{ id: 'e3', type: 'order_completed', customerId: 'a' }], null);
    metrics.messagesRecorded('email', 'skipped', 'quiet_hours', 3);
    metrics.messagesRecorded('sms', 'failed', 'HTTP 400 from the provider');
    metrics.include(async () => '# TYPE temporal_request_total counter\ntemporal_request_total 5\n');
    metrics.include(() => Promise.reject(new Error('exporter down')));
    const text = await metrics.text();
    expect(valueOf(text, 'touchpoint_http_requests_total', { method: 'GET', route: '/api/customers/:id', status: '200' })).toBe(2);
    expect(valueOf(text, 'touchpoint_http_request_duration_seconds_bucket', { route: '/api/customers/:id', le: '0.025' })).toBe(1);
    expect(valueOf(text, 'touchpoint_http_request_duration_seconds_sum')).toBeCloseTo(0.312);
    expect(valueOf(text, 'touchpoint_events_total', { type: 'user_signup', outcome: 'duplicate' })).toBe(2);
    expect(valueOf(text, 'touchpoint_events_total', { type: 'order_completed', outcome: 'error' })).toBe(1);
    expect(valueOf(text, 'touchpoint_messages_total', { channel: 'email', status: 'skipped', reason: 'quiet_hours' })).toBe(3);
    expect(valueOf(text, 'touchpoint_messages_total', { channel: 'sms', status: 'failed', reason: 'rejected' })).toBe(1);
    expect(valueOf(text, 'temporal_request_total')).toBe(5);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('hears recorded messages for as long as it listens', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const stop = onMessagesRecorded(metrics.messagesRecorded);
    messagesRecorded('push', 'sent');
    messagesRecorded('push', 'sent', null, 0);
    stop();
    messagesRecorded('push', 'sent');
    expect(valueOf(await metrics.text(), 'touchpoint_messages_total', { channel: 'push', status: 'sent' })).toBe(1);
  });
});

describe('routeOf', () => {
  it('is the pattern of the route that answered, or unmatched', async () => {
    const app = new OpenAPIHono();
    const seen: string[] = [];
    app.use(async (c, next) => {
      await next();
      seen.push(routeOf(c));
    });
    app.get('/api/customers/:id', (c) => c.text('ok'));
    const sub = new OpenAPIHono().post('/campaigns/:id/trigger', (c) => c.text('ok'));
    app.route('/api/marketing', sub);
    await app.request('/api/customers/ada');
    await app.request('/api/marketing/campaigns/c-1/trigger', { method: 'POST' });
    await app.request('/api/nothing');
    expect(seen).toEqual(['/api/customers/:id', '/api/marketing/campaigns/:id/trigger', 'unmatched']);
  });
});

describe('metrics token', () => {
  it('takes exactly the bearer token', () => {
    const token = 'metrics-token-0123456789';
    expect(presentsToken(`Bearer ${token}`, token)).toBe(true);
    expect(presentsToken(`bearer  ${token} `, token)).toBe(true);
    expect(presentsToken(`Bearer ${token}x`, token)).toBe(false);
    expect(presentsToken(`Basic ${token}`, token)).toBe(false);
    expect(presentsToken(undefined, token)).toBe(false);
  });
});

describe('the Temporal SDK logger', () => {
  it('writes the SDK’s lines as JSON with their attributes, at WARN unless the level is debug', () => {
    const written: string[] = [];
    configureLogging({ level: 'info', format: 'json', destination: { write: (l: string) => void written.push(l) } });
    try {
      const sdk = pinoTemporalLogger(log, 'info');
      sdk.info('Workflow bundle created', { sdkComponent: 'worker' });
      sdk.warn('Activity failed', { workflowId: 'welcome/ada', activityType: 'sendEmail', error: new Error('SMTP down') });
      pinoTemporalLogger(log, 'debug').debug('Activity completed', { workflowId: 'welcome/ada' });
      const lines = written.map((l) => JSON.parse(l) as Record<string, any>);
      // The INFO line is below the SDK's WARN at LOG_LEVEL=info; at LOG_LEVEL=debug its debug lines pass.
      expect(lines.map((l) => l.msg)).toEqual(['Activity failed', 'Activity completed']);
      expect(lines[1]).toMatchObject({ level: 'debug', workflowId: 'welcome/ada' });
      expect(lines[0]).toMatchObject({ level: 'warn', msg: 'Activity failed', workflowId: 'welcome/ada', activityType: 'sendEmail' });
      expect(lines[0]!.err).toMatchObject({ type: 'Error', message: 'SMTP down' });
    } finally {
      configureLogging({ level: 'warn', format: 'json' });
    }
  });
});

describe('configuration', () => {
  it('reads the observability variables', () => {
    expect(loadConfig({}).observability).toEqual({
      logFormat: undefined,
      metricsToken: undefined,
      workerMetrics: undefined,
      temporalMetricsAddress: undefined,
      tracing: undefined,
    });
    const config = loadConfig({
      LOG_FORMAT: 'pretty',
      METRICS_TOKEN: 'metrics-token-0123456789',
      WORKER_METRICS_PORT: '9464',
      WORKER_METRICS_HOST: '0.0.0.0',
      TEMPORAL_METRICS_ADDRESS: '0.0.0.0:9465',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318/',
      OTEL_SERVICE_NAME: 'touchpoint-eu',
    });
    expect(config.observability).toEqual({
      logFormat: 'pretty',
      metricsToken: 'metrics-token-0123456789',
      workerMetrics: { host: '0.0.0.0', port: 9464 },
      temporalMetricsAddress: '0.0.0.0:9465',
      tracing: { url: 'http://otel-collector:4318/v1/traces', serviceName: 'touchpoint-eu' },
    });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/v1/traces' }).observability.tracing).toEqual({
      url: 'https://traces.example/v1/traces',
      serviceName: undefined,
    });
  });

  it('refuses a worker metrics listener open to the network without a token', () => {
    expect(() => loadConfig({ WORKER_METRICS_PORT: '9464', WORKER_METRICS_HOST: '0.0.0.0' })).toThrow(/METRICS_TOKEN: required/);
    expect(loadConfig({ WORKER_METRICS_PORT: '9464' }).observability.workerMetrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});

describe('the Grafana dashboard', () => {
  it('is dashboard JSON whose every Touchpoint metric is a documented family', () => {
    const root = new URL('../../', import.meta.url);
    const dashboard = JSON.parse(readFileSync(new URL('docs/grafana-dashboard.json', root), 'utf8'));
    const docs = readFileSync(new URL('docs/observability.md', root), 'utf8');
    expect(dashboard).toMatchObject({ title: 'Touchpoint', uid: expect.any(String), schemaVersion: expect.any(Number) });
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(15);
    const names = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(touchpoint_\w+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]!)));
    expect(names.size).toBeGreaterThanOrEqual(10);
    for (const name of names) expect(docs, name).toContain(`\`${name}\``);
  });
});
