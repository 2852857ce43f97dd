// The customer-intelligence query: for every customer (or one), RFM values and scores, RFM group, computed
// tags and (when asked) their evidence, as rows of customer_insights — set-based, from what ingest keeps as
// orders arrive: the per-day and local-hour order counts once (lifetime facts, F, M, night orders), the
// per-day category counts of the window once, the window's messages once; only the window's first day is
// recounted from its orders. The rules are those of src/intelligence/rfm.ts and
// src/intelligence/customer-tags.ts (tests check both agree). Settings are inlined as literals (validated
// numbers and enums only): constants fold in the plan, and the parameters are the workspace (every table
// read states it, leading each key it is read by) and the customer id.
import { type SQL, sql } from 'drizzle-orm';
import { workspaceIs } from '../db/own-rows.js';
import { churnRiskSql, packageCte, preferredSlotsSql, slotCounts, slotSums, visitsCte } from './behaviour-sql.js';
import { type IntelligenceSettings, type Level, LEVELS, levelOf, type QuintileCuts, type RfmGroupRule, type RfmMethod } from './rfm.js';

/** A number from validated settings, as a literal. */
function num(n: number): SQL {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return sql.raw(`(${n}::numeric)`);
}
const int = (n: number): SQL => {
  if (!Number.isInteger(n)) throw new Error(`not an integer: ${n}`);
  return sql.raw(String(n));
};
const ts = (d: Date): SQL => sql.raw(`'${d.toISOString()}'::timestamptz`);

export interface InsightQuery {
  settings: IntelligenceSettings;
  now: Date;
  /** One customer; undefined: every customer who is not erased. */
  customerId?: string;
  /**
   * Quintile method only: the cuts to score by (a one-customer refresh takes the last full refresh's);
   * undefined: computed in the query from everyone's values.
   */
  cuts?: QuintileCuts;
  /**
   * Whether to build each tag's evidence (false: '{}'). A full refresh leaves it out — it is most of the
   * cost per customer of writing the rows — and the one place that answers it, the customer's tags,
   * recomputes that customer with it first.
   */
  withEvidence?: boolean;
}

/** Whole days from `at` to now, never negative; null stays null. */
const daysSince = (at: SQL, now: SQL) =>
  sql`(case when ${at} is not null then greatest(0, floor(date_part('epoch', ${now} - ${at}) / 86400)) end)::int`;

/** The scores each method gives (threshold 1–3, quintile 1–5). */
const SCORES: Record<RfmMethod, number[]> = { threshold: [1, 2, 3], quintile: [1, 2, 3, 4, 5] };

/** The scores at `level` or above (`min`) / at or below (`max`), by rfm.ts levelOf: the least / the greatest of them. */
function scoreBound(method: RfmMethod, bound: 'min' | 'max', level: Level): number {
  const at = (s: number) => LEVELS.indexOf(levelOf(s, method)) - LEVELS.indexOf(level);
  const scores = SCORES[method].filter((s) => (bound === 'min' ? at(s) >= 0 : at(s) <= 0));
  return bound === 'min' ? Math.min(...scores) : Math.max(...scores);
}

/** An RFM group's rule as a condition on the scores (r_score, f_score, m_score) and lifetime orders. */
function ruleCondition(rule: RfmGroupRule, method: RfmMethod): SQL {
  const parts: SQL[] = [];
  for (const dim of ['r', 'f', 'm'] as const) {
    const score = sql.raw(`${dim}_score`);
    const min = rule.min?.[dim];
    const max = rule.max?.[dim];
    if (min && min !== 'low') parts.push(sql`${score} >= ${int(scoreBound(method, 'min', min))}`);
    if (max && max !== 'high') parts.push(sql`${score} <= ${int(scoreBound(method, 'max', max))}`);
  }
  if (rule.minLifetimeOrders) parts.push(sql`lifetime_orders >= ${int(rule.minLifetimeOrders)}`);
  return parts.length ? sql.join(parts, sql` and `) : sql`true`;
}

