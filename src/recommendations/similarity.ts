// Item-based collaborative filtering over orders ("customers who bought X also bought Y"): a set-based
// batch that rewrites item_similarity, and the lookups that read it.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { workspaceIs } from '../db/own-rows.js';
import { array, rowsOf } from '../db/sql-helpers.js';

export interface RefreshOptions {
  /** Similar items kept per item (the most similar first). */
  topK: number;
  /** Customers who must have bought both items for the pair to count. */
  minTogether: number;
}

export const DEFAULT_REFRESH: RefreshOptions = { topK: 20, minTogether: 1 };

export interface RefreshResult {
  /** Distinct items bought (one diagonal row each). */
  items: number;
  /** Item pairs kept (each direction counts: a→b and b→a). */
  pairs: number;
  ms: number;
}

/** An order's lines as rows, whatever its items hold (only objects with a non-empty sku count). */
export const LINES = sql`cross join lateral jsonb_array_elements(case when jsonb_typeof(o.items) = 'array' then o.items else '[]'::jsonb end) as line`;
export const HAS_SKU = sql`jsonb_typeof(line) = 'object' and coalesce(line->>'sku', '') <> ''`;

/**
 * Recomputes item_similarity from every order, in one transaction: readers keep seeing the previous
 * similarities until it commits. A customer's items are the distinct skus of their orders (how often and
 * how many do not matter); for items a and b, with buyers(x) the customers who bought x and together the
 * customers who bought both, score = together / sqrt(buyers(a) × buyers(b)) — the cosine of the two items'
 * buyer vectors. Each item keeps its topK most similar others (ties: more buyers in common, then sku),
 * pairs bought together by fewer than minTogether customers are left out, and each item also gets its
 * diagonal row (item = other, score 1, together = buyers(item)), which is what cold-start recommendations
 * rank by. Erased customers' orders are not used.
 */
export async function refreshItemSimilarity(db: Db, options: RefreshOptions = DEFAULT_REFRESH): Promise<RefreshResult> {
  const started = Date.now();
  return db.transaction(async (tx) => {
    // A workspace's refreshes take turns (a scheduled one and one asked for through the API); reads are not
    // blocked, and other workspaces refresh side by side.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('item_similarity'), hashtext(current_setting('app.workspace_id')))`);
    await tx.execute(sql`delete from item_similarity where ${workspaceIs(sql`workspace_id`)}`);
    const result = await tx.execute(sql`
      with lines as (
        select distinct o.customer_id, line->>'sku' as sku
        from orders o ${LINES}
        where ${workspaceIs(sql`o.workspace_id`)} and ${HAS_SKU}
          and not exists (
            select 1 from customers c where c.workspace_id = o.workspace_id and c.id = o.customer_id and c.erased_at is not null
          )
      ),
      buyers as (select sku, count(*)::int as n from lines group by sku),
      pairs as (
        select a.sku as item, b.sku as other, count(*)::int as together
        from lines a join lines b on b.customer_id = a.customer_id and b.sku <> a.sku
        group by a.sku, b.sku
        having count(*) >= ${options.minTogether}
      ),
      scored as (
        select p.item, p.other, p.together, p.together / sqrt(bi.n::float8 * bo.n::float8) as score
        from pairs p join buyers bi on bi.sku = p.item join buyers bo on bo.sku = p.other
      ),
      ranked as (
        select *, row_number() over (partition by item order by score desc, together desc, other) as rank from scored
      ),
      inserted as (
        insert into item_similarity (item, other, score, together)
        select item, other, round(score::numeric, 6), together from ranked where rank <= ${options.topK}
        union all
        select sku, sku, 1, n from buyers
        returning item = other as diagonal
      )
      select count(*) filter (where diagonal)::int as items, count(*) filter (where not diagonal)::int as pairs from inserted`);
    const [counts] = rowsOf<{ items: number; pairs: number }>(result);
    return { items: counts?.items ?? 0, pairs: counts?.pairs ?? 0, ms: Date.now() - started };
  });
}

export interface RecommendedItem {
  sku: string;
  name: string | null;
  category: string | null;
  score: number;
  /** The customer's own items that led here, most similar first (at most 5); empty for popular items. */
  because: string[];
}

