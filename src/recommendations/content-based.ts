// Content-based recommendations: items of the categories the customer bought or looked at. Orders'
// lines carry sku, name and category — the only attributes Touchpoint knows of an item — and product
// views (events) may carry sku and category.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { workspaceIs } from '../db/own-rows.js';
import { rowsOf } from '../db/sql-helpers.js';
import { boughtBy, excludedCte, viewedBy } from './history-sql.js';
import type { ScoredItem } from './scored-item.js';
import { HAS_SKU, LINES } from './similarity.js';

/**
 * The customer's profile is their touched items — bought (orders) or viewed (events), each sku once —
 * counted by category: an item's category is the one its view names, else the one of its latest order
 * line naming one. An item of category k that they did not buy (nor `exclude`: a viewed one may come
 * back, it is a hint they want it) scores k's share of their profile, 0–1; ties go to the item more
 * customers bought, then the sku. `because`: their items of that category (at most 5, by sku). One
 * statement, one pass over the workspace's order lines.
 */
export async function contentBased(db: Db, customerId: string, options: { limit: number; exclude: string[] }): Promise<ScoredItem[]> {
  const result = await db.execute(sql`
    with lines as (
      select o.customer_id, o.occurred_at, line->>'sku' as sku, nullif(line->>'category', '') as category
      from orders o ${LINES}
      where ${workspaceIs(sql`o.workspace_id`)} and ${HAS_SKU}
    ),
    catalogue as (
      select distinct on (sku) sku, category from lines where category is not null order by sku, occurred_at desc
    ),
    buyers as (select sku, count(distinct customer_id)::int as n from lines group by sku),
    ${excludedCte(customerId, options.exclude)},
    touched as (
      select t.sku, coalesce(max(t.category), max(c.category)) as category
      from (select sku, null::text as category from (${boughtBy(customerId)}) b union all ${viewedBy(customerId)}) t
      left join catalogue c on c.sku = t.sku
      group by t.sku
    ),
    profile as (
      select category, count(*)::float8 / sum(count(*)) over () as share, (array_agg(sku order by sku))[1:5] as because
      from touched where category is not null group by category
    )
    select c.sku, round(p.share::numeric, 6)::float8 as score, p.because
    from catalogue c join profile p on p.category = c.category left join buyers b on b.sku = c.sku
    where not exists (select 1 from excluded e where e.sku = c.sku)
    order by p.share desc, b.n desc nulls last, c.sku
    limit ${options.limit}`);
  return rowsOf<ScoredItem>(result);
}
