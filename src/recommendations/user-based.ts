// User-based collaborative filtering ("customers like you bought …"), computed at request time in one
// statement: no table of its own, so it is as fresh as the orders.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/sql-helpers.js';
import { allLines, excludedCte } from './history-sql.js';
import type { ScoredItem } from './scored-item.js';

/** Neighbours a customer's answer is drawn from (the most similar first). */
export const NEIGHBOURS = 20;

/**
 * The customer's neighbours are the NEIGHBOURS customers most similar to them by the cosine of their item
 * sets, common / sqrt(|mine| × |theirs|) (ties: more items in common, then id); an item one of them bought
 * and the customer did not (nor `exclude`) scores the sum of the similarities of the neighbours who bought
 * it (ties: sku). Its cost is one pass over the workspace's order lines (no index answers "who bought one
 * of these skus" in a jsonb array), then work bounded by the customers who share an item with this one.
 * `because` is empty: the reasons are other customers, whom an answer does not name.
 */
export async function userBased(db: Db, customerId: string, options: { limit: number; exclude: string[] }): Promise<ScoredItem[]> {
  const result = await db.execute(sql`
    with lines as (${allLines()}),
    mine as (select sku from lines where customer_id = ${customerId}),
    ${excludedCte(customerId, options.exclude)},
    overlap as (
      select l.customer_id, count(*)::int as common
      from lines l join mine m on m.sku = l.sku
      where l.customer_id <> ${customerId}
      group by l.customer_id
    ),
    sizes as (
      select customer_id, count(*)::int as n from lines where customer_id in (select customer_id from overlap) group by customer_id
    ),
    neighbours as (
      select o.customer_id, o.common / sqrt(s.n::float8 * (select count(*) from mine)) as sim
      from overlap o join sizes s on s.customer_id = o.customer_id
      order by sim desc, o.common desc, o.customer_id
      limit ${NEIGHBOURS}
    )
    select l.sku, round(sum(n.sim)::numeric, 6)::float8 as score
    from lines l join neighbours n on n.customer_id = l.customer_id
    where not exists (select 1 from excluded e where e.sku = l.sku)
    group by l.sku
    order by score desc, l.sku
    limit ${options.limit}`);
  return rowsOf<{ sku: string; score: number }>(result).map((r) => ({ sku: r.sku, score: r.score, because: [] }));
}
