// Writes customer_insights: every customer at once (a new table built from one INSERT … SELECT, indexed,
// then swapped in), or one customer (the same SELECT restricted to them, upserted).
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { rowsOf } from '../db/sql-helpers.js';
import type { IntelligenceSettings, QuintileCuts } from './rfm.js';
import { insightSelect, quintileCutsSelect } from './sql.js';

/** One refresh at a time; one-customer refreshes share it, so none writes into a table about to be dropped. */
const REFRESH_LOCK = 74_657_312;

const COLUMNS = sql.raw(
  'customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_method, segment, tags, evidence, computed_at',
);

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
 * Recomputes every customer who is not erased. The rows go into a new table (no index to maintain row by
 * row, nothing locked while they are computed), which is indexed and then takes customer_insights' place
 * in the same transaction: readers see the old rows or the new ones, and wait only for the swap.
 */
export async function refreshAll(db: Db, settings: IntelligenceSettings, now = new Date()): Promise<RefreshRecord> {
  const started = performance.now();
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${REFRESH_LOCK})`);
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
    await tx.execute(sql`drop table if exists customer_insights_next`);
    await tx.execute(sql`create table customer_insights_next (like customer_insights including defaults)`);
    // Without evidence: customerTags recomputes the one customer it answers, with it.
    await tx.execute(sql`insert into customer_insights_next (${COLUMNS}) ${insightSelect({ settings, now, withEvidence: false })}`);
    const cuts = settings.rfm.method === 'quintile' ? await readCuts(tx) : null;
    await swapIn(tx);
    const [{ n }] = rowsOf<{ n: number | string }>(await tx.execute(sql`select count(*) as n from customer_insights`)) as [
      { n: number | string },
    ];
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
      sql`select json_build_object('r', r, 'f', f, 'm', m)::text as cuts from (${quintileCutsSelect(sql`customer_insights_next`)}) c`,
    ),
  );
  const cuts = JSON.parse(row!.cuts) as Record<keyof QuintileCuts, Array<number | string> | null>;
  const numbers = (a: Array<number | string> | null) => (a ? a.map(Number) : null);
  return { r: numbers(cuts.r), f: numbers(cuts.f), m: numbers(cuts.m) };
}

/** Indexes the new table as customer_insights is indexed (same names), then puts it in the old one's place. */
async function swapIn(tx: Tx): Promise<void> {
  const indexes = rowsOf<{ name: string; definition: string; constraint: string | null }>(
    await tx.execute(sql`
      select i.relname as name, pg_get_indexdef(i.oid) as definition, con.conname as constraint
      from pg_index x
      join pg_class i on i.oid = x.indexrelid
      left join pg_constraint con on con.conindid = i.oid and con.contype = 'p'
      where x.indrelid = 'customer_insights'::regclass`),
  );
  for (const index of indexes) {
    const temporary = `${index.name}_next`;
    // "CREATE [UNIQUE] INDEX name ON public.customer_insights USING …": the same index, on the new table.
    const definition = index.definition.replace(
      /^(CREATE (?:UNIQUE )?INDEX )\S+( ON )(?:\S+\.)?customer_insights /,
      `$1"${temporary}"$2customer_insights_next `,
    );
    await tx.execute(sql.raw(definition));
    if (index.constraint) {
      await tx.execute(sql.raw(`alter table customer_insights_next add constraint "${temporary}" primary key using index "${temporary}"`));
    }
  }
  await tx.execute(sql`drop table customer_insights`);
  await tx.execute(sql`alter table customer_insights_next rename to customer_insights`);
  for (const index of indexes) await tx.execute(sql.raw(`alter index "${index.name}_next" rename to "${index.name}"`));
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
    await tx.execute(sql`select pg_advisory_xact_lock_shared(${REFRESH_LOCK})`);
    const written = rowsOf<{ customer_id: string }>(
      await tx.execute(sql`
        insert into customer_insights (${COLUMNS}) ${insightSelect({ settings, now, customerId, cuts })}
        on conflict (workspace_id, customer_id) do update set
          recency_days = excluded.recency_days, frequency = excluded.frequency, monetary = excluded.monetary,
          r_score = excluded.r_score, f_score = excluded.f_score, m_score = excluded.m_score, rfm_method = excluded.rfm_method,
          segment = excluded.segment, tags = excluded.tags, evidence = excluded.evidence, computed_at = excluded.computed_at
        returning customer_id`),
    );
    if (written.length === 0) await tx.execute(sql`delete from customer_insights where customer_id = ${customerId}`);
    return written.length > 0;
  });
}
