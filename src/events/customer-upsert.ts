// The customers part of the statement that stores events: creates the customers it names, moves their
// last activity and visits, and tells what it found (created, erased, back from a silence).
import { workspaceIs } from '../db/own-rows.js';
import { type SQL, sql } from 'drizzle-orm';
import { customers } from '../db/schema.js';

/** A row the store statement answers: an event stored (kind 'event') or a customer it saw (kind 'customer'). */
export type StoreRow = { kind: string; id: string | null; created: boolean | null; erased: boolean | null; returned_from: string | null };

/** Which of the batch's customers were created, are erased, and came back (the run open for their silence). */
export function customerFacts(rows: StoreRow[]) {
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
export function customerUpsert(idList: SQL, batch: SQL): SQL {
  return sql`batch as (${batch}),
    open_runs as (
      select id, churn_run_id from ${customers} where ${workspaceIs(sql`workspace_id`)} and id = any(${idList}) and churn_run_id is not null
    ),
    upserted as (
      insert into ${customers} (id, last_activity_at, visit_count)
        select id, active_at, case when active_at is null then 0 else 1 end from batch
      on conflict (workspace_id, id) do update
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
      left join ${customers} c on ${workspaceIs(sql`c.workspace_id`)} and c.id = b.id
      left join open_runs o on o.id = b.id`;
}
