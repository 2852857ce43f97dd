import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { TrieRouter } from 'hono/router/trie-router';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import { DomainError, type ErrorStatus } from '../domain/errors.js';
import { isTemporalUnavailable } from '../temporal/unavailable.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { log } from '../observability/logger.js';

/** Seconds a client is asked to wait when the database is away. */
const UNAVAILABLE_RETRY_AFTER = '5';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_error' }),
      message: z.string(),
      field: z.string().optional().openapi({ example: 'events[2].type' }),
    }),
  })
  .openapi('Error');

export function sendError(c: Context, err: DomainError) {
  return c.json(
    { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) }, ...err.details },
    err.status as ContentfulStatusCode,
  );
}

/** The one place a failure becomes an answer: refusals by their status, the database away a 503, anything else a 500. */
export const onError: ErrorHandler = (err, c) => {
  if (err instanceof DomainError) return sendError(c, err);
  if (err instanceof HTTPException) {
    // Hono's own refusals (a body it could not read): their status is whatever Hono chose. Its validator's
    // refusal of a body that does not parse (routes whose body is optional) is the same `invalid_json` as ours.
    if (err.status === 400 && /malformed json/i.test(err.message))
      return sendError(c, new DomainError('invalid_json', `body is not valid JSON: ${err.message}`, undefined, 400));
    return sendError(c, new DomainError('http_error', err.message || 'request failed', undefined, err.status as ErrorStatus));
  }
  if (isDatabaseUnavailable(err)) {
    c.header('Retry-After', UNAVAILABLE_RETRY_AFTER);
    return sendError(c, new DomainError('unavailable', 'the database is unavailable; retry later', undefined, 503));
  }
  if (isTemporalUnavailable(err)) {
    c.header('Retry-After', UNAVAILABLE_RETRY_AFTER);
    return sendError(c, new DomainError('unavailable', 'the workflow service (Temporal) is unavailable; retry later', undefined, 503));
  }
  log.error({ err, req: { method: c.req.method, path: c.req.path } }, 'request failed');
  return sendError(c, new DomainError('internal_error', 'internal error', undefined, 500));
};

/**
 * What answers when no route does: 405 `method_not_allowed` with `Allow` when the path has routes for other
 * methods, else 404 `not_found`. The methods come from the app's own route table (`app.routes`, read at the
 * first such request, when every route is registered), matched by Hono's router as requests are.
 */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function noRoute(routes: () => ReadonlyArray<{ method: string; path: string }>): NotFoundHandler {
  let router: TrieRouter<string> | undefined;
  const methodsFor = (path: string) => {
    if (!router) {
      router = new TrieRouter<string>();
      // Middleware is registered for every method (`ALL`); only handlers of one method are routes.
      for (const route of routes()) if (route.method !== 'ALL') router.add('ALL', route.path, route.method);
    }
    const methods = new Set(router.match('ALL', path)[0].map(([method]) => method));
    // Hono answers HEAD with the GET route.
    if (methods.has('GET')) methods.add('HEAD');
    return METHOD_ORDER.filter((m) => methods.has(m));
  };
  return (c) => {
    const allowed = methodsFor(c.req.path);
    if (allowed.length === 0) {
      return sendError(c, new DomainError('not_found', `no route for ${c.req.method} ${c.req.path}`, undefined, 404));
    }
    c.header('Allow', allowed.join(', '));
    return sendError(
      c,
      new DomainError('method_not_allowed', `${c.req.path} answers ${allowed.join(', ')}, not ${c.req.method}`, undefined, 405),
    );
  };
}
