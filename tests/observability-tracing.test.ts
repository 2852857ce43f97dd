// Tracing, when it is on: one trace from the API request through the Temporal client's call and the workflow
// to the activity that sends the email — the context carried in Temporal's headers. Spans go to an
// in-memory exporter here instead of OTLP; the workflow bundle is built with the OpenTelemetry interceptors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../src/observability/tracing.js';
import { writeWorkflowBundle } from '../src/worker/bundle.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const exporter = new InMemorySpanExporter();
const dir = mkdtempSync(join(tmpdir(), 'touchpoint-tracing-'));
let tracing: Tracing;
let stack: Stack;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'touchpoint-test', exporter, processor: (e) => new SimpleSpanProcessor(e) });
  const workflowBundlePath = await writeWorkflowBundle(join(dir, 'workflows.js'), { tracing: true });
  stack = await startStack({ timeSkipping: false, tracing: { tracing, workflowBundlePath } });
});

afterAll(async () => {
  await stack?.close();
  await tracing?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const named = (name: string) => (s: ReadableSpan) => s.name === name;

it('traces a signup from the API request to the activity that sends its email', async () => {
  const customer = uid('ada');
  expect((await stack.api('PUT', `/api/customers/${customer}`, { email: `${customer}@example.com`, name: 'Ada' })).status).toBe(201);
  expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: customer })).status).toBe(202);

  const spans = () => exporter.getFinishedSpans();
  const request = await waitFor(() => spans().find(named('POST /api/events')), 'the request span');
  expect(request.attributes).toMatchObject({ 'http.route': '/api/events', 'http.response.status_code': 202 });
  const inTrace = (s: ReadableSpan) => s.spanContext().traceId === request.spanContext().traceId;
  const parentOf = (s: ReadableSpan) => s.parentSpanId;

  // The workflow's spans reach the exporter through a sink, after its activation: they may come after the activity's.
  const { sent, scheduled } = await waitFor(() => {
    const sent = spans().find((s) => s.name === 'RunActivity:sendEmailTouch' && inTrace(s));
    const scheduled = spans().find((s) => s.name === 'StartActivity:sendEmailTouch' && inTrace(s));
    return sent && scheduled ? { sent, scheduled } : null;
  }, 'the send activity, scheduled and run, in the trace');
  const started = spans().find((s) => s.name === 'SignalWithStartWorkflow:welcome' && inTrace(s));
  expect(
    started,
    spans()
      .map((s) => s.name)
      .join(', '),
  ).toBeDefined();
  // request → signal-with-start → (the workflow's run) → schedule the activity → run it.
  expect(parentOf(started!)).toBe(request.spanContext().spanId);
  expect(parentOf(sent)).toBe(scheduled.spanContext().spanId);
});

it('continues the trace a caller sends (W3C traceparent)', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  await stack.app.request('/healthz', { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
  const span = await waitFor(
    () => exporter.getFinishedSpans().find((s) => s.name === 'GET /healthz' && s.spanContext().traceId === traceId),
    'the probe’s span in the caller’s trace',
  );
  expect(span.parentSpanId).toBe('00f067aa0ba902b7');
});
