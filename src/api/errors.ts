import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import { DomainError, type ErrorStatus } from '../domain/errors.js';
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
    // Hono's own refusals (a body it could not read): their status is whatever Hono chose.
    return sendError(c, new DomainError('http_error', err.message || 'request failed', undefined, err.status as ErrorStatus));
  }
  if (isDatabaseUnavailable(err)) {
    c.header('Retry-After', UNAVAILABLE_RETRY_AFTER);
    return sendError(c, new DomainError('unavailable', 'the database is unavailable; retry later', undefined, 503));
  }
  log.error({ err, req: { method: c.req.method, path: c.req.path } }, 'request failed');
  return sendError(c, new DomainError('internal_error', 'internal error', undefined, 500));
};
