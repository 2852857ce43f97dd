// Orders from `order_completed` events; the attribution module credits each new one to a message.
import { workspaceIs } from '../db/own-rows.js';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { customers, orders } from '../db/schema.js';
import { creditOrders } from '../delivery/attribution.js';
import { orderFromProperties } from './order.js';
import type { EventInput } from './ingest.js';

/**
 * Stores the orders among the events (an order id once, whatever repeats), moves each customer's order count
 * and total spend by the orders that were new, and credits each new order to the message that led to it
 * (src/delivery/attribution.ts) — all in one statement, so an order is attributed exactly when it is first
 * stored. The triggers on orders add the new orders to customer_category_days (their items, migration
 * 0010) and customer_order_hours (count, amount, first and last, by local hour: migration 0011) in the
 * same statement.
 */
export async function recordOrders(db: Db, batch: EventInput[], now: Date, windowDays?: number): Promise<void> {
  const rows = batch
    .filter((e) => e.type === 'order_completed')
    .map((e) => {
      const p = orderFromProperties(e.properties);
      return sql`(${p.orderId ?? e.id}, ${e.customerId}, ${e.id}, ${p.amount}::numeric, ${p.currency}, ${JSON.stringify(p.items)}::jsonb,
        ${p.cartId}, ${e.timestamp ?? now.toISOString()}::timestamptz)`;
    });
  if (rows.length === 0) return;
  await db.execute(sql`
    with stored as (
      insert into ${orders} (id, customer_id, event_id, amount, currency, items, cart_id, occurred_at)
      values ${sql.join(rows, sql`, `)}
      on conflict (workspace_id, id) do nothing
      returning id, customer_id, amount, occurred_at
    ),
    totals as (select customer_id, count(*)::int as n, sum(amount) as spend from stored group by customer_id),
    moved as (
      update ${customers} c set order_count = c.order_count + t.n, total_spend = c.total_spend + t.spend
      from totals t where ${workspaceIs(sql`c.workspace_id`)} and c.id = t.customer_id
    )
    ${creditOrders(sql`stored`, windowDays)}`);
}
