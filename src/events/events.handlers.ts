import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import { customerErased, DomainError, validationError } from '../domain/errors.js';
import { knownEventProperties } from './properties.js';
import { eventSchema, type getBacklog, MAX_BATCH, type postEvents } from './events.routes.js';

export const postEventsHandler: RouteHandler<typeof postEvents, AppEnv> = async (c) => {
  const body: unknown = await c.req.json();
  const batch = Array.isArray(body) ? body : [body];
  if (batch.length === 0) throw new DomainError('validation_error', 'body: the batch is empty', 'body', 422);
  if (batch.length > MAX_BATCH) {
    throw new DomainError('batch_too_large', `a batch holds at most ${MAX_BATCH} events; got ${batch.length}`, undefined, 413);
  }
  // Every event is checked before any is stored: one bad event rejects the whole batch, nothing half-written.
  const events = batch.map((raw, i) => {
    const at = Array.isArray(body) ? [i] : [];
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error, at);
    // Journeys read some properties of well-known types (a cart's items, an order's cart): check them too.
    const properties = knownEventProperties[parsed.data.type]?.safeParse(parsed.data.properties ?? {});
    if (properties && !properties.success) throw validationError(properties.error, [...at, 'properties']);
    return parsed.data;
  });
  const results = await c.var.deps.ingest(events);
  // One event for an erased customer is refused as PUT /api/customers/:id refuses it; in a batch it is that
  // event's outcome, beside the others'.
  if (!Array.isArray(body) && results[0]!.status === 'refused') throw customerErased(events[0]!.customerId, 'customerId');
  return c.json({ results }, 202);
};

export const getBacklogHandler: RouteHandler<typeof getBacklog, AppEnv> = async (c) => c.json(await c.var.deps.eventBacklog(), 200);
