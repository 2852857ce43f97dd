import { workspaceIs } from '../db/own-rows.js';
// journey_runs: how a run is found by its customer (profile, exit on unsubscribe or erasure, flow events)
// and listed by its journey. A run's row is written before the run starts, so a run that starts is always
// findable, even if the process dies right after starting it.
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { coalesceInWorkspace } from '../db/coalesce.js';
import { customers, journeyRuns } from '../db/schema.js';
import { array } from '../db/sql-helpers.js';
import { type EventPlan, plannedStarts, type StartOp } from './routing.js';

/** Writes one run's row; the rows of concurrent starts (a batch of events, concurrent requests) share a statement. */
export function createRunRecorder(db: Db): (op: StartOp) => Promise<void> {
  const record = coalesceInWorkspace<typeof journeyRuns.$inferInsert, void>(async (rows) => {
    await db.insert(journeyRuns).values(rows).onConflictDoNothing();
    return rows.map(() => undefined);
  });
  return (op) => record({ workflowId: op.workflowId, journeyKey: op.journey, customerId: op.customerId });
}

/**
 * The data-modifying statement (for a WITH of the statement that stores the events) writing the rows of
 * the runs `plans` may start, for the events among `storedEventIds` (a query of event ids: those new in
 * that statement). An erased customer's events start nothing, so their runs get no row.
 */
export function plannedRunsInsert(plans: EventPlan[], storedEventIds: SQL): SQL {
  const rows = plans.flatMap((plan) => plannedStarts(plan).map((op) => ({ ...op, eventId: plan.event.id })));
  return sql`
    insert into ${journeyRuns} (workflow_id, journey_key, customer_id)
    select r.workflow_id, r.journey_key, r.customer_id
    from unnest(${array(
      rows.map((r) => r.workflowId),
      'text',
    )}, ${array(
      rows.map((r) => r.journey),
      'text',
    )},
      ${array(
        rows.map((r) => r.customerId),
        'text',
      )}, ${array(
        rows.map((r) => r.eventId),
        'text',
      )}) as r(workflow_id, journey_key, customer_id, event_id)
    where r.event_id in (${storedEventIds})
      and not exists (select 1 from ${customers} c where ${workspaceIs(sql`c.workspace_id`)} and c.id = r.customer_id and c.erased_at is not null)
    on conflict do nothing`;
}
