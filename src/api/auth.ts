// Every route but the public ones takes an API key: `Authorization: Bearer <key>`, or HTTP Basic with the
// key as the user name (how Segment's libraries send a write key). The key's workspace is then the one every
// statement of the request acts for (src/db/workspace.ts), and its scopes decide what it may call.
import type { MiddlewareHandler } from 'hono';
import { inWorkspace, outsideAnyWorkspace } from '../db/workspace.js';
import { DomainError } from '../domain/errors.js';
import type { ApiScope } from '../domain/scopes.js';
import { grants } from '../domain/scopes.js';
import type { AppEnv } from './router.js';
import { sendError } from './errors.js';
import { log } from '../observability/logger.js';
import { presentsToken } from '../observability/metrics-server.js';

/**
 * Routes anyone may call: probes, the API's documents, the dashboard's files (its data comes from the API,
 * with a key), tracking links, unsubscribe, delivery reports (signed).
 */
const PUBLIC = [
  /^\/app(\/|$)/,
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/docs(\/|$)/,
  /^\/openapi\.json$/,
  /^\/t\//,
  /^\/u\//,
  /^\/api\/webhooks\/delivery\//,
];

/** Only what an admin key may do, whatever the method: keys, settings, workspaces, the installation's metrics. */
const ADMIN = [/^\/metrics$/, /^\/api\/keys(\/|$)/, /^\/api\/settings$/, /^\/api\/workspaces(\/|$)/, /^\/api\/ai-ops\/customer\/settings$/];

/** What a product backend sends: events and customer profiles (identify), here and on the Segment surface. */
const EVENTS_WRITE: Array<[string, RegExp]> = [
  ['POST', /^\/api\/events(\/|$)/],
  ['PUT', /^\/api\/customers\/[^/]+$/],
  ['POST', /^\/v1\//],
];

/** The scope a request needs; null for a public route. Paths are matched as Hono routes them (no query). */
export function requiredScope(method: string, path: string): ApiScope | null {
  if (PUBLIC.some((p) => p.test(path))) return null;
  if (ADMIN.some((p) => p.test(path))) return 'admin';
  const m = method.toUpperCase();
  // Erasure: `DELETE /api/customers/:id`.
  if (m === 'DELETE' && /^\/api\/customers\/[^/]+$/.test(path)) return 'admin';
  if (EVENTS_WRITE.some(([verb, p]) => verb === m && p.test(path))) return 'events:write';
  if (m === 'GET' || m === 'HEAD') return 'read';
  return 'marketing:write';
}

/** The key a request presents, or null. */
export function presentedKey(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [kind, value] = authorization.trim().split(/\s+/, 2);
  if (!value) return null;
  if (kind?.toLowerCase() === 'bearer') return value;
  if (kind?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    return user || null;
  }
  return null;
}

export interface RateLimit {
  /** Requests per second a key may make on average; 0: no limit. */
  perSecond: number;
  /** Requests a key may make at once above that (the bucket's size). */
  burst: number;
}

/** A token bucket per key, in this process: each API process limits the requests it answers. */
export function createRateLimiter(limit: RateLimit) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** 0 when the request may go, else the seconds to wait before the next one would. */
    take(keyId: string, now = Date.now()): number {
      if (limit.perSecond <= 0) return 0;
      const bucket = buckets.get(keyId) ?? { tokens: limit.burst, at: now };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
      bucket.at = now;
      buckets.set(keyId, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
    },
  };
}

/** `metricsToken`: the bearer token Prometheus may present to GET /metrics instead of an admin key. */
export function authenticate(limit: RateLimit, metricsToken?: string): MiddlewareHandler<AppEnv> {
  const limiter = createRateLimiter(limit);
  return async (c, next) => {
    const needed = requiredScope(c.req.method, c.req.path);
    if (needed === null) return outsideAnyWorkspace(() => next());
    if (metricsToken && c.req.path === '/metrics' && presentsToken(c.req.header('authorization'), metricsToken)) {
      return outsideAnyWorkspace(() => next());
    }
    const key = presentedKey(c.req.header('authorization'));
    const caller = key ? await c.var.deps.keys.authenticate(key) : null;
    if (!caller) {
      c.header('WWW-Authenticate', 'Bearer realm="touchpoint"');
      const message = key ? 'the API key is unknown or revoked' : 'an API key is required: Authorization: Bearer <key>';
      return sendError(c, new DomainError('unauthorized', message, 'authorization', 401));
    }
    if (!grants(caller.scopes, needed)) {
      return sendError(c, new DomainError('forbidden', `this API key lacks the scope ${needed}`, 'authorization', 403, { scope: needed }));
    }
    const wait = limiter.take(caller.keyId);
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return sendError(c, new DomainError('rate_limited', `too many requests with this API key: retry in ${wait} s`, 'authorization', 429));
    }
    c.set('caller', caller);
    log.debug({ workspace: caller.workspaceId, keyId: caller.keyId, scope: needed }, 'authenticated');
    return inWorkspace(caller.workspaceId, () => next());
  };
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
type Operation = { security?: unknown; description?: string; 'x-scope'?: string };

/**
 * Declares each route's authentication in the OpenAPI document from the one rule above: public routes
 * `security: []`, the others the API key with the scope they need (`x-scope`, and said in the description).
 */
export function declareScopes<T extends { paths?: object }>(doc: T): T {
  for (const [template, operations] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, Operation | undefined>>)) {
    const path = template.replace(/\{(\w+)\}/g, '$1');
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation || !HTTP_METHODS.has(method)) continue;
      const scope = requiredScope(method, path);
      if (scope === null) {
        operation.security = [];
        continue;
      }
      operation.security = [{ apiKey: [] }];
      operation['x-scope'] = scope;
      operation.description = `${operation.description ? `${operation.description}\n\n` : ''}Requires an API key with the scope \`${scope}\`.`;
    }
  }
  return doc;
}
