// Writes customer_insights: every customer of the workspace at once (built in a temporary table from one
// INSERT … SELECT, then put in place of the workspace's rows), or one customer (the same SELECT restricted
// to them, upserted).
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { workspaceIs } from '../db/own-rows.js';
import { rowsOf } from '../db/sql-helpers.js';
import type { IntelligenceSettings, QuintileCuts } from './rfm.js';
import { insightSelect, quintileCutsSelect } from './sql.js';
import { prepareClv } from './clv/refresh.js';

/**
 * One full refresh of a workspace at a time; its one-customer refreshes share the lock, so none writes a row
 * the full refresh is about to replace. Keyed by the workspace: workspaces refresh side by side.
 */
const REFRESH_LOCK = 74_657_312;
const refreshLock = (mode: 'exclusive' | 'shared') =>
  mode === 'exclusive'
    ? sql`select pg_advisory_xact_lock(${REFRESH_LOCK}, hashtext(current_setting('app.workspace_id')))`
    : sql`select pg_advisory_xact_lock_shared(${REFRESH_LOCK}, hashtext(current_setting('app.workspace_id')))`;

const COLUMN_NAMES = [
  ...['customer_id', 'recency_days', 'frequency', 'monetary', 'r_score', 'f_score', 'm_score'],
  ...['rfm_method', 'segment', 'tags', 'evidence', 'computed_at'],
  ...['preferred_time_slots', 'marketing_sent', 'marketing_responded', 'response_rate', 'churn_risk'],
];
const COLUMNS = sql.raw(COLUMN_NAMES.join(', '));

/** What a full refresh leaves in intelligence_settings (key `last_refresh`). */
export interface RefreshRecord {
  at: string;
  method: IntelligenceSettings['rfm']['method'];
  windowDays: number;
  customers: number;
  durationMs: number;
  /** Quintile method: the cuts everyone was scored by, which one-customer refreshes score by until the next. */
  cuts: QuintileCuts | null;
}

export const LAST_REFRESH_KEY = 'last_refresh';

/**
 * Recomputes every customer of the workspace who is not erased. The rows go into a temporary table first
 * (nothing locked while they are computed), then replace the workspace's rows in the same transaction:
 * readers see the old rows or the new ones.
 */
export async function refreshAll(db: Db, settings: IntelligenceSettings, now = new Date()): Promise<RefreshRecord> {
  const started = performance.now();
  return db.transaction(async (tx) => {
    await tx.execute(refreshLock('exclusive'));
    // Large hash aggregates (a group per customer and category) stay in memory instead of spilling.
    await tx.execute(sql`set local work_mem = '256MB'`);
    // JIT compiling this query costs more than it saves (about a third of the refresh at 200 000 customers).
    await tx.execute(sql`set local jit = off`);
    // Every step streams in customer order (index-only scans of the tables ingest keeps, grouped as they
    // come, merged with customers by key). The planner guesses the customers in those tables from a sample,
    // and at a million customers guessed under half: it then hashed them and hash-joined everything (half a
    // gigabyte, and 1.6 times the time). Without hash joins it keeps them streaming; hash aggregates stay
    // allowed, for the window's messages (sorting them all instead cost more than hashing them).
    await tx.execute(sql`set local enable_hashjoin = off`);
    await tx.execute(sql`create temporary table customer_insights_next (like customer_insights including defaults) on commit drop`);
    // Without evidence: customerTags recomputes the one customer it answers, with it.
    await tx.execute(sql`insert into customer_insights_next (${COLUMNS}) ${insightSelect({ settings, now, withEvidence: false })}`);
    const cuts = settings.rfm.method === 'quintile' ? await readCuts(tx) : null;
    // Lifetime value: fitted on these rows' customers, written with them as they are put in place.
    const clv = await prepareClv(tx, now, COLUMN_NAMES);
    await tx.execute(sql`delete from customer_insights where ${workspaceIs(sql`workspace_id`)}`);
    await tx.execute(clv.insert);
    const [{ n }] = rowsOf<{ n: number | string }>(
      await tx.execute(sql`select count(*) as n from customer_insights where ${workspaceIs(sql`workspace_id`)}`),
    ) as [{ n: number | string }];
    const record: RefreshRecord = {
      at: now.toISOString(),
      method: settings.rfm.method,
      windowDays: settings.rfm.windowDays,
      customers: Number(n),
      durationMs: Math.round(performance.now() - started),
      cuts,
    };
    await tx.execute(sql`
      insert into intelligence_settings (key, value, updated_at) values (${LAST_REFRESH_KEY}, ${JSON.stringify(record)}::jsonb, now())
      on conflict (workspace_id, key) do update set value = excluded.value, updated_at = now()`);
    return record;
  });
}

async function readCuts(tx: Tx): Promise<QuintileCuts> {
  // As JSON text: postgres.js and PGlite agree on text, not on numeric arrays.
  const [row] = rowsOf<{ cuts: string }>(
    await tx.execute(
      sql`select json_build_object('r', r, 'f', f, 'm', m)::text as cuts
        from (${quintileCutsSelect(sql`(select recency_days, frequency, monetary from customer_insights_next where ${workspaceIs(sql`workspace_id`)}) n`)}) c`,
    ),
  );
  const cuts = JSON.parse(row!.cuts) as Record<keyof QuintileCuts, Array<number | string> | null>;
  const numbers = (a: Array<number | string> | null) => (a ? a.map(Number) : null);
  return { r: numbers(cuts.r), f: numbers(cuts.f), m: numbers(cuts.m) };
}

/**
 * Recomputes one customer by the same query; their row is deleted when they are erased or gone. Quintile
 * scores use `cuts` (the last full refresh's): a quintile is a position among everyone.
 */
export async function refreshOne(
  db: Db,
  settings: IntelligenceSettings,
  customerId: string,
  cuts?: QuintileCuts,
  now = new Date(),
): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.execute(refreshLock('shared'));
    const written = rowsOf<{ customer_id: string }>(
      await tx.execute(sql`
        insert into customer_insights (${COLUMNS}) ${insightSelect({ settings, now, customerId, cuts })}
        on conflict (workspace_id, customer_id) do update set
          recency_days = excluded.recency_days, frequency = excluded.frequency, monetary = excluded.monetary,
          r_score = excluded.r_score, f_score = excluded.f_score, m_score = excluded.m_score, rfm_method = excluded.rfm_method,
          segment = excluded.segment, tags = excluded.tags, evidence = excluded.evidence, computed_at = excluded.computed_at,
          preferred_time_slots = excluded.preferred_time_slots, marketing_sent = excluded.marketing_sent,
          marketing_responded = excluded.marketing_responded, response_rate = excluded.response_rate, churn_risk = excluded.churn_risk
        returning customer_id`),
    );
    if (written.length === 0)
      await tx.execute(sql`delete from customer_insights where ${workspaceIs(sql`workspace_id`)} and customer_id = ${customerId}`);
    return written.length > 0;
  });
}
