// The behaviour data of src/intelligence/behaviour.ts as SQL fragments of the insight query (sql.ts): slot
// counts, the window's visits, package items, churn risk and preferred slots. Settings are inlined as
// literals, as in sql.ts (validated numbers only).
import { type SQL, sql } from 'drizzle-orm';
import { workspaceIs } from '../db/own-rows.js';
import { CHURN_WEIGHTS, PACKAGE_CATEGORY_PATTERN, TIME_SLOTS, VISIT_EVENT_TYPES } from './behaviour.js';
import type { IntelligenceSettings } from './rfm.js';

const literal = (n: number) => {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return sql.raw(`(${n}::float8)`);
};
const quoted = (s: string) => sql.raw(`'${s.replace(/'/g, "''")}'`);
const SLOTS = TIME_SLOTS.map((_, k) => k);

/** `<prefix>_<k>` for each slot: sum of `value` over rows whose local `hour` is in slot k and `where` holds. */
export const slotSums = (prefix: string, value: SQL, hour: SQL, where: SQL): SQL =>
  sql.join(
    SLOTS.map(
      (k) =>
        sql`coalesce(sum(${value}) filter (where ${where} and ${hour} / 6 = ${sql.raw(String(k))}), 0)::int as ${sql.raw(`${prefix}_${k}`)}`,
    ),
    sql`, `,
  );

/** Count of rows whose local `hour` is in slot k, as array elements (the first-day recount of sql.ts). */
export const slotCounts = (hour: SQL): SQL =>
  sql.join(
    SLOTS.map((k) => sql`count(*) filter (where ${hour} / 6 = ${sql.raw(String(k))})`),
    sql`, `,
  );

/** The window's visits per customer and those at night, in the customer's zone (`night` tests an hour). */
export function visitsCte(windowStart: SQL, one: (column: SQL) => SQL, night: (hour: SQL) => SQL): SQL {
  const hour = sql`order_local_hour(e.occurred_at, c.timezone)`;
  const types = sql.join(
    VISIT_EVENT_TYPES.map((t) => quoted(t)),
    sql`, `,
  );
  return sql`select e.customer_id, count(*)::int as visits, count(*) filter (where ${night(hour)})::int as night_visits
    from events e left join customers c on c.workspace_id = e.workspace_id and c.id = e.customer_id
    where ${workspaceIs(sql`e.workspace_id`)} and e.type in (${types}) and e.occurred_at >= ${windowStart}
      and e.properties -> 'activity' is distinct from 'false'::jsonb ${one(sql`e.customer_id`)}
    group by e.customer_id`;
}

/** Package items per customer from the window's items per category (`cat` of sql.ts). */
export const packageCte = (): SQL =>
  sql`select customer_id, sum(items) as package_items from cat where category ~* ${quoted(PACKAGE_CATEGORY_PATTERN)} group by customer_id`;

/** churnRiskOf on the columns of `facts` (lifetime_orders, recency_days, order_span_days, quiet_days). */
export function churnRiskSql(s: IntelligenceSettings): SQL {
  const gap = sql`case when lifetime_orders >= 2 then greatest(1, order_span_days / (lifetime_orders - 1))
    else ${literal(s.rfm.thresholds.recency.highBelowDays)} end`;
  const overdue = sql`least(1, greatest(0, (recency_days::float8 / ${gap} - 1) / 2))`;
  const silence = sql`least(1, greatest(0, quiet_days::float8 / ${literal(s.tags.activity.dormantAboveDays)}))`;
  return sql`case when lifetime_orders > 0 and recency_days is not null then
    round((${literal(CHURN_WEIGHTS.overdue)} * ${overdue} + ${literal(CHURN_WEIGHTS.silence)} * ${silence})::numeric, 4) end`;
}

/** preferredSlots on the columns slot_0 … slot_3 of `facts`, as jsonb. */
export function preferredSlotsSql(): SQL {
  const rows = sql.join(
    TIME_SLOTS.map((t, k) => sql`(${sql.raw(String(k))}, ${quoted(t.slot)}, ${quoted(t.hours)}, ${sql.raw(`slot_${k}`)})`),
    sql`, `,
  );
  return sql`(select coalesce(jsonb_agg(jsonb_build_object('slot', v.slot, 'hours', v.hours, 'touches', v.n) order by v.n desc, v.k), '[]'::jsonb)
    from (select * from (values ${rows}) v(k, slot, hours, n) where n > 0 order by n desc, k limit 2) v)`;
}