export interface Recommendations {
  /** similar_items: from what the customer bought; popular: they bought nothing yet (cold start). */
  basis: 'similar_items' | 'popular';
  items: RecommendedItem[];
}

const BECAUSE = 5;

/**
 * Items for a customer: every item similar to something they bought, scored by the sum of its similarities
 * to their items, without what they bought (nor `exclude`, e.g. what is in their cart). A customer with no
 * item bought gets the items the most customers bought, scored relative to the most bought one (1).
 */
export async function recommendFor(db: Db, customerId: string, options: { limit: number; exclude?: string[] }): Promise<Recommendations> {
  const exclude = options.exclude?.filter((s) => s !== '') ?? [];
  const result = await db.execute(sql`
    with bought as (
      select distinct line->>'sku' as sku
      from orders o ${LINES}
      where ${workspaceIs(sql`o.workspace_id`)} and o.customer_id = ${customerId} and ${HAS_SKU}
    ),
    excluded as (
      select sku from bought
      union select unnest(${exclude.length ? array(exclude, 'text') : sql`array[]::text[]`})
    ),
    -- ("similar" is a keyword: SIMILAR TO)
    alike as (
      select s.other as sku, sum(s.score) as score, (array_agg(s.item order by s.score desc, s.item))[1:${sql.raw(String(BECAUSE))}] as because
      from item_similarity s join bought b on b.sku = s.item
      where ${workspaceIs(sql`s.workspace_id`)} and s.other <> s.item and not exists (select 1 from excluded e where e.sku = s.other)
      group by s.other
      order by score desc, sku
      limit ${options.limit}
    ),
    popular as (
      select s.item as sku, s.together::numeric / max(s.together) over () as score, array[]::text[] as because
      from item_similarity s
      where ${workspaceIs(sql`s.workspace_id`)} and s.item = s.other and not exists (select 1 from bought)
    )
    select sku, round(score, 6)::float8 as score, because, 'similar_items' as basis from alike
    union all
    select * from (
      select sku, round(score, 6)::float8, because, 'popular' from popular
      where not exists (select 1 from excluded e where e.sku = popular.sku)
      order by score desc, sku limit ${options.limit}
    ) p
    order by score desc, sku`);
  const rows = rowsOf<{ sku: string; score: number; because: string[]; basis: Recommendations['basis'] }>(result);
  const names = await itemNames(
    db,
    rows.map((r) => r.sku),
  );
  // Whether the customer bought anything decides the basis even when nothing came back.
  const basis = rows[0]?.basis ?? ((await hasBought(db, customerId)) ? 'similar_items' : 'popular');
  return {
    basis,
    items: rows.map((r) => ({ sku: r.sku, ...(names.get(r.sku) ?? { name: null, category: null }), score: r.score, because: r.because })),
  };
}

async function hasBought(db: Db, customerId: string): Promise<boolean> {
  const result = await db.execute(
    sql`select 1 from orders o ${LINES} where ${workspaceIs(sql`o.workspace_id`)} and o.customer_id = ${customerId} and ${HAS_SKU} limit 1`,
  );
  return rowsOf(result).length > 0;
}

/**
 * Name and category of each sku, from its latest order line that names it. There is no catalogue: the
 * orders are where names live. `items @> '[{"sku": …}]'` is what a GIN (jsonb_path_ops) index on
 * orders.items would answer; without one this is one scan of orders per call.
 */
export async function itemNames(db: Db, skus: string[]): Promise<Map<string, { name: string | null; category: string | null }>> {
  if (!skus.length) return new Map();
  const contains = sql.join(
    skus.map((sku) => sql`o.items @> ${JSON.stringify([{ sku }])}::jsonb`),
    sql` or `,
  );
  const result = await db.execute(sql`
    select distinct on (line->>'sku') line->>'sku' as sku, line->>'name' as name, line->>'category' as category
    from orders o ${LINES}
    where ${workspaceIs(sql`o.workspace_id`)} and (${contains}) and line->>'sku' = any(${array(skus, 'text')})
    order by line->>'sku', (line->>'name' is null), o.occurred_at desc`);
  return new Map(
    rowsOf<{ sku: string; name: string | null; category: string | null }>(result).map((r) => [
      r.sku,
      { name: r.name, category: r.category },
    ]),
  );
}
