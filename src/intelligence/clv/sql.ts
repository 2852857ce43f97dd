// The CLV refresh's SQL: every customer's history in one GROUP BY, the unique histories the fits read, and
// one UPDATE that writes every customer's CLV from the predictions per unique history.
import { type SQL, sql } from 'drizzle-orm';
import { workspaceIs } from '../../db/own-rows.js';
import type { ClvModel } from './model.js';

/** A finite number as a literal (the fitted parameters: they fold into the plan as constants). */
const num = (n: number): SQL => {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return sql.raw(`(${n}::float8)`);
};

/** The UTC day of `now`, the observation end every T is counted to. */
export const observationDay = (now: Date) => now.toISOString().slice(0, 10);

/**
 * clv_summary: per customer who is not erased (the refresh's rows), the histories of
 * ./histories.ts. From customer_order_hours, which ingest keeps per customer, UTC day and hour (read in
 * customer order from its index alone): one GROUP BY per customer and day, then per customer. Days after
 * the observation day (orders dated in the future) are left out, as lifetimes leaves them out.
 */
export const createSummary = (now: Date): SQL => sql`
  create temporary table clv_summary on commit drop as
  select d.customer_id, (count(*) - 1)::int as frequency, (max(d.day) - min(d.day))::int as recency,
    (${observationDay(now)}::date - min(d.day))::int as t, sum(d.amount) as revenue,
    coalesce((sum(d.amount) filter (where d.day > d.first_day) / nullif(count(*) - 1, 0))::float8, 0) as monetary
  from (
    select customer_id, day, amount, min(day) over (partition by customer_id) as first_day
    from (
      select h.customer_id, h.day, sum(h.amount) as amount from customer_order_hours h
      where ${workspaceIs(sql`h.workspace_id`)} and h.day <= ${observationDay(now)}::date
        and exists (select 1 from customers c where ${workspaceIs(sql`c.workspace_id`)} and c.id = h.customer_id and c.erased_at is null)
      group by h.customer_id, h.day
    ) per_day
  ) d
  group by d.customer_id`;

/** What the BG/NBD fit reads: unique (frequency, recency, T) and how many customers have each. */
export const uniqueHistories = sql`select frequency, recency, t, count(*)::int as n from clv_summary group by 1, 2, 3`;

/** What the Gamma-Gamma fit reads: repeat customers with a positive mean repeat spend, by unique (frequency, monetary). */
export const uniqueSpends = sql`
  select frequency, monetary, count(*)::int as n from clv_summary where frequency > 0 and monetary > 0 group by 1, 2`;

/** A unique history's predictions: expected purchases, P(alive), and the (discounted) purchases the CLV multiplies. */
export interface HistoryPrediction {
  f: number;
  r: number;
  t: number;
  e: number;
  pa: number;
  d: number;
}

/** The predictions per unique history as a table (a JSON parameter: postgres.js and PGlite agree on text). */
export const createPredictions = (predictions: HistoryPrediction[]): SQL => sql`
  create temporary table clv_predictions on commit drop as
  select * from json_to_recordset(${JSON.stringify(predictions)}::json) as x(f int, r int, t int, e float8, pa float8, d float8)`;

/** The CLV columns of customer_insights, in the order insertWithClv writes them. */
const CLV_COLUMNS = sql.raw(
  'historic_clv, clv_frequency, clv_recency_days, clv_age_days, expected_purchases_12m, p_alive, expected_order_value, predicted_clv_12m',
);

/**
 * Puts the refresh's rows in place with their CLV, in the one pass that copies them: each row of
 * customer_insights_next (its `columns`) joined to its customer's summary and the predictions of that
 * history, the expected order value computed in place by the Gamma-Gamma formula (./gamma-gamma.ts
 * expectedOrderValue). No model: revenue and history only, predictions null. No order: revenue 0, the rest null.
 */
export function insertWithClv(model: ClvModel | null, columns: string[]): SQL {
  const names = sql.raw(columns.join(', '));
  const from = sql.raw(columns.map((c) => `n.${c}`).join(', '));
  const history = sql`coalesce(s.revenue, 0), s.frequency, s.recency, s.t`;
  const where = workspaceIs(sql`n.workspace_id`);
  if (!model)
    return sql`
      insert into customer_insights (workspace_id, ${names}, ${CLV_COLUMNS})
      select n.workspace_id, ${from}, ${history}, null, null, null, null
      from customer_insights_next n left join clv_summary s on s.customer_id = n.customer_id
      where ${where}`;
  const { p, q, gamma } = model.params;
  const weight = sql`(${num(p)} * s.frequency / (${num(p)} * s.frequency + ${num(q - 1)}))`;
  const value = sql`((1 - ${weight}) * ${num((gamma * p) / (q - 1))} + ${weight} * s.monetary)`;
  return sql`
    insert into customer_insights (workspace_id, ${names}, ${CLV_COLUMNS})
    select n.workspace_id, ${from}, ${history}, x.e, x.pa, ${value}, ${value} * x.d
    from customer_insights_next n left join clv_summary s on s.customer_id = n.customer_id
      left join clv_predictions x on x.f = s.frequency and x.r = s.recency and x.t = s.t
    where ${where}`;
}
