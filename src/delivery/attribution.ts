// Which message an order is credited to: the conversion columns of messages (converted_at, revenue,
// conversion_order_id). Delivery owns message rows; the order statement (src/events/orders.ts) runs this.
import { workspaceIs } from '../db/own-rows.js';
import { type SQL, sql } from 'drizzle-orm';
import { messages } from '../db/schema.js';
import { advanceStatus } from './status-progress.js';

import { DEFAULT_ATTRIBUTION_WINDOW_DAYS } from '../domain/attribution-window.js';

export { DEFAULT_ATTRIBUTION_WINDOW_DAYS };

/**
 * The UPDATE of messages that credits each of `newOrders` (a relation of id, customer_id, amount,
 * occurred_at: orders first stored by the same statement, so an order is attributed exactly once — a
 * repeated event, or the same order id again, attributes nothing) to one message.
 *
 * Last touch, by the strongest kind of touch: among the customer's messages not yet converted, sent before
 * the order and not hard-bounced, on a customer's channel (email, SMS, push), the one clicked within the
 * window before the order (the latest click), else opened within it (the latest open), else sent within it
 * (the latest send). Its converted_at becomes the order's time, its revenue the order's amount. A message
 * converts once: two new orders in one statement that pick the same message credit it with the first.
 * Clicks and opens count from their first time (opened_at, clicked_at). The credited record becomes
 * `converted` (src/delivery/status-progress.ts).
 */
export function creditOrders(newOrders: SQL, windowDays = DEFAULT_ATTRIBUTION_WINDOW_DAYS): SQL {
  const window = sql`(${windowDays}::float8 * interval '1 day')`;
  const within = (column: string) => sql`(m.${sql.raw(column)} <= o.occurred_at and m.${sql.raw(column)} > o.occurred_at - ${window})`;
  return sql`
    update ${messages} credited set converted_at = c.occurred_at, revenue = c.amount, conversion_order_id = c.order_id,
      status = ${advanceStatus(sql`credited.status`, 'converted')}, updated_at = now()
    from (
      select distinct on (message_id) message_id, order_id, amount, occurred_at
      from (
        -- Each new order's touch: its customer's messages through messages_customer_idx (created before the order).
        select distinct on (o.id) o.id as order_id, o.amount, o.occurred_at, t.message_id
        from ${newOrders} o
        cross join lateral (
          select m.id as message_id,
            case when ${within('clicked_at')} then 3 when ${within('opened_at')} then 2 else 1 end as strength,
            case when ${within('clicked_at')} then m.clicked_at when ${within('opened_at')} then m.opened_at else m.sent_at end as touched_at
          from ${messages} m
          where ${workspaceIs(sql`m.workspace_id`)} and m.customer_id = o.customer_id and m.created_at <= o.occurred_at
            and m.sent_at <= o.occurred_at and m.converted_at is null and m.channel in ('email', 'sms', 'push')
            and m.bounce_type is distinct from 'hard'
            and (${within('sent_at')} or ${within('opened_at')} or ${within('clicked_at')})
        ) t
        order by o.id, t.strength desc, t.touched_at desc, t.message_id
      ) touch
      order by message_id, occurred_at, order_id
    ) c
    where ${workspaceIs(sql`credited.workspace_id`)} and credited.id = c.message_id and credited.converted_at is null`;
}
