// What route definitions share: the JSON response and error response shapes, the request-body guard, paging
// and id parameters. One definition each, so the OpenAPI document describes them alike everywhere.
import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { DomainError, fieldPath } from '../domain/errors.js';
import { errorSchema } from './errors.js';
import { ERROR_DESCRIPTIONS, retryAfter } from './responses.js';

/** A JSON response of a route. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** A required JSON request body (checked by jsonBody first, then validated against `schema`). */
export const jsonRequest = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true as const,
  ...(description ? { description } : {}),
  content: { 'application/json': { schema } },
});

/**
 * The `{ error: { code, message, field } }` answers a route gives of its own, by status. Those of the shared
 * machinery (API key, body, ids, query, database) are added to every operation by declareCommonResponses.
 */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { ...json(errorSchema, ERROR_DESCRIPTIONS[s] ?? 'Error'), ...(s === 429 || s === 503 ? { headers: retryAfter } : {}) },
    ]),
  );

/**
 * An ISO 8601 date-time with its offset, from 1900 to 9999: the years a timestamp column stores and reads
 * back as a JavaScript Date (year 15 is stored, then read back as an invalid date).
 */
export const isoTimestamp = () =>
  z.iso.datetime({ offset: true }).refine((v) => {
    const t = Date.parse(v);
    return t >= Date.UTC(1900, 0, 1) && t < Date.UTC(10_000, 0, 1);
  }, 'must be a date-time between the years 1900 and 9999');

/**
 * A route's own 503 (what it answers when Temporal could not be reached for some of the work), which is the
 * Error of an unavailable database too (with Retry-After).
 */
export const partlyUnavailable = <T extends z.ZodType>(schema: T, description: string) => ({
  description: `${description}; or the database is unavailable (\`unavailable\`, Retry-After)`,
  headers: retryAfter,
  content: { 'application/json': { schema: z.union([schema, errorSchema]) } },
});

/** `page` (from 1) and `page_size` query parameters. */
export const pageQuery = (maxPageSize: number, defaultPageSize: number) => ({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1).openapi({ description: 'From 1' }),
  page_size: z.coerce
    .number()
    .int()
    .min(1)
    .max(maxPageSize)
    .default(defaultPageSize)
    .openapi({ description: `1–${maxPageSize}` }),
});

/** What a paged list answers beside its items. */
export const paginationSchema = z.object({ total: z.number().int(), page: z.number().int(), page_size: z.number().int() });

/** An `{id}` path parameter. */
export const idParam = (maxLength: number, example?: string) =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(maxLength)
      .openapi({ param: { name: 'id', in: 'path' }, ...(example ? { example } : {}) }),
  });

/**
 * The path to the first string (value or key) holding NUL (U+0000), or null. PostgreSQL stores no NUL in
 * text or jsonb, so such input is refused up front, naming where it is, instead of failing in a statement.
 */
export function nulPath(value: unknown): PropertyKey[] | null {
  // Iterative: a body may nest deeper than the call stack goes.
  const pending: Array<[unknown, PropertyKey[]]> = [[value, []]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      if (item.includes('\0')) return path;
    } else if (item !== null && typeof item === 'object') {
      const entries: Array<[PropertyKey, unknown]> = Array.isArray(item) ? [...item.entries()] : Object.entries(item);
      for (const [key, child] of entries.reverse()) {
        if (typeof key === 'string' && key.includes('\0')) return [...path, key];
        pending.push([child, [...path, key]]);
      }
    }
  }
  return null;
}

/** The refusal of input holding NUL: a validation error naming the field (400 `invalid_query` in a query string, see createRouter). */
export function nulRefused(path: PropertyKey[], status: 400 | 422 = 422): DomainError {
  const field = fieldPath(path);
  return new DomainError('validation_error', `${field || 'body'}: must not contain the NUL character (U+0000)`, field || 'body', status);
}

/**
 * Checks a JSON request body before validation: 415 when it is not JSON, 413 when it is larger than
 * maxBytes, 400 when it does not parse, 422 (or the route's `invalidStatus`) when a string in it holds NUL.
 * The parsed body is left in Hono's cache for the validator.
 */
export function jsonBody(maxBytes: number, options: { invalidStatus?: 400 | 422 } = {}): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
      throw new DomainError('unsupported_media_type', `Content-Type must be application/json, got "${type || 'none'}"`, undefined, 415);
    }
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > maxBytes)
      throw new DomainError('payload_too_large', `body is ${declared} bytes; the limit is ${maxBytes}`, undefined, 413);
    const text = await c.req.text();
    if (Buffer.byteLength(text) > maxBytes)
      throw new DomainError('payload_too_large', `body is larger than ${maxBytes} bytes`, undefined, 413);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new DomainError('invalid_json', `body is not valid JSON: ${(err as Error).message}`, undefined, 400);
    }
    const nul = nulPath(parsed);
    if (nul) throw nulRefused(nul, options.invalidStatus);
    await next();
  };
}

/** A customer id in the path (`/api/customers/{id}`, `/api/recommendations/{id}`…). */
export const customerIdParam = idParam(200, 'cust_42');