/**
 * An integer column against a threshold of the settings (any number), as integers: for a whole number x,
 * x > t ⇔ x > ⌊t⌋, x ≥ t ⇔ x ≥ ⌈t⌉, x < t ⇔ x < ⌈t⌉ and x ≤ t ⇔ x ≤ ⌊t⌋ — the same answers as comparing with the
 * numeric t, without turning x into a numeric on every row.
 */
function intCompare(column: SQL, op: '>' | '>=' | '<' | '<=', t: number): SQL {
  const bound = op === '>' || op === '<=' ? Math.floor(t) : Math.ceil(t);
  if (!Number.isSafeInteger(bound)) return sql`${column} ${sql.raw(op)} ${num(t)}`;
  return sql`${column} ${sql.raw(op)} ${int(bound)}`;
}

/** Night in local hours: from startHour up to (not including) endHour, across midnight when start > end. */
function isNight(hour: SQL, s: IntelligenceSettings['tags']['nightVisitor']): SQL {
  // One evaluation of the hour: its distance past startHour, around the clock, is less than the night's length.
  return sql`mod(${hour} + ${int(24 - s.startHour)}, 24) < ${int((s.endHour - s.startHour + 24) % 24)}`;
}

/** The hour (0–23) of `at` in time zone `timezone`, UTC when null — by the function the triggers on orders count with (migration 0011). */
export function localHour(at: SQL, timezone: SQL): SQL {
  return sql`order_local_hour(${at}, ${timezone})`;
}

/**
 * The SELECT whose rows are customer_insights rows (same columns, same order): lifetime order facts and the
 * window's orders, amounts and night orders from customer_order_hours, items per category from
 * customer_category_days, one scan of the window's messages; everything else is per customer. The full
 * refresh runs it without hash joins (refresh.ts): every step then streams in customer order.
 */
