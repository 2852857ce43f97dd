import { and, inArray, isNull, sql } from 'drizzle-orm';
import { array, rowsOf } from '../db/sql-helpers.js';
import type { Db } from '../db/client.js';
import { ownRows, workspaceIs } from '../db/own-rows.js';
import { inWorkspace, perWorkspace } from '../db/workspace.js';
import { coalesce } from '../db/coalesce.js';
import { customers, events } from '../db/schema.js';
import { customerErased } from '../domain/errors.js';
import { isActivity, latestActivity } from './activity.js';
import type { DispatchOutcome, EventPlan, Journeys, StoreFacts } from '../journeys/journeys.js';
import { recordOrders } from './orders.js';
import { customerFacts, customerUpsert, ensureCustomers, type StoreRow } from './customer-upsert.js';

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
  | { id: string; status: 'failed'; error: { code: 'dispatch_failed'; message: string } }
  /** The customer is erased: the event was not stored and started nothing. */
  | { id: string; status: 'refused'; error: { code: 'customer_erased'; message: string } };

/**
 * Stores events and hands the new ones to their journeys.
 *
 * Order matters for "never lose, never duplicate". Journeys first plan the runs each event starts or
 * signals (their routing is in memory); one statement then stores the event row (its id is the producer's
 * idempotency key) together with the journey_runs rows of the runs the plan may start, so a run that starts
 * is always findable by its customer. Then journeys execute the plan with what the statement found (a
 * customer back from a silence), and the event is marked dispatched. A crash or a Temporal outage in
 * between leaves the row undispatched, and the producer's retry dispatches it again instead of calling it
 * a duplicate (planned again from the stored event, whose runs' rows are then written before they start).
 * Execution itself is idempotent (deterministic workflow ids, and journeys drop an event id they have
 * seen), so a repeat is harmless. Only the request that stored the event reports it `accepted`.
 *
 * An erased customer's events are refused: the statement stores none of them (nor their runs' rows, nor
 * any activity), and each is answered `refused` (`customer_erased`), whether or not its id was seen before.
 *
 * Ingestion is group-committed, one statement per batch: the events of concurrent requests are stored
 * together (events, customers, their activity and the planned runs' rows in one statement); each request
 * then executes its own events' plans at once — nothing waits behind another request's calls to Temporal —
 * and answers. The dispatch marks ride on the next batch's statement (or, when no batch follows, are
 * written on their own shortly after). A mark lost in a crash only means a repeat of that event is
 * dispatched again, which journeys ignore (they drop event ids they have seen, and message keys carry the
 * triggering event's id).
 */
export function createEventIngest(
  db: Db,
  journeys: Journeys,
  options: { attributionWindowDays?: number } = {},
): (events: EventInput[]) => Promise<EventOutcome[]> {
  // One lane per workspace: a batch's statement runs in one workspace, so requests of different workspaces
  // are never stored together (nor their dispatch marks written together).
  const lane = perWorkspace((workspace) => createLane(db, journeys, workspace, options));
  return (events) => lane()(events);
}

