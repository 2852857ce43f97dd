import { and, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { customers, events } from '../db/schema.js';
import type { DispatchOutcome, Journeys } from '../journeys/index.js';

export interface EventInput {
  id: string;
  type: string;
  customerId: string;
  timestamp?: string;
  properties?: Record<string, unknown>;
}

export type EventOutcome =
  | { id: string; status: 'accepted'; customerCreated: boolean; journeys: DispatchOutcome[] }
  | { id: string; status: 'duplicate' }
  | { id: string; status: 'failed'; error: { code: 'dispatch_failed'; message: string } };

/**
 * Stores a batch of events and hands the new ones to their journeys.
 *
 * Order matters for "never lose, never duplicate": an event row is written first (its id is the
 * producer's idempotency key), then dispatched, then marked dispatched. A crash or a Temporal outage in
 * between leaves the row undispatched, and the producer's retry dispatches it again instead of calling
 * it a duplicate. Dispatch itself is idempotent (deterministic workflow ids, and journeys drop an event id
 * they have seen), so a repeat is harmless. Only the request that stored the event reports it `accepted`.
 */
export async function ingestEvents(db: Db, journeys: Journeys, batch: EventInput[]): Promise<EventOutcome[]> {
  const now = new Date();
  const customerIds = [...new Set(batch.map((e) => e.customerId))];
  const { created: createdIds, erased } = await ensureCustomers(db, customerIds);

  // The first occurrence of an id in the batch wins; later ones are duplicates like any repeat.
  const firstIndex = new Map<string, number>();
  batch.forEach((e, i) => {
    if (!firstIndex.has(e.id)) firstIndex.set(e.id, i);
  });
  const unique = [...firstIndex.values()].map((i) => batch[i]!);

  const inserted = await db
    .insert(events)
    .values(
      unique.map((e) => ({
        id: e.id,
        type: e.type,
        customerId: e.customerId,
        properties: e.properties ?? {},
        occurredAt: e.timestamp ? new Date(e.timestamp) : now,
        receivedAt: now,
      })),
    )
    .onConflictDoNothing({ target: events.id })
    .returning({ id: events.id });
  const toDispatch = new Set(inserted.map((r) => r.id));

  // Seen before but never dispatched (a crash or outage last time): dispatch now, as the stored event.
  const seen = unique.filter((e) => !toDispatch.has(e.id)).map((e) => e.id);
  const stored = new Map<string, { id: string; type: string; customerId: string; properties: Record<string, unknown>; occurredAt: Date }>();
  if (seen.length) {
    const undispatched = await db
      .select({ id: events.id, type: events.type, customerId: events.customerId, properties: events.properties, occurredAt: events.occurredAt })
      .from(events)
      .where(and(inArray(events.id, seen), isNull(events.dispatchedAt)));
    for (const row of undispatched) {
      toDispatch.add(row.id);
      stored.set(row.id, row);
    }
  }

  const results = new Map<string, EventOutcome>();
  await Promise.all(
    unique
      .filter((e) => toDispatch.has(e.id))
      .map(async (e) => {
        const event = stored.get(e.id) ?? { ...e, occurredAt: e.timestamp ? new Date(e.timestamp) : now };
        try {
          // An erased customer's events are kept (anonymous counts) but start nothing.
          const outcome = erased.has(event.customerId) ? [] : await journeys.dispatch({
                ...event,
                properties: event.properties ?? {},
                // The stored time (the producer's, or when received): journeys that count time read it.
                occurredAt: event.occurredAt.toISOString(),
              });
          // A repeat that found its event undispatched (a crash, an outage, or a concurrent first attempt)
          // dispatches it again — harmless, journeys drop events they have seen — but stays a duplicate.
          results.set(
            e.id,
            stored.has(e.id)
              ? { id: e.id, status: 'duplicate' }
              : { id: e.id, status: 'accepted', customerCreated: createdIds.has(e.customerId), journeys: outcome },
          );
        } catch (err) {
          results.set(e.id, { id: e.id, status: 'failed', error: { code: 'dispatch_failed', message: (err as Error).message } });
        }
      }),
  );

  const dispatched = [...results.values()].filter((r) => r.status !== 'failed').map((r) => r.id);
  if (dispatched.length) {
    await db.update(events).set({ dispatchedAt: sql`now()` }).where(inArray(events.id, dispatched));
  }

  return batch.map((e, i) =>
    firstIndex.get(e.id) === i ? (results.get(e.id) ?? { id: e.id, status: 'duplicate' }) : { id: e.id, status: 'duplicate' },
  );
}

/**
 * Creates the customers that do not exist yet and tells which were created and which are erased, in one
 * statement: ingestion is the API's hot path, and PGlite runs every query on the one main thread.
 */
async function ensureCustomers(db: Db, ids: string[]): Promise<{ created: Set<string>; erased: Set<string> }> {
  const list = sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::text[]`;
  const result = await db.execute(sql`
    with inserted as (
      insert into ${customers} (id) select unnest(${list}) on conflict do nothing returning id
    )
    select id, true as created, false as erased from inserted
    union all
    select id, false, erased_at is not null from ${customers}
    where id = any(${list}) and id not in (select id from inserted)`);
  // postgres.js answers with the rows, PGlite with { rows }.
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ id: string; created: boolean; erased: boolean }>;
  return {
    created: new Set(rows.filter((r) => r.created).map((r) => r.id)),
    erased: new Set(rows.filter((r) => r.erased).map((r) => r.id)),
  };
}
