import { and, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { array, rowsOf } from '../db/sql-helpers.js';
import type { Db } from '../db/client.js';
import { coalesce } from '../db/coalesce.js';
import { customers, events, journeyRuns } from '../db/schema.js';
import { isActivity, latestActivity } from './activity.js';
import type { DispatchOutcome, IncomingEvent, Journeys } from '../journeys/journeys.js';
import { recordOrders } from './orders.js';

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
 * Stores events and hands the new ones to their journeys.
 *
 * Order matters for "never lose, never duplicate": an event row is written first (its id is the
 * producer's idempotency key), then dispatched, then marked dispatched. A crash or a Temporal outage in
 * between leaves the row undispatched, and the producer's retry dispatches it again instead of calling
 * it a duplicate. Dispatch itself is idempotent (deterministic workflow ids, and journeys drop an event id
 * they have seen), so a repeat is harmless. Only the request that stored the event reports it `accepted`.
 *
 * Ingestion is group-committed, one statement per batch: the events of concurrent requests are stored
 * together (events, customers and their activity in one statement); each request then dispatches its own
 * events at once — nothing waits behind another request's calls to Temporal — and answers. The dispatch
 * marks ride on the next batch's statement (or, when no batch follows, are written on their own shortly
 * after). A mark lost in a crash only means a repeat of that event is dispatched again, which journeys
 * ignore (they drop event ids they have seen, and message keys carry the triggering event's id).
 */
export function createEventIngest(
  db: Db,
  journeys: Journeys,
  options: { attributionWindowDays?: number } = {},
): (events: EventInput[]) => Promise<EventOutcome[]> {
  let pendingMarks: string[] = [];
  let markTimer: NodeJS.Timeout | undefined;
  const takeMarks = () => {
    const marks = pendingMarks;
    pendingMarks = [];
    return marks;
  };
  const store = coalesce<EventInput[], Planned[]>(
    async (requests) => {
      const marks = takeMarks();
      try {
        const planned = await storeEvents(db, journeys, requests.flat(), marks, options.attributionWindowDays);
        let at = 0;
        return requests.map((events) => planned.slice(at, (at += events.length)));
      } catch (err) {
        pendingMarks.push(...marks);
        throw err;
      }
    },
    { maxItems: 1000, size: (events) => events.length, delayMs: STORE_WINDOW_MS },
  );
  const flushMarks = () => {
    markTimer = undefined;
    const marks = takeMarks();
    if (marks.length) {
      markDispatched(db, marks).catch(() => {
        // Kept for the next batch; at worst a repeat of these events is dispatched again.
        pendingMarks.push(...marks);
      });
    }
  };
  return async (events) => {
    const planned = await store(events);
    const outcomes = await dispatchPlanned(journeys, planned);
    pendingMarks.push(...dispatchedIds(planned, outcomes));
    if (pendingMarks.length && !markTimer) markTimer = setTimeout(flushMarks, MARK_DELAY_MS).unref();
    return outcomes;
  };
}

/**
 * How long the first request of an idle moment waits for others to share its statement: a few
 * milliseconds of latency against several times fewer statements when requests arrive together.
 */
const STORE_WINDOW_MS = 2;

/** How long marks wait for a batch to ride on before they are written on their own. */
const MARK_DELAY_MS = 20;

/** What one position of a batch became once stored: a duplicate, or an event to dispatch. */
type Planned =
  | { kind: 'duplicate'; id: string }
  | {
      kind: 'dispatch';
      event: IncomingEvent;
      /** Stored by an earlier request that did not dispatch it: dispatched again, reported as a duplicate. */
      repeat: boolean;
      customerCreated: boolean;
      /** An erased customer's events are kept (anonymous counts) but start nothing. */
      erased: boolean;
      /** The churn win-back run this event ends (the customer came back). */
      endsChurnRun?: string;
    };

/**
 * Stores a batch in one statement (ingestion is the API's hot path; PGlite runs one statement at a time):
 * inserts the events, writes `marks` (earlier batches' dispatch marks), creates the customers that do not
 * exist yet, moves each customer's last activity forward by the events that were new (to within an hour,
 * so a busy customer is not rewritten on every click; a visit is counted when it moves) and tells which
 * customers were created, which are erased, and which came back while a churn win-back run was open for
 * their silence (cleared here, so the sweep counts a new silence from this activity). Orders, and events
 * stored earlier but never dispatched, take a statement more when there are any.
 */
async function storeEvents(db: Db, journeys: Journeys, batch: EventInput[], marks: string[], attributionWindowDays?: number): Promise<Planned[]> {
  const now = new Date();
  const customerIds = [...new Set(batch.map((e) => e.customerId))];

  // The first occurrence of an id in the batch wins; later ones are duplicates like any repeat.
  const firstIndex = new Map<string, number>();
  batch.forEach((e, i) => {
    if (!firstIndex.has(e.id)) firstIndex.set(e.id, i);
  });
  const unique = [...firstIndex.values()].map((i) => batch[i]!);
  const occurredAt = (e: EventInput) => (e.timestamp ? new Date(e.timestamp) : now).toISOString();

  const ids = array(unique.map((e) => e.id), 'text');
  // The journey runs these events will start, recorded with them (for the events that are new).
  const runs = unique.flatMap((e) => journeys.plannedRuns({ id: e.id, type: e.type, customerId: e.customerId, properties: e.properties }).map((r) => ({ ...r, eventId: e.id })));
  const customerList = array(customerIds, 'text');
  const result = await db.execute(sql`
    with input as (
      select * from unnest(${ids}, ${array(unique.map((e) => e.type), 'text')}, ${array(unique.map((e) => e.customerId), 'text')},
        ${array(unique.map((e) => JSON.stringify(e.properties ?? {})), 'text')}, ${array(unique.map(occurredAt), 'timestamptz')},
        ${array(unique.map((e) => (isActivity(e) ? occurredAt(e) : null)), 'timestamptz')})
        as t(id, type, customer_id, properties, occurred_at, active_at)
    ),
    -- Runs whether or not it is read (PostgreSQL runs every data-modifying WITH once, to completion).
    marked as (
      update ${events} set dispatched_at = now() where id = any(${array(marks, 'text')}) and dispatched_at is null
    ),
    stored as (
      insert into ${events} (id, type, customer_id, properties, occurred_at, received_at)
      select id, type, customer_id, properties::jsonb, occurred_at, ${now.toISOString()}::timestamptz from input
      on conflict (id) do nothing
      returning id
    ),
    activity as (
      select i.customer_id as id, max(i.active_at) as active_at from input i join stored s on s.id = i.id group by i.customer_id
    ),
    runs as (
      insert into ${journeyRuns} (workflow_id, journey_key, customer_id)
      select r.workflow_id, r.journey_key, r.customer_id
      from unnest(${array(runs.map((r) => r.workflowId), 'text')}, ${array(runs.map((r) => r.journeyKey), 'text')},
        ${array(runs.map((r) => r.customerId), 'text')}, ${array(runs.map((r) => r.eventId), 'text')}) as r(workflow_id, journey_key, customer_id, event_id)
      where r.event_id in (select id from stored)
        -- An erased customer's events start nothing (see dispatchPlanned).
        and not exists (select 1 from ${customers} c where c.id = r.customer_id and c.erased_at is not null)
      on conflict do nothing
    ),
    ${customerUpsert(customerList, sql`select c.id, a.active_at from unnest(${customerList}) as c(id) left join activity a on a.id = c.id`)}
    union all
    select 'event', id, null, null, null from stored`);
  const rows = rowsOf<StoreRow>(result);
  const toDispatch = new Set(rows.filter((r) => r.kind === 'event').map((r) => r.id!));
  journeys.runsRecorded(runs.filter((r) => toDispatch.has(r.eventId)).map((r) => r.workflowId));
  let facts = customerFacts(rows.filter((r) => r.kind === 'customer'));

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
    // Their activity counts now (this is the attempt that dispatches them).
    const again = unique.filter((e) => stored.has(e.id));
    if (again.length) {
      const more = await ensureCustomers(db, [...new Set(again.map((e) => e.customerId))], latestActivity(again, now.getTime()));
      facts = { created: facts.created, erased: new Set([...facts.erased, ...more.erased]), returned: new Map([...facts.returned, ...more.returned]) };
    }
  }
  const { created, erased, returned } = facts;

  const fresh = unique.filter((e) => toDispatch.has(e.id));
  await recordOrders(db, fresh, now, attributionWindowDays);

  // A customer back from a silence ends its churn win-back run; the first activity event reports it.
  const endsChurnRun = new Map<string, string>();
  for (const [customerId, workflowId] of returned) {
    const first = fresh.find((e) => e.customerId === customerId && isActivity(e));
    if (first) endsChurnRun.set(first.id, workflowId);
  }

  return batch.map((e, i): Planned => {
    if (firstIndex.get(e.id) !== i || !toDispatch.has(e.id)) return { kind: 'duplicate', id: e.id };
    const row = stored.get(e.id);
    return {
      kind: 'dispatch',
      event: {
        id: e.id,
        type: row?.type ?? e.type,
        customerId: row?.customerId ?? e.customerId,
        properties: row?.properties ?? e.properties ?? {},
        // The stored time (the producer's, or when received): journeys that count time read it.
        occurredAt: row?.occurredAt.toISOString() ?? occurredAt(e),
      },
      repeat: stored.has(e.id),
      customerCreated: created.has(e.customerId),
      erased: erased.has(e.customerId),
      endsChurnRun: endsChurnRun.get(e.id),
    };
  });
}

/** Hands each planned event to its journeys, all at once; a Temporal failure fails that event alone. */
async function dispatchPlanned(journeys: Journeys, planned: Planned[]): Promise<EventOutcome[]> {
  return Promise.all(
    planned.map(async (p): Promise<EventOutcome> => {
      if (p.kind === 'duplicate') return { id: p.id, status: 'duplicate' };
      const { event } = p;
      try {
        const outcome = p.erased ? [] : await journeys.dispatch(event);
        if (p.endsChurnRun) outcome.push(await journeys.endRun('churn_win_back', p.endsChurnRun, 'reactivated'));
        // A repeat that found its event undispatched (a crash, an outage, or a concurrent first attempt)
        // dispatches it again — harmless, journeys drop events they have seen — but stays a duplicate.
        return p.repeat
          ? { id: event.id, status: 'duplicate' }
          : { id: event.id, status: 'accepted', customerCreated: p.customerCreated, journeys: outcome };
      } catch (err) {
        return { id: event.id, status: 'failed', error: { code: 'dispatch_failed', message: (err as Error).message } };
      }
    }),
  );
}

const dispatchedIds = (planned: Planned[], outcomes: EventOutcome[]) =>
  planned.flatMap((p, i) => (p.kind === 'dispatch' && outcomes[i]!.status !== 'failed' ? [p.event.id] : []));

async function markDispatched(db: Db, ids: string[]): Promise<void> {
  if (ids.length) await db.update(events).set({ dispatchedAt: sql`now()` }).where(inArray(events.id, ids));
}

type StoreRow = { kind: string; id: string | null; created: boolean | null; erased: boolean | null; returned_from: string | null };


function customerFacts(rows: StoreRow[]) {
  return {
    created: new Set(rows.filter((r) => r.created).map((r) => r.id!)),
    erased: new Set(rows.filter((r) => r.erased).map((r) => r.id!)),
    returned: new Map(rows.filter((r) => r.returned_from).map((r) => [r.id!, r.returned_from!])),
  };
}

/**
 * The CTEs (and final select, of kind 'customer') that create the customers of `batch` (rows `id,
 * active_at`) that do not exist, move their last activity and visits, and report them.
 */
function customerUpsert(idList: SQL, batch: SQL): SQL {
  return sql`batch as (${batch}),
    open_runs as (
      select id, churn_run_id from ${customers} where id = any(${idList}) and churn_run_id is not null
    ),
    upserted as (
      insert into ${customers} (id, last_activity_at, visit_count)
        select id, active_at, case when active_at is null then 0 else 1 end from batch
      on conflict (id) do update
        set last_activity_at = greatest(${customers.lastActivityAt}, excluded.last_activity_at), churn_run_id = null,
          visit_count = ${customers.visitCount} + case
            when excluded.last_activity_at > coalesce(${customers.lastActivityAt}, '-infinity') + interval '1 hour' then 1 else 0 end
        where ${customers.erasedAt} is null and (
          excluded.last_activity_at > coalesce(${customers.lastActivityAt}, '-infinity') + interval '1 hour'
          or (${customers.churnRunId} is not null and excluded.last_activity_at > ${customers.lastActivityAt}))
      returning id, (xmax = 0) as created
    )
    select 'customer' as kind, b.id, coalesce(u.created, false) as created, coalesce(c.erased_at is not null, false) as erased,
      case when u.created = false then o.churn_run_id end as returned_from
    from batch b
      left join upserted u on u.id = b.id
      left join ${customers} c on c.id = b.id
      left join open_runs o on o.id = b.id`;
}

/** The customer part of storeEvents on its own, for events dispatched by a later attempt than the one that stored them. */
async function ensureCustomers(db: Db, ids: string[], activity: Map<string, number>) {
  const idList = array(ids, 'text');
  const atList = array(
    ids.map((id) => {
      const at = activity.get(id);
      return at === undefined ? null : new Date(at).toISOString();
    }),
    'timestamptz',
  );
  const result = await db.execute(sql`with ${customerUpsert(idList, sql`select * from unnest(${idList}, ${atList}) as b(id, active_at)`)}`);
  return customerFacts(rowsOf<StoreRow>(result));
}
