// The cold-start answer: the workspace's best sellers of the last days.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { workspaceIs } from '../db/own-rows.js';
import { rowsOf } from '../db/sql-helpers.js';
import { excludedCte } from './history-sql.js';
import type { ScoredItem } from './scored-item.js';
import { HAS_SKU, LINES } from './similarity.js';

/** How far back best sellers are counted: a season's, not all time's. */
export const POPULAR_DAYS = 30;

/**
 * The items the most customers bought in the last `days` days (each customer once per item; erased
 * customers' orders left out), scored against the best seller (1), ties by sku — without what the
 * customer bought or `exclude`.
 */
export async function popularItems(
  db: Db,
  customerId: string,
  options: { limit: number; exclude: string[]; days?: number },
): Promise<ScoredItem[]> {
  const days = options.days ?? POPULAR_DAYS;
  const result = await db.execute(sql`
    with ${excludedCte(customerId, options.exclude)},
    sold as (
      select line->>'sku' as sku, count(distinct o.customer_id) as n
      from orders o ${LINES}
      where ${workspaceIs(sql`o.workspace_id`)} and ${HAS_SKU} and o.occurred_at >= now() - make_interval(days => ${days}::int)
        and not exists (
          select 1 from customers c where c.workspace_id = o.workspace_id and c.id = o.customer_id and c.erased_at is not null
        )
      group by 1
    ),
    scored as (select sku, n::numeric / max(n) over () as score from sold)
    select sku, round(score, 6)::float8 as score, array[]::text[] as because
    from scored s
    where not exists (select 1 from excluded e where e.sku = s.sku)
    order by score desc, sku
    limit ${options.limit}`);
  return rowsOf<ScoredItem>(result);
}
