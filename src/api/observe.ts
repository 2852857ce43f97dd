// What every request leaves behind: its request id (X-Request-Id, the caller's when it sent a usable one),
// on the answer and on every log line written while it is served; one log line when it is answered
// (hono-pino); its count and duration by route pattern; and, when tracing is on, its server span.
import type { Context, MiddlewareHandler } from 'hono';
import { pinoLogger } from 'hono-pino';
import { requestId } from 'hono/request-id';
import { matchedRoutes } from 'hono/route';
import { inRequestScope, log } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { AppEnv } from './router.js';

/** The pattern of the route that answers (`/api/customers/:id`), or `unmatched`: the label never holds a raw path. */
export function routeOf(c: Context): string {
  return (
    matchedRoutes(c)
      .filter((r) => r.method !== 'ALL')
      .at(-1)?.path ?? 'unmatched'
  );
}

/** Probes and scrapes answer every few seconds: logged at debug, unless they fail. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/** The request id and its scope: first, so that every line of the request has the id. */
export const identifyRequests = (): MiddlewareHandler<AppEnv>[] => [requestId(), (c, next) => inRequestScope(c.var.requestId, next)];

/** One line per answered request (hono-pino, which also sets c.var.logger). */
export function logRequests() {
  return pinoLogger({
    contextKey: 'logger' as const,
    pino: log,
    http: {
      // The id is on every line already (the request's scope): none of hono-pino's own.
      reqId: false,
      referRequestIdKey: 'noRequestIdBinding',
      // Method and path only: headers carry credentials. Tracking and unsubscribe paths are capabilities
      // (their signed token is the whole credential): their route pattern stands in for them.
      onReqBindings: (c) => ({ req: { method: c.req.method, path: /^\/(t|u)\//.test(c.req.path) ? routeOf(c) : c.req.path } }),
      onResBindings: (c) => ({ res: { status: c.res.status }, route: routeOf(c) }),
      onResLevel: (c) => (c.res.status >= 500 ? 'error' : QUIET.has(c.req.path) && c.res.status < 400 ? 'debug' : 'info'),
      onResMessage: () => 'request answered',
    },
  });
}

/** The request's count and duration by route pattern, and its span when tracing is on. */
export function measureRequests(metrics: Metrics, tracing?: Tracing): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const run = tracing
      ? tracing.request(
          c.req.header(),
          () => `${c.req.method} ${routeOf(c)}`,
          async (span) => {
            await next();
            span.setAttributes({
              'http.request.method': c.req.method,
              'http.route': routeOf(c),
              'http.response.status_code': c.res.status,
            });
          },
        )
      : next();
    await run;
    metrics.httpRequest(c.req.method, routeOf(c), c.res.status, (performance.now() - started) / 1000);
  };
}
