import { context, propagation } from '@opentelemetry/api';
import { sql } from 'drizzle-orm';
import { array, rowsOf } from '../db/sql-helpers.js';
import type { Db } from '../db/client.js';
import { workspaceIs } from '../db/own-rows.js';
import { inWorkspace, perWorkspace } from '../db/workspace.js';
import { coalesce } from '../db/coalesce.js';
import { customers, events } from '../db/schema.js';
import { customerErased } from '../domain/errors.js';
import { isActivity } from './activity.js';
import type { EventPlan, Journeys, QueuedRun } from '../journeys/journeys.js';
import { recordOrders } from './orders.js';
import { customerFacts, customerUpsert, type StoreRow } from './customer-upsert.js';
import { OUTBOX_CHANNEL } from './outbox.js';

export interface EventInput {
  id: string;
  type: string;
  customerId: string;
  timestamp?: string;
  properties?: Record<string, unknown>;
}

export type EventOutcome =
  | { id: string; status: 'accepted'; customerCreated: boolean; journeys: QueuedRun[] }
  | { id: string; status: 'duplicate' }
  /** The customer is erased: the event was not stored and started nothing. */
  | { id: string; status: 'refused'; error: { code: 'customer_erased'; message: string } };

export interface IngestOptions {
  attributionWindowDays?: number;
  /**
   * TEMPORAL_TASK_QUEUE: stored with each event, so that only the dispatchers of this deployment's workers
   * claim it (two deployments on one database, or the test files sharing one).
   */
  taskQueue?: string;
  /** Told after each batch is committed: the dispatcher in this process (if any) wakes at once. */
  onStored?: () => void;
}

/**
 * Stores events; the outbox's dispatcher (src/events/dispatcher.ts, in the worker processes) hands them to
 * their journeys. An event is accepted once it is committed: nothing here waits for Temporal.
 *
 * Journeys first plan the runs each event starts (their routing is in memory); one statement then stores
 * the event row (its id is the producer's idempotency key: a repeat is a `duplicate`, whether or not it was
 * dispatched yet) together with the journey_runs rows of the runs the plan may start, so a run that starts
 * is always findable by its customer, and notifies the dispatchers (NOTIFY, delivered at commit). The row
 * stays undispatched (`dispatched_at` NULL) until a dispatcher has started or signalled every run it
 * concerns.
 *
 * An erased customer's events are refused: the statement stores none of them (nor their runs' rows, nor
 * any activity), and each is answered `refused` (`customer_erased`), whether or not its id was seen before.
 *
 * Ingestion is group-committed, one statement per batch: the events of concurrent requests are stored
 * together (events, customers, their activity and the planned runs' rows in one statement).
 */
export function createEventIngest(
  db: Db,
  journeys: Journeys,
  options: IngestOptions = {},
): (events: EventInput[]) => Promise<EventOutcome[]> {
  // One lane per workspace: a batch's statement runs in one workspace, so requests of different workspaces
  // are never stored together.
  const lane = perWorkspace((workspace) => createLane(db, journeys, workspace, options));
  return (events) => lane()(events);
}

function createLane(
  db: Db,
  journeys: Journeys,
  workspace: string,
  options: IngestOptions,
): (events: EventInput[]) => Promise<EventOutcome[]> {
  const store = coalesce<Traced, EventOutcome[]>(
    // The batch runs in whichever request's context flushes it: it names its workspace itself, and each
    // request's events carry that request's trace.
    (requests) =>
      inWorkspace(workspace, async () => {
        const batch = requests.flatMap(({ events, traceParent }) => events.map((e) => ({ ...e, traceParent })));
        const outcomes = await storeEvents(db, journeys, batch, options);
        options.onStored?.();
        let at = 0;
        return requests.map(({ events }) => outcomes.slice(at, (at += events.length)));
      }),
    { maxItems: 1000, size: ({ events }) => events.length, delayMs: STORE_WINDOW_MS },
  );
  return (events) => store({ events, traceParent: currentTraceParent() });
}

/** One request's events and its trace (null when tracing is off). */
type Traced = { events: EventInput[]; traceParent: string | null };

/** The W3C traceparent of the span running now; null without one (tracing off). */
function currentTraceParent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/**
 * How long the first request of an idle moment waits for others to share its statement: a few
 * milliseconds of latency against several times fewer statements when requests arrive together.
 */
const STORE_WINDOW_MS = 2;

/**
 * How long an event of a customer with an open churn win-back run is held from the dispatchers while the
 * statement after its store records whether it ended that run (the customer came back). A crash in
 * between lets it go when this lapses, without the ending: the win-back run then ends on its own terms.
 */
const HOLD = sql`interval '1 minute'`;