function createLane(
  db: Db,
  journeys: Journeys,
  workspace: string,
  options: { attributionWindowDays?: number },
): (events: EventInput[]) => Promise<EventOutcome[]> {
  let pendingMarks: string[] = [];
  let markTimer: NodeJS.Timeout | undefined;
  const takeMarks = () => {
    const marks = pendingMarks;
    pendingMarks = [];
    return marks;
  };
  const store = coalesce<EventInput[], Planned[]>(
    // The batch runs in whichever request's (or timer's) context flushes it: it names its workspace itself.
    (requests) =>
      inWorkspace(workspace, async () => {
        const marks = takeMarks();
        try {
          const planned = await storeEvents(db, journeys, requests.flat(), marks, options.attributionWindowDays);
          let at = 0;
          return requests.map((events) => planned.slice(at, (at += events.length)));
        } catch (err) {
          pendingMarks.push(...marks);
          throw err;
        }
      }),
    { maxItems: 1000, size: (events) => events.length, delayMs: STORE_WINDOW_MS },
  );
  const flushMarks = () => {
    markTimer = undefined;
    const marks = takeMarks();
    if (marks.length) {
      inWorkspace(workspace, () => markDispatched(db, marks)).catch(() => {
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

/** What one position of a batch became once stored: a duplicate, refused, or an event whose plan is to be executed. */
type Planned =
  | { kind: 'duplicate'; id: string }
  | { kind: 'refused'; id: string; customerId: string }
  | {
      kind: 'dispatch';
      plan: EventPlan;
      /** Stored by an earlier request that did not dispatch it: dispatched again, reported as a duplicate. */
      repeat: boolean;
      customerCreated: boolean;
      /** What the store found, for journeys to act on; `recorded`: the plan's journey_runs rows were written with the event. */
      facts: StoreFacts & { recorded: boolean };
    };

/**
 * Stores a batch in one statement (ingestion is the API's hot path; PGlite runs one statement at a time):
 * inserts the events and the journey_runs rows of the runs their plans may start, writes `marks` (earlier
 * batches' dispatch marks), creates the customers that do not exist yet, moves each customer's last activity
 * forward by the events that were new (to within an hour, so a busy customer is not rewritten on every
 * click; a visit is counted when it moves) and tells which customers were created, which are erased, and
 * which came back while a run was open for their silence (customers.churn_run_id, cleared here, so the
 * sweep counts a new silence from this activity). Orders (with the message each is credited to), and events
 * stored earlier but never dispatched, take a statement more when there are any.
 */
async function storeEvents(
  db: Db,
  journeys: Journeys,
  batch: EventInput[],
  marks: string[],
  attributionWindowDays?: number,
): Promise<Planned[]> {
  const now = new Date();
  const customerIds = [...new Set(batch.map((e) => e.customerId))];

  // The first occurrence of an id in the batch wins; later ones are duplicates like any repeat.
  const firstIndex = new Map<string, number>();
  batch.forEach((e, i) => {
    if (!firstIndex.has(e.id)) firstIndex.set(e.id, i);
  });
  const unique = [...firstIndex.values()].map((i) => batch[i]!);
  const occurredAt = (e: EventInput) => (e.timestamp ? new Date(e.timestamp) : now).toISOString();

  // The stored time (the producer's, or when received): journeys that count time read it.
  const plans = await journeys.plan(
    unique.map((e) => ({ id: e.id, type: e.type, customerId: e.customerId, properties: e.properties ?? {}, occurredAt: occurredAt(e) })),
  );
  const ids = array(
    unique.map((e) => e.id),
    'text',
  );
  const customerList = array(customerIds, 'text');
  const result = await db.execute(sql`
    with input as (
      select * from unnest(${ids}, ${array(
        unique.map((e) => e.type),
        'text',
      )}, ${array(
        unique.map((e) => e.customerId),
        'text',
      )},
        ${array(
          unique.map((e) => JSON.stringify(e.properties ?? {})),
          'text',
        )}, ${array(unique.map(occurredAt), 'timestamptz')},
        ${array(
          unique.map((e) => (isActivity(e) ? occurredAt(e) : null)),
          'timestamptz',
        )})
        as t(id, type, customer_id, properties, occurred_at, active_at)
    ),
    -- Runs whether or not it is read (PostgreSQL runs every data-modifying WITH once, to completion).
    marked as (
      update ${events} set dispatched_at = now() where ${workspaceIs(sql`workspace_id`)} and id = any(${array(marks, 'text')}) and dispatched_at is null
    ),
    stored as (
      insert into ${events} (id, type, customer_id, properties, occurred_at, received_at)
      select id, type, customer_id, properties::jsonb, occurred_at, ${now.toISOString()}::timestamptz from input i
      where not exists (select 1 from ${customers} c where ${workspaceIs(sql`c.workspace_id`)} and c.id = i.customer_id and c.erased_at is not null)
      on conflict (workspace_id, id) do nothing
      returning id
    ),
    activity as (
      select i.customer_id as id, max(i.active_at) as active_at from input i join stored s on s.id = i.id group by i.customer_id
    ),
    runs as (${journeys.plannedRunsInsert(plans, sql`select id from stored`)}),
    ${customerUpsert(customerList, sql`select c.id, a.active_at from unnest(${customerList}) as c(id) left join activity a on a.id = c.id`)}
    union all
    select 'event', id, null, null, null from stored`);
  const rows = rowsOf<StoreRow>(result);
  const planOf = new Map(plans.map((plan) => [plan.event.id, plan]));
  const toDispatch = new Map<string, EventPlan>();
  for (const row of rows) if (row.kind === 'event') toDispatch.set(row.id!, planOf.get(row.id!)!);
  let facts = customerFacts(rows.filter((r) => r.kind === 'customer'));

  // Seen before but never dispatched (a crash or outage last time): dispatch now, as the stored event,
  // by a plan of it (its journey_runs rows are written by the execution, as this statement did not).
  // An erased customer's are refused below, not dispatched.
  const seen = unique.filter((e) => !toDispatch.has(e.id) && !facts.erased.has(e.customerId)).map((e) => e.id);
  const repeats = new Set<string>();
  if (seen.length) {
    const undispatched = await db
      .select({
        id: events.id,
        type: events.type,
        customerId: events.customerId,
        properties: events.properties,
        occurredAt: events.occurredAt,
      })
      .from(events)
      .where(and(ownRows(events), and(inArray(events.id, seen), isNull(events.dispatchedAt))));
    const replans = await journeys.plan(undispatched.map((row) => ({ ...row, occurredAt: row.occurredAt.toISOString() })));
    for (const plan of replans) {
      toDispatch.set(plan.event.id, plan);
      repeats.add(plan.event.id);
    }
    // Their activity counts now (this is the attempt that dispatches them).
    const again = unique.filter((e) => repeats.has(e.id));
    if (again.length) {
      const more = await ensureCustomers(db, [...new Set(again.map((e) => e.customerId))], latestActivity(again, now.getTime()));
      facts = {
        created: facts.created,
        erased: new Set([...facts.erased, ...more.erased]),
        returned: new Map([...facts.returned, ...more.returned]),
      };
    }
  }
  const { created, erased, returned } = facts;

  const fresh = unique.filter((e) => toDispatch.has(e.id) && !erased.has(e.customerId));
  await recordOrders(db, fresh, now, attributionWindowDays);

  // A customer back from a silence: the first activity event is the one that brought them back.
  const returnedFrom = new Map<string, string>();
  for (const [customerId, workflowId] of returned) {
    const first = fresh.find((e) => e.customerId === customerId && isActivity(e));
    if (first) returnedFrom.set(first.id, workflowId);
  }

  return batch.map((e, i): Planned => {
    // Erased between an earlier attempt and this one too (found by ensureCustomers): refused all the same.
    if (erased.has(e.customerId)) return { kind: 'refused', id: e.id, customerId: e.customerId };
    const plan = toDispatch.get(e.id);
    if (firstIndex.get(e.id) !== i || !plan) return { kind: 'duplicate', id: e.id };
    return {
      kind: 'dispatch',
      plan,
      repeat: repeats.has(e.id),
      customerCreated: created.has(e.customerId),
      facts: { erased: erased.has(e.customerId), returnedFrom: returnedFrom.get(e.id) ?? null, recorded: !repeats.has(e.id) },
    };
  });
}

/** Executes each planned event's plan, all at once; a Temporal failure fails that event alone. */
async function dispatchPlanned(journeys: Journeys, planned: Planned[]): Promise<EventOutcome[]> {
  return Promise.all(
    planned.map(async (p): Promise<EventOutcome> => {
      if (p.kind === 'duplicate') return { id: p.id, status: 'duplicate' };
      if (p.kind === 'refused')
        return { id: p.id, status: 'refused', error: { code: 'customer_erased', message: customerErased(p.customerId).message } };
      const { id } = p.plan.event;
      try {
        const outcome = await journeys.execute(p.plan, p.facts);
        // A repeat that found its event undispatched (a crash, an outage, or a concurrent first attempt)
        // dispatches it again — harmless, journeys drop events they have seen — but stays a duplicate.
        return p.repeat ? { id, status: 'duplicate' } : { id, status: 'accepted', customerCreated: p.customerCreated, journeys: outcome };
      } catch (err) {
        return { id, status: 'failed', error: { code: 'dispatch_failed', message: (err as Error).message } };
      }
    }),
  );
}

const dispatchedIds = (planned: Planned[], outcomes: EventOutcome[]) =>
  planned.flatMap((p, i) => (p.kind === 'dispatch' && outcomes[i]!.status !== 'failed' ? [p.plan.event.id] : []));

async function markDispatched(db: Db, ids: string[]): Promise<void> {
  if (ids.length)
    await db
      .update(events)
      .set({ dispatchedAt: sql`now()` })
      .where(and(ownRows(events), inArray(events.id, ids)));
}
