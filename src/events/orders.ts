// Orders from `order_completed` events, and the conversion they credit to the message that led to them.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { customers, messages, orders } from '../db/schema.js';
import { orderFromProperties } from './order.js';
import type { EventInput } from './ingest.js';

export const DEFAULT_ATTRIBUTION_WINDOW_DAYS = 7;

/**
 * Stores the orders among the events (an order id once, whatever repeats), moves each customer's order count
 * and total spend by the orders that were new, and attributes each new order to one message — all in one
 * statement, so an order is attributed exactly when it is first stored: a repeated event, or the same order
 * id again, attributes nothing.
 *
 * Attribution (last touch, by the strongest kind of touch): among the customer's messages not yet converted,
 * sent before the order and not hard-bounced, on a customer's channel (email, SMS, push), the one clicked
 * within the window before the order (the latest click), else opened within it (the latest open), else sent
 * within it (the latest send). Its converted_at becomes the order's time, its revenue the order's amount.
 * A message converts once: two new orders in one batch that pick the same message credit it with the
 * first. Clicks and opens count from their first time (opened_at, clicked_at). The triggers on orders
 * add the new orders to customer_category_days (their items, migration 0010) and customer_order_hours (count,
 * amount, first and last, by local hour: migration 0011) in the same statement.
 */
export async function recordOrders(db: Db, batch: EventInput[], now: Date, windowDays = DEFAULT_ATTRIBUTION_WINDOW_DAYS): Promise<void> {
  const rows = batch
    .filter((e) => e.type === 'order_completed')
    .map((e) => {
      const p = orderFromProperties(e.properties);
      return sql`(${p.orderId ?? e.id}, ${e.customerId}, ${e.id}, ${p.amount}::numeric, ${p.currency}, ${JSON.stringify(p.items)}::jsonb,
        ${p.cartId}, ${e.timestamp ?? now.toISOString()}::timestamptz)`;
    });
  if (rows.length === 0) return;
  const window = sql`(${windowDays}::float8 * interval '1 day')`;
  const within = (column: string) => sql`(m.${sql.raw(column)} <= o.occurred_at and m.${sql.raw(column)} > o.occurred_at - ${window})`;
  await db.execute(sql`
    with stored as (
      insert into ${orders} (id, customer_id, event_id, amount, currency, items, cart_id, occurred_at)
      values ${sql.join(rows, sql`, `)}
      on conflict (id) do nothing
      returning id, customer_id, amount, occurred_at
    ),
    totals as (select customer_id, count(*)::int as n, sum(amount) as spend from stored group by customer_id),
    moved as (
      update ${customers} c set order_count = c.order_count + t.n, total_spend = c.total_spend + t.spend
      from totals t where c.id = t.customer_id
    ),
    -- Each new order's touch: its customer's messages through messages_customer_idx (created before the order).
    touch as (
      select distinct on (o.id) o.id as order_id, o.amount, o.occurred_at, t.message_id
      from stored o
      cross join lateral (
        select m.id as message_id,
          case when ${within('clicked_at')} then 3 when ${within('opened_at')} then 2 else 1 end as strength,
          case when ${within('clicked_at')} then m.clicked_at when ${within('opened_at')} then m.opened_at else m.sent_at end as touched_at
        from ${messages} m
        where m.customer_id = o.customer_id and m.created_at <= o.occurred_at
          and m.sent_at <= o.occurred_at and m.converted_at is null and m.channel in ('email', 'sms', 'push')
          and m.bounce_type is distinct from 'hard'
          and (${within('sent_at')} or ${within('opened_at')} or ${within('clicked_at')})
      ) t
      order by o.id, t.strength desc, t.touched_at desc, t.message_id
    ),
    credited as (
      select distinct on (message_id) message_id, order_id, amount, occurred_at from touch order by message_id, occurred_at, order_id
    )
    update ${messages} m set converted_at = c.occurred_at, revenue = c.amount, conversion_order_id = c.order_id, updated_at = now()
    from credited c where m.id = c.message_id and m.converted_at is null`);
}