export function insightSelect({ settings, now: nowDate, customerId, cuts, withEvidence = true }: InsightQuery): SQL {
  const { rfm, segments: groups, tags: t } = settings;
  const now = ts(nowDate);
  const windowStartDate = new Date(nowDate.getTime() - rfm.windowDays * 86_400_000);
  const windowStart = ts(windowStartDate);
  // The UTC day the window starts in (customer_category_days counts by UTC day), and the next one's start.
  const firstDayDate = new Date(Date.UTC(windowStartDate.getUTCFullYear(), windowStartDate.getUTCMonth(), windowStartDate.getUTCDate()));
  const firstDay = sql.raw(`'${firstDayDate.toISOString().slice(0, 10)}'::date`);
  const nextDay = ts(new Date(firstDayDate.getTime() + 86_400_000));
  const one = (column: SQL) => (customerId === undefined ? sql`` : sql`and ${column} = ${customerId}`);
  const inWindow = (column = sql`occurred_at`) => sql`${column} >= ${windowStart}`;
  const T = rfm.thresholds;

  // Scores. Threshold: the threshold table as written. Quintile: 1 + the cuts a value reaches (see rfm.ts).
  const byCuts = (value: SQL, cutsOf: SQL) =>
    sql`case when ${value} is null or ${cutsOf} is null then 1
      else 1 + (${value} >= ${cutsOf}[1])::int + (${value} >= ${cutsOf}[2])::int + (${value} >= ${cutsOf}[3])::int + (${value} >= ${cutsOf}[4])::int end`;
  const scores =
    rfm.method === 'threshold'
      ? {
          r: sql`case when recency_days is null then 1 when recency_days < ${int(T.recency.highBelowDays)} then 3
                  when recency_days <= ${int(T.recency.lowAboveDays)} then 2 else 1 end`,
          f: sql`case when ${intCompare(sql`frequency`, '>', T.frequency.highAbove)} then 3 when ${intCompare(sql`frequency`, '>=', T.frequency.lowBelow)} then 2 else 1 end`,
          m: sql`case when monetary > ${num(T.monetary.highAbove)} then 3 when monetary >= ${num(T.monetary.lowBelow)} then 2 else 1 end`,
        }
      : {
          r: byCuts(sql`-recency_days`, sql`cuts.r`),
          f: byCuts(sql`nullif(frequency, 0)`, sql`cuts.f`),
          m: byCuts(sql`nullif(monetary, 0)`, sql`cuts.m`),
        };

  const cutsCte =
    rfm.method === 'threshold'
      ? sql``
      : cuts
        ? sql`, cuts as (select ${numArray(cuts.r)} as r, ${numArray(cuts.f)} as f, ${numArray(cuts.m)} as m)`
        : sql`, cuts as (${quintileCutsSelect(sql`facts`)})`;

  const p = t.preference;
  const nv = t.nightVisitor;
  const act = t.activity;
  const churnOrders = groups.churn_risk.minLifetimeOrders ?? 0;
  const tag = (key: string, condition: SQL) => sql`case when ${condition} then ${sql.raw(`'${key}'`)} end`;

  // Conditions of each computed tag (customer-tags.ts), on the columns of `facts`.
  const cond = {
    high_frequency: intCompare(sql`frequency`, '>', T.frequency.highAbove),
    low_frequency: sql`lifetime_orders > 0 and ${intCompare(sql`frequency`, '<', T.frequency.lowBelow)}`,
    active: sql`quiet_days < ${int(act.activeBelowDays)}`,
    dormant: sql`quiet_days > ${int(act.dormantAboveDays)}`,
    // Orders and visits together (customer-tags.ts).
    night_visitor: sql`frequency + visits >= ${int(nv.minOrders)} and night_orders + night_visits >= ${num(nv.minShare)} * (frequency + visits)`,
    package_buyer: sql`package_items >= ${int(p.minItems)}`,
    churn_risk: sql`lifetime_orders >= ${int(churnOrders)} and recency_days > ${int(T.recency.lowAboveDays)}`,
    high_value: sql`lifetime_orders > 0 and monetary > ${num(T.monetary.highAbove)}`,
    medium_value: sql`lifetime_orders > 0 and monetary >= ${num(T.monetary.lowBelow)} and monetary <= ${num(T.monetary.highAbove)}`,
    low_value: sql`lifetime_orders > 0 and monetary < ${num(T.monetary.lowBelow)}`,
    potential: sql`frequency > 0 and ${intCompare(sql`frequency`, '<=', T.frequency.highAbove)} and monetary >= ${num(t.potential.minAverageOrder)} * frequency`,
    responsive: sql`messages_sent >= ${int(t.responsive.minMessages)} and messages_responded >= ${num(t.responsive.minRate)} * messages_sent`,
  };

  /** `"key":{…}` when the condition holds: evidence is built as text and parsed once (far cheaper than jsonb_build_object). */
  const evidence = (key: string, condition: SQL, body: SQL) =>
    sql`case when ${condition} then ${sql.raw(`'"${key}":{'`)} || ${body} || '}' end`;
  const text = (fragment: string) => sql.raw(`'${fragment.replace(/'/g, "''")}'`);

  // Evidence as text, parsed once into jsonb.
  const evidenceJson = withEvidence
    ? sql`('{' || concat_ws(',',
      ${evidence('high_frequency', cond.high_frequency, sql`'"orders":' || frequency`)},
      ${evidence('low_frequency', cond.low_frequency, sql`'"orders":' || frequency || ',"lifetime_orders":' || lifetime_orders`)},
      ${evidence('active', cond.active, sql`'"days_since_activity":' || quiet_days`)},
      ${evidence('dormant', cond.dormant, sql`'"days_since_activity":' || quiet_days || ',"since":' || case when never_active then '"signup"' else '"activity"' end`)},
      ${evidence(
        'night_visitor',
        cond.night_visitor,
        sql`'"night_orders":' || night_orders || ',"orders":' || frequency || ',"night_visits":' || night_visits || ',"visits":' || visits
        || ',"share":' || round((night_orders + night_visits)::numeric / (frequency + visits), 4) || ',"time_zone":' || to_json(coalesce(timezone, 'UTC'))::text`,
      )},
      ${evidence('churn_risk', cond.churn_risk, sql`'"lifetime_orders":' || lifetime_orders || ',"recency_days":' || recency_days`)},
      lover_evidence,
      ${evidence('package_buyer', cond.package_buyer, sql`'"package_items":' || package_items`)},
      ${evidence('high_value', cond.high_value, sql`'"monetary":' || monetary`)},
      ${evidence('medium_value', cond.medium_value, sql`'"monetary":' || monetary`)},
      ${evidence('low_value', cond.low_value, sql`'"monetary":' || monetary`)},
      ${evidence('potential', cond.potential, sql`'"orders":' || frequency || ',"average_order":' || round(monetary / frequency, 2)`)},
      ${evidence(
        'responsive',
        cond.responsive,
        sql`'"messages":' || messages_sent || ',"responded":' || messages_responded
        || ',"rate":' || round(messages_responded::numeric / messages_sent, 4)`,
      )}
    ) || '}')::jsonb`
    : sql`'{}'::jsonb`;

  return sql`
    with ord as (
      -- Lifetime facts (count, first and last order) and the window's orders, amount and night orders, from
      -- the counts per day and local hour ingest keeps (customer_order_hours), read in key order from its
      -- primary key (which includes the counts), so the sums stream without a hash table: every day for the
      -- lifetime facts; for the window, the days wholly inside it summed, and the day it starts in, partly
      -- inside, recounted from that day's orders (a subquery run only for the few customers with an order
      -- that day).
      select customer_id, lifetime_orders, first_order_at, last_order_at,
        frequency + coalesce(first_day[1], 0)::int as frequency, monetary + coalesce(first_day[2], 0) as monetary,
        night_orders + coalesce(first_day[3], 0)::int as night_orders,
        ${sql.join(
          [0, 1, 2, 3].map((k) => sql.raw(`order_slot_${k} + coalesce(first_day[${4 + k}], 0)::int as order_slot_${k}`)),
          sql`, `,
        )}
      from (
        select h.customer_id, sum(h.orders)::int as lifetime_orders, min(h.first_at) as first_order_at, max(h.last_at) as last_order_at,
          coalesce(sum(h.orders) filter (where h.day > ${firstDay}), 0)::int as frequency,
          coalesce(sum(h.amount) filter (where h.day > ${firstDay}), 0) as monetary,
          coalesce(sum(h.orders) filter (where h.day > ${firstDay} and ${isNight(sql`h.hour`, nv)}), 0)::int as night_orders,
          ${slotSums('order_slot', sql`h.orders`, sql`h.hour`, sql`h.day > ${firstDay}`)},
          case when bool_or(h.day = ${firstDay}) then (
            select array[count(*), coalesce(sum(o.amount), 0), count(*) filter (where ${isNight(localHour(sql`o.occurred_at`, sql`c.timezone`), nv)}),
              ${slotCounts(localHour(sql`o.occurred_at`, sql`c.timezone`))}]
            from orders o left join customers c on c.workspace_id = o.workspace_id and c.id = o.customer_id
            where ${workspaceIs(sql`o.workspace_id`)} and o.customer_id = h.customer_id
              and ${inWindow(sql`o.occurred_at`)} and o.occurred_at < ${nextDay}
          ) end as first_day
        from customer_order_hours h
        where ${workspaceIs(sql`h.workspace_id`)} ${one(sql`h.customer_id`)}
        group by h.customer_id
      ) w
    ),
    cat as (
      -- Items per category in the window, from the per-day counts ingest keeps (customer_category_days), read
      -- in key order from its primary key (which includes the counts): the days wholly inside the window
      -- summed, and the day the window starts in, partly inside, recounted from that day's orders (a
      -- subquery run only for the few groups with a count that day).
      select d.customer_id, d.category,
        coalesce(sum(d.items) filter (where d.day > ${firstDay}), 0) + case when bool_or(d.day = ${firstDay}) then (
          select coalesce(sum(coalesce((e ->> 'quantity')::float8, 1)), 0)
          from orders o
          cross join lateral jsonb_array_elements(case when jsonb_typeof(o.items) = 'array' then o.items else '[]'::jsonb end) e
          where ${workspaceIs(sql`o.workspace_id`)} and o.customer_id = d.customer_id
            and ${inWindow(sql`o.occurred_at`)} and o.occurred_at < ${nextDay}
            and coalesce(e ->> 'category', '') = d.category
        ) else 0 end as items
      from customer_category_days d
      where ${workspaceIs(sql`d.workspace_id`)} and d.day >= ${firstDay} ${one(sql`d.customer_id`)}
      group by d.customer_id, d.category
    ),
    lover as (
      -- One sort serves both: one row per tag (two categories spelt differently can make the same tag: the
      -- one with more items stays), and tags in alphabetical order per customer. The total (items of no
      -- category, '', included) is a window over rows that arrive in customer order: no second pass.
      select distinct on (customer_id, tag) * from (
        select customer_id, category, items, total_items,
          -- A category already written as its tag's stem (lower case letters and digits, single '_' between)
          -- is its own stem: one match instead of lower, replace and trim on every row.
          case when category ~ '^[a-z0-9]+(_[a-z0-9]+)*$' then category
            else trim(both '_' from regexp_replace(lower(category), '[^a-z0-9]+', '_', 'g')) end || '_lover' as tag
        from (select c.*, sum(items) over (partition by customer_id) as total_items from cat c) c
        where items >= ${int(p.minItems)} and items >= ${num(p.minShare)} * total_items
      ) d
      where tag <> '_lover'
      order by customer_id, tag, items desc
    ),
    lovers as (
      select customer_id, array_agg(tag) as tags, ${
        withEvidence
          ? sql`string_agg('"' || tag || '":{"category":' || to_json(category)::text || ',"items":' || items || ',"total_items":' || total_items
          || ',"share":' || round((items / total_items)::numeric, 4) || '}', ',')`
          : sql`null::text`
      } as evidence
      from lover group by customer_id
    ),
    msg as (
      -- Opens and clicks count in the time slots at their local hour (the customer's zone, as orders).
      select m.customer_id, count(*)::int as sent,
        count(*) filter (where m.opened_at is not null or m.clicked_at is not null or m.converted_at is not null)::int as responded,
        count(*) filter (where not m.transactional)::int as marketing_sent,
        count(*) filter (where not m.transactional and (m.opened_at is not null or m.clicked_at is not null))::int as marketing_responded,
        ${sql.join(
          [0, 1, 2, 3].map(
            (k) => sql`(count(*) filter (where ${localHour(sql`m.opened_at`, sql`c.timezone`)} / 6 = ${int(k)})
              + count(*) filter (where ${localHour(sql`m.clicked_at`, sql`c.timezone`)} / 6 = ${int(k)}))::int as ${sql.raw(`touch_slot_${k}`)}`,
          ),
          sql`, `,
        )}
      from messages m left join customers c on c.workspace_id = m.workspace_id and c.id = m.customer_id
      where ${workspaceIs(sql`m.workspace_id`)} and m.sent_at >= ${windowStart} ${one(sql`m.customer_id`)}
      group by m.customer_id
    ),
    visits as (${visitsCte(windowStart, one, (hour) => isNight(hour, nv))}),
    pkg as (${packageCte()}),
    facts as (
      select c.id as customer_id, c.timezone,
        coalesce(w.lifetime_orders, 0) as lifetime_orders,
        coalesce(w.frequency, 0) as frequency,
        coalesce(w.monetary, 0) as monetary,
        ${daysSince(sql`w.last_order_at`, now)} as recency_days,
        ${daysSince(sql`w.first_order_at`, now)} as first_order_days,
        ${daysSince(sql`c.created_at`, now)} as signup_days,
        ${daysSince(sql`coalesce(greatest(w.last_order_at, c.last_activity_at), c.created_at)`, now)} as quiet_days,
        greatest(w.last_order_at, c.last_activity_at) is null as never_active,
        coalesce(w.night_orders, 0) as night_orders,
        lv.tags as lover_tags, lv.evidence as lover_evidence,
        coalesce(m.sent, 0) as messages_sent, coalesce(m.responded, 0) as messages_responded,
        coalesce(m.marketing_sent, 0) as marketing_sent, coalesce(m.marketing_responded, 0) as marketing_responded,
        ${sql.join(
          [0, 1, 2, 3].map((k) => sql.raw(`coalesce(w.order_slot_${k}, 0) + coalesce(m.touch_slot_${k}, 0) as slot_${k}`)),
          sql`, `,
        )},
        coalesce(v.visits, 0) as visits, coalesce(v.night_visits, 0) as night_visits, coalesce(pk.package_items, 0) as package_items,
        coalesce(date_part('epoch', w.last_order_at - w.first_order_at)::float8 / 86400, 0) as order_span_days
      from customers c
      left join ord w on w.customer_id = c.id
      left join lovers lv on lv.customer_id = c.id
      left join msg m on m.customer_id = c.id
      left join visits v on v.customer_id = c.id
      left join pkg pk on pk.customer_id = c.id
      where ${workspaceIs(sql`c.workspace_id`)} and c.erased_at is null ${one(sql`c.id`)}
      -- OFFSET 0 keeps each step a step: pulled up, its expressions would be computed again at every use.
      offset 0
    )${cutsCte},
    scored as (
      select f.*, ${scores.r} as r_score, ${scores.f} as f_score, ${scores.m} as m_score
      from facts f ${rfm.method === 'threshold' ? sql`` : sql`cross join cuts`}
      offset 0
    )
    select customer_id, recency_days, frequency, monetary, r_score, f_score, m_score,
      ${text(rfm.method)} as rfm_method,
      case
        when coalesce(first_order_days, signup_days) < ${int(groups.new.withinDays)} then 'new'
        when ${ruleCondition(groups.churn_risk, rfm.method)} then 'churn_risk'
        when ${ruleCondition(groups.vip, rfm.method)} then 'vip'
        when ${ruleCondition(groups.loyal, rfm.method)} then 'loyal'
        when ${ruleCondition(groups.potential, rfm.method)} then 'potential'
        else 'regular'
      end as segment,
      array_remove(array[
        ${tag('high_frequency', cond.high_frequency)}, ${tag('low_frequency', cond.low_frequency)},
        ${tag('active', cond.active)}, ${tag('dormant', cond.dormant)},
        ${tag('night_visitor', cond.night_visitor)}, ${tag('churn_risk', cond.churn_risk)}
      ], null) || coalesce(lover_tags, '{}'::text[]) || array_remove(array[${tag('package_buyer', cond.package_buyer)}], null) || array_remove(array[
        ${tag('high_value', cond.high_value)}, ${tag('medium_value', cond.medium_value)}, ${tag('low_value', cond.low_value)},
        ${tag('potential', cond.potential)}, ${tag('responsive', cond.responsive)}
      ], null) as tags,
      ${evidenceJson} as evidence,
      ${now} as computed_at,
      ${preferredSlotsSql()} as preferred_time_slots, marketing_sent, marketing_responded,
      case when marketing_sent > 0 then round(marketing_responded::numeric / marketing_sent, 4) end as response_rate,
      ${churnRiskSql(settings)} as churn_risk
    from scored`;
}

