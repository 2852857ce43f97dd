// What every router is built from: the dependencies handlers read (c.var.deps) and createRouter. Its own
// module, so that routers import it and createApp imports the routers, one way.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { PinoLogger } from 'hono-pino';
import type { MailCapture } from '../dev/mail-capture.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { Services } from '../services.js';
import type { Caller } from '../workspaces/keys.js';
import type { RateLimit } from './auth.js';
import { DomainError, validationError } from '../domain/errors.js';
import { sendError } from './errors.js';
import { nulPath, nulRefused } from './route-helpers.js';

export type AppDeps = Services & {
  /** Embedded mode's local SMTP capture, which GET /dev/mail lists; null elsewhere. */
  mailCapture: MailCapture | null;
  /** Per-key request rate and the largest request body any route takes. */
  api: { rateLimit: RateLimit; bodyLimitBytes: number };
  /**
   * The process's metrics (GET /metrics; unset: the app keeps its own, of its requests only), the token
   * Prometheus may present for them, and tracing when it is on.
   */
  observability?: { metrics: Metrics; metricsToken?: string; tracing?: Tracing };
  /** Where the Temporal UI shows this installation's runs (embedded mode's dev server), for the dashboard's links. */
  temporalUi?: { url: string; namespace: string };
};

/**
 * `caller`: the key a request authenticated with (unset on public routes and for METRICS_TOKEN); `logger`:
 * hono-pino's, for a handler's own lines (the module logger of src/observability/logger.ts writes the same).
 */
export type AppEnv = { Variables: { deps: AppDeps; requestId: string; caller: Caller; metrics: Metrics; logger: PinoLogger } };

/** A router whose validation failures become 422 `{ error: { code, message, field } }`. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      // A bad query string is a bad request (400); a body or path id that does not validate is unprocessable (422).
      let err: DomainError | null = null;
      if (!result.success) err = validationError(result.error);
      else if (result.target !== 'json') {
        // No text column takes NUL; bodies are checked whole by jsonBody.
        const nul = nulPath(result.data);
        if (nul) err = nulRefused(nul);
      }
      if (!err) return;
      if (result.target === 'query') return sendError(c, new DomainError('invalid_query', err.message, err.field, 400));
      return sendError(c, err);
    },
  });
}
