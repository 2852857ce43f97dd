// Optional OpenTelemetry tracing, on only when an OTLP endpoint is configured: a span per API request, the
// Temporal client's calls under it (start, signal-with-start…), the workflow's run and each activity under
// those (the SDK's interceptors carry the context in Temporal headers), and the database statements drizzle
// traces. Exported over OTLP/HTTP in batches.
import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

export interface Tracing {
  /** For the Temporal client (`plugins`) and the worker (`plugins`: its workflow and activity interceptors). */
  plugin: OpenTelemetryPlugin;
  /**
   * Runs `fn` in a server span for one HTTP request, under the caller's span when its headers carry one
   * (W3C `traceparent`); `name()` is read when it ends.
   */
  request<T>(headers: Record<string, string>, name: () => string, fn: (span: Span) => Promise<T>): Promise<T>;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** Starts tracing for this process (`exporter`: tests pass an in-memory one; `processor`: its processor, e.g. a simple one). */
export function startTracing(options: {
  url?: string;
  serviceName: string;
  exporter?: SpanExporter;
  processor?: (exporter: SpanExporter) => SpanProcessor;
}): Tracing {
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: options.url });
  const spanProcessor = options.processor?.(exporter) ?? new BatchSpanProcessor(exporter);
  const resource = new Resource({ 'service.name': options.serviceName });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  const tracer = trace.getTracer('touchpoint');
  return {
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor, tracer }),
    request: (headers, name, fn) =>
      tracer.startActiveSpan('HTTP request', { kind: SpanKind.SERVER }, propagation.extract(ROOT_CONTEXT, headers), async (span) => {
        try {
          return await fn(span);
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.updateName(name());
          span.end();
        }
      }),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
