// Pacing's side in the database, shared by a journey's reservation (pacing.activities.ts) and a broadcast's
// batch (campaigns/send-batch.ts): the customers' pacing locks, and who among them a frequency cap holds.
import { workspaceIs } from '../db/own-rows.js';
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { messages } from '../db/schema.js';
import { array, rowsOf } from '../db/sql-helpers.js';
import { capsOn, type PacingConfig } from './pacing.js';
import { sentStatus } from './status-progress.js';

/** The advisory locks' first key (pacing's own); the second is one of PACING_LOCKS buckets of customer ids. */
export const PACING_LOCK_CLASS = 7_301;
const PACING_LOCKS = 256;

/**
 * Takes the pacing locks of these customers until the transaction ends: whoever counts a customer's recent
 * messages and then adds one (a journey's reservation, a broadcast's batch) holds it, so two cannot both
 * pass the last slot of a cap. Customers share PACING_LOCKS locks (a batch of 2 000 takes at most that
 * many, not one each); they are taken in ascending order, so two batches never deadlock.
 */
export async function lockCustomers(tx: Tx, customerIds: string[]): Promise<void> {
  if (customerIds.length === 0) return;
  await tx.execute(sql`
    select pg_advisory_xact_lock(${sql.raw(String(PACING_LOCK_CLASS))}, b)
    from (select distinct abs(hashtext(c) % ${sql.raw(String(PACING_LOCKS))}) as b from unnest(${array(customerIds, 'text')}) as c order by 1) as buckets`);
}

/**
 * Customers among `ids` whose marketing messages in the last 24 h / 7 days (sent or being sent; not
 * transactional, not this execution's own) reach a frequency cap: a broadcast skips them with the reason
 * `frequency_cap` rather than waiting (a broadcast has its own schedule). One query per batch, in the
 * transaction that inserts the batch's records, under the customers' pacing locks (see lockCustomers):
 * a journey reserving a message for one of them at the same instant counts the broadcast's record, or
 * the broadcast counts the journey's.
 */
export async function cappedCustomers(tx: Tx, ids: string[], executionId: string, caps: PacingConfig['caps']): Promise<Set<string>> {
  if (!capsOn(caps) || ids.length === 0) return new Set();
  const rows = rowsOf<{ customer_id: string; day: number; week: number }>(
    await tx.execute(sql`
      select customer_id, count(*) filter (where created_at > now() - interval '1 day')::int as day, count(*)::int as week
      from ${messages}
      where ${workspaceIs(sql`workspace_id`)} and customer_id = any(${array(ids, 'text')}) and created_at > now() - interval '7 days'
        and not transactional and (status in ('pending', 'uncertain') or ${sentStatus(sql`status`)}) and execution_id is distinct from ${executionId}
      group by customer_id`),
  );
  return new Set(
    rows.filter((r) => (caps.day > 0 && r.day >= caps.day) || (caps.week > 0 && r.week >= caps.week)).map((r) => r.customer_id),
  );
}
