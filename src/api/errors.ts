import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { z } from '@hono/zod-openapi';

/** An expected failure with a machine-readable code; onError turns it into `{ error: { code, message, field } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_error' }),
      message: z.string(),
      field: z.string().optional().openapi({ example: 'events[2].type' }),
    }),
  })
  .openapi('Error');

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: 'Error', content: { 'application/json': { schema: errorSchema } } }]),
  );

export function sendError(c: Context, err: ApiError) {
  return c.json({ error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } }, err.status);
}

/** `events[2].type` from a zod path. */
export function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}

export function validationError(error: ZodError, prefix: PropertyKey[] = []): ApiError {
  const issue = error.issues[0]!;
  const path = [...prefix, ...issue.path];
  const field = fieldPath(path);
  // zod's "unrecognized keys" issue names the key itself, not the path.
  const keys = 'keys' in issue && Array.isArray(issue.keys) ? (issue.keys as string[]) : [];
  const named = keys.length ? fieldPath([...path, keys[0]!]) : field;
  return new ApiError(422, 'validation_error', `${named || 'body'}: ${issue.message}`, named || undefined);
}

export const onError: ErrorHandler = (err, c) => {
  if (err instanceof ApiError) return sendError(c, err);
  if (err instanceof HTTPException) {
    return sendError(c, new ApiError(err.status as ContentfulStatusCode, 'http_error', err.message || 'request failed'));
  }
  console.error(`[api] ${c.req.method} ${c.req.path} failed:`, err);
  return sendError(c, new ApiError(500, 'internal_error', 'internal error'));
};

/**
 * Checks a JSON request body before validation: 415 when it is not JSON, 413 when it is larger than
 * maxBytes, 400 when it does not parse. The parsed body is left in Hono's cache for the validator.
 */
export function jsonBody(maxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
      throw new ApiError(415, 'unsupported_media_type', `Content-Type must be application/json, got "${type || 'none'}"`);
    }
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > maxBytes) throw new ApiError(413, 'payload_too_large', `body is ${declared} bytes; the limit is ${maxBytes}`);
    const text = await c.req.text();
    if (Buffer.byteLength(text) > maxBytes) throw new ApiError(413, 'payload_too_large', `body is larger than ${maxBytes} bytes`);
    try {
      JSON.parse(text);
    } catch (err) {
      throw new ApiError(400, 'invalid_json', `body is not valid JSON: ${(err as Error).message}`);
    }
    await next();
  };
}
