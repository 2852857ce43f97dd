// The error answers of the OpenAPI document. Routes declare the refusals of their own (404 of a missing
// campaign, 409 of a name taken, 410 of an erased customer); the answers the shared machinery gives are
// added here to every operation they apply to, so that no route can forget one: the API key (401, 403,
// 429), a request body (400, 413, 415, 422), path ids (404, 422), a query string (400), the database
// away (503) and a bug (500).
import { requiredScope } from './auth.js';

/** What each error status means wherever it is answered; the body is always the `Error` schema. */
export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request: a body that is not JSON (`invalid_json`), or a bad query parameter (`invalid_query`, naming it in `field`)',
  401: 'No API key, or an unknown or revoked one (`unauthorized`); `WWW-Authenticate` says how to send one',
  403: 'The API key lacks the scope this route needs (`forbidden`, `scope` beside the error)',
  404: 'Not found: the id names nothing in the workspace',
  405: 'The path exists, not with this method (`method_not_allowed`); `Allow` lists its methods',
  409: 'Conflict with the current state',
  410: 'Gone: the customer was erased (`customer_erased`)',
  413: 'The request body, or a batch, is larger than the route takes (`payload_too_large`, `batch_too_large`)',
  415: 'The body is not `application/json` (`unsupported_media_type`)',
  422: 'Invalid input (`validation_error` and others), naming the field (`field`): a path id too long, a body that does not validate',
  429: 'Too many requests with this API key (`rate_limited`); `Retry-After` says when to try again',
  500: 'An unexpected failure (`internal_error`); the details are in the server log',
  503: 'The database cannot be reached right now (`unavailable`); `Retry-After` says when to try again',
};

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** The header of a 429 and a 503: when to try again. */
export const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'string' as const, pattern: '^\\d+$' } },
};

/** One error answer of the document, as `errorResponses` declares them on routes. */
export function documentedError(status: number) {
  return {
    description: ERROR_DESCRIPTIONS[status] ?? 'Error',
    ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
    content: { 'application/json': { schema: ERROR_REF } },
  };
}

/** Operations that read no database: only they cannot answer 503 `unavailable`. */
const NO_DATABASE = new Set(['get /healthz']);

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

interface Operation {
  parameters?: Array<{ in?: string }>;
  requestBody?: { required?: boolean; content?: Record<string, unknown> };
  responses?: Record<string, unknown>;
  /** The status of a body that does not validate, when it is not 422 (the Segment surface answers 400). */
  'x-validation-status'?: number;
}

/** The statuses the shared machinery can answer for one operation (before the route's own). */
function commonStatuses(method: string, template: string, operation: Operation): number[] {
  const statuses = new Set<number>([500]);
  const path = template.replace(/\{(\w+)\}/g, '$1');
  if (requiredScope(method, path) !== null) [401, 403, 429].forEach((s) => statuses.add(s));
  const params = operation.parameters ?? [];
  // An id too long (or holding NUL) is a 422 naming it; a valid one may name nothing.
  if (params.some((p) => p.in === 'path')) [404, 422].forEach((s) => statuses.add(s));
  if (params.some((p) => p.in === 'query')) statuses.add(400);
  // No request larger than API_BODY_LIMIT_BYTES reaches any route, one that declares no body included.
  if (method !== 'get' && method !== 'head') statuses.add(413);
  const body = operation.requestBody;
  if (body) {
    // Any body: over the limit (413), not validating (422). A JSON one may not parse (400); a required JSON
    // one passes jsonBody, which refuses another content type (415).
    const json = Object.keys(body.content ?? {}).some((type) => /\bjson\b/.test(type));
    const invalid = operation['x-validation-status'] ?? 422;
    [413, invalid, ...(json ? [400] : []), ...(json && body.required ? [415] : [])].forEach((s) => statuses.add(s));
  }
  if (!NO_DATABASE.has(`${method} ${template}`)) statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

/** Adds the common error answers to every operation of the document; a route's own declaration of a status wins. */
export function declareCommonResponses<T extends { paths?: object }>(doc: T): T {
  for (const [template, operations] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, Operation | undefined>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation || !HTTP_METHODS.has(method)) continue;
      const responses = (operation.responses ??= {});
      for (const status of commonStatuses(method, template, operation)) responses[String(status)] ??= documentedError(status);
    }
  }
  return doc;
}