/**
 * Stores a batch in one statement (ingestion is the API's hot path; PGlite runs one statement at a time):
 * inserts the events and the journey_runs rows of the runs their plans may start, creates the customers
 * that do not exist yet, moves each customer's last activity forward by the events that were new (to
 * within an hour, so a busy customer is not rewritten on every click; a visit is counted when it moves)
 * and tells which customers were created, which are erased, and which came back while a run was open for
 * their silence (customers.churn_run_id, cleared here, so the sweep counts a new silence from this
 * activity). Orders (with the message each is credited to) take a statement more when there are any, and
 * so does the ending of a churn run by the event that brought its customer back (written on the event,
 * which the dispatcher ends with it).
 */
async function storeEvents(
  db: Db,
  journeys: Journeys,
  batch: Array<EventInput & { traceParent: string | null }>,
  options: IngestOptions,
): Promise<EventOutcome[]> {
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
        )}, ${array(
          unique.map((e) => e.traceParent),
          'text',
        )})
        with ordinality as t(id, type, customer_id, properties, occurred_at, active_at, trace_parent, n)
    ),
    -- Customers with a churn win-back run open: their events are held until the next statement says
    -- which of them ended it.
    churning as (
      select id from ${customers} where ${workspaceIs(sql`workspace_id`)} and id = any(${customerList}) and churn_run_id is not null
    ),
    stored as (
      insert into ${events} (id, type, customer_id, properties, occurred_at, received_at, task_queue, trace_parent, dispatch_owner, dispatch_lease_until)
      select i.id, i.type, i.customer_id, i.properties::jsonb, i.occurred_at, ${now.toISOString()}::timestamptz, ${options.taskQueue ?? null}::text, i.trace_parent,
        case when h.id is not null then ${HELD} end, case when h.id is not null then now() + ${HOLD} end
      from input i left join churning h on h.id = i.customer_id
      where not exists (select 1 from ${customers} c where ${workspaceIs(sql`c.workspace_id`)} and c.id = i.customer_id and c.erased_at is not null)
      order by i.n
      on conflict (workspace_id, id) do nothing
      returning id, dispatch_owner is not null as held
    ),
    activity as (
      select i.customer_id as id, max(i.active_at) as active_at from input i join stored s on s.id = i.id group by i.customer_id
    ),
    runs as (${journeys.plannedRunsInsert(plans, sql`select id from stored`)}),
    ${customerUpsert(customerList, sql`select c.id, a.active_at from unnest(${customerList}) as c(id) left join activity a on a.id = c.id`)}
    union all
    -- (created: whether the event is held)
    select 'event', id, held, null, null from stored
    union all
    -- The dispatchers wake at the commit (PostgreSQL delivers a notification when its transaction commits).
    select 'notified', null, null, null, null from (select pg_notify(${OUTBOX_CHANNEL}, '')) n`);
  const rows = rowsOf<StoreRow>(result);
  const planOf = new Map(plans.map((plan) => [plan.event.id, plan]));
  const stored = new Map<string, EventPlan>();
  const held: string[] = [];
  for (const row of rows.filter((r) => r.kind === 'event')) {
    stored.set(row.id!, planOf.get(row.id!)!);
    if (row.created) held.push(row.id!);
  }
  const { created, erased, returned } = customerFacts(rows.filter((r) => r.kind === 'customer'));

  const fresh = unique.filter((e) => stored.has(e.id));
  await recordOrders(db, fresh, now, options.attributionWindowDays);

  // A customer back from a silence: the first activity event is the one that brought them back.
  const returnedFrom = new Map<string, string>();
  for (const [customerId, workflowId] of returned) {
    const first = fresh.find((e) => e.customerId === customerId && isActivity(e));
    if (first) returnedFrom.set(first.id, workflowId);
  }
  if (held.length) await releaseHeld(db, held, returnedFrom);

  return batch.map((e, i): EventOutcome => {
    if (erased.has(e.customerId)) {
      return { id: e.id, status: 'refused', error: { code: 'customer_erased', message: customerErased(e.customerId).message } };
    }
    const plan = stored.get(e.id);
    if (firstIndex.get(e.id) !== i || !plan) return { id: e.id, status: 'duplicate' };
    const journeysQueued = journeys.queued(plan, { erased: false, returnedFrom: returnedFrom.get(e.id) ?? null });
    return { id: e.id, status: 'accepted', customerCreated: created.has(e.customerId), journeys: journeysQueued };
  });
}

/** The owner of an event held by the statement that stored it (see HOLD). */
const HELD = 'held';

/** Lets the held events go to the dispatchers, each with the churn run it ended (if any). */
async function releaseHeld(db: Db, held: string[], endsRun: Map<string, string>): Promise<void> {
  await db.execute(sql`
    with released as (
      update ${events} e set ends_run = r.run, dispatch_owner = null, dispatch_lease_until = null
      from unnest(${array(held, 'text')}, ${array(
        held.map((id) => endsRun.get(id) ?? null),
        'text',
      )}) as r(id, run)
      where ${workspaceIs(sql`e.workspace_id`)} and e.id = r.id and e.dispatch_owner = ${HELD}
      returning 1
    )
    select pg_notify(${OUTBOX_CHANNEL}, '') from (select count(*) from released) n`);
}
