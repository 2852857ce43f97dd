// The statements behind the analytics answers: message records counted per channel (and per group) under a
// filter, and signup cohorts with the week of each customer's first order. Every statement is the
// workspace's own (workspaceIs) and reads the records' sent time for time ranges.
import { type SQL, sql } from 'drizzle-orm';
import { workspaceIs } from '../db/own-rows.js';
import { recordCounts } from '../delivery/record-counts.js';
import type { ChannelName } from '../domain/channels.js';

export type FunnelGroupBy = 'channel' | 'variant' | 'step' | 'day';

/** Which records a funnel counts; every field set narrows it. Times are ISO 8601, on sent_at, `to` excluded. */
export interface RecordFilter {
  campaign_id?: string;
  journey_key?: string;
  step_key?: string;
  channel?: ChannelName;
  experiment_id?: string;
  from?: string;
  to?: string;
}

export function recordWhere(f: RecordFilter): SQL {
  const conditions: SQL[] = [workspaceIs(sql`m.workspace_id`), sql`m.status <> 'simulated'`];
  if (f.campaign_id !== undefined) conditions.push(sql`m.campaign_id = ${f.campaign_id}`);
  if (f.journey_key !== undefined) conditions.push(sql`m.journey_key = ${f.journey_key}`);
  if (f.step_key !== undefined) conditions.push(sql`m.step_key = ${f.step_key}`);
  if (f.channel !== undefined) conditions.push(sql`m.channel = ${f.channel}`);
  if (f.experiment_id !== undefined) conditions.push(sql`m.experiment_id = ${f.experiment_id}`);
  if (f.from !== undefined) conditions.push(sql`m.sent_at >= ${f.from}::timestamptz`);
  if (f.to !== undefined) conditions.push(sql`m.sent_at < ${f.to}::timestamptz`);
  return sql.join(conditions, sql` and `);
}

const GROUP_KEYS: Record<FunnelGroupBy | 'none', SQL> = {
  none: sql`null::text`,
  channel: sql`m.channel`,
  variant: sql`m.variant`,
  // A step is named within its journey (a campaign's records have none: their step alone).
  step: sql`coalesce(m.journey_key || '/', '') || m.step_key`,
  day: sql`to_char(m.sent_at at time zone 'UTC', 'YYYY-MM-DD')`,
};

/** Counts per (group key, channel), ordered by key. */
export function groupedCounts(f: RecordFilter, groupBy: FunnelGroupBy | 'none'): SQL {
  return sql`
    select ${GROUP_KEYS[groupBy]} as key, ${recordCounts('m')}
    from messages m
    where ${recordWhere(f)}
    group by 1, m.channel
    order by 1 nulls last, m.channel`;
}

/**
 * Customers who signed up in [from, to) (customers.created_at) by their ISO week (Monday, UTC), and the
 * week since that Monday of their first order (orders.occurred_at; null without one).
 */
export function cohortRows(from: string, to: string): SQL {
  return sql`
    with cohort as (
      select c.id, date_trunc('week', c.created_at at time zone 'UTC') as week_start
      from customers c
      where ${workspaceIs(sql`c.workspace_id`)} and c.created_at >= ${from}::timestamptz and c.created_at < ${to}::timestamptz
    ),
    first_order as (
      select o.customer_id, min(o.occurred_at at time zone 'UTC') as first_at
      from orders o
      where ${workspaceIs(sql`o.workspace_id`)} and o.customer_id in (select id from cohort)
      group by o.customer_id
    )
    select to_char(k.week_start, 'YYYY-MM-DD') as week_start, to_char(k.week_start, 'IYYY-"W"IW') as iso_week,
      floor(extract(epoch from (f.first_at - k.week_start)) / 604800)::int as week, count(*)::int as customers
    from cohort k left join first_order f on f.customer_id = k.id
    group by 1, 2, 3
    order by 1, 3`;
}