function numArray(values: number[] | null): SQL {
  if (!values) return sql`null::numeric[]`;
  return sql.raw(`array[${values.map((v) => Number(v).toString()).join(', ')}]::numeric[]`);
}

/** The quintile cuts (columns r, f, m) of everyone in `from`, a relation with recency_days, frequency, monetary. */
export function quintileCutsSelect(from: SQL): SQL {
  return sql`select ${cutsOf(sql`-recency_days`, from)} as r, ${cutsOf(sql`nullif(frequency, 0)`, from)} as f,
    ${cutsOf(sql`nullif(monetary, 0)`, from)} as m`;
}

/**
 * The least value scoring s, for s = 2..5, with score = ceil(5 × k / n), k the customers at or below the
 * value (ties included: they share a score) and n those ranked (non-null values). Grouped by value first,
 * so the sort is over distinct values.
 */
function cutsOf(value: SQL, from: SQL): SQL {
  return sql`(select case when count(*) > 0 then
      array[min(v) filter (where s >= 2), min(v) filter (where s >= 3), min(v) filter (where s >= 4), min(v) filter (where s >= 5)]::numeric[] end
    from (select v, ceil(5.0 * sum(k) over (order by v) / sum(k) over ()) as s
          from (select ${value} as v, count(*) as k from ${from} where ${value} is not null group by 1) d) ranked)`;
}
