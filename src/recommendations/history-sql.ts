// SQL pieces the request-time strategies (user-based, content-based, popular) share: a customer's bought
// items and the items to leave out of their answer.
import { type SQL, sql } from 'drizzle-orm';
import { workspaceIs } from '../db/own-rows.js';
import { array } from '../db/sql-helpers.js';
import { HAS_SKU, LINES } from './similarity.js';

/**
 * Every customer's distinct bought skus, erased customers' orders left out (as the item refresh does). A
 * function, not a constant: the workspace is the current one when the statement is built.
 */
export const allLines = () => sql`
  select distinct o.customer_id, line->>'sku' as sku
  from orders o ${LINES}
  where ${workspaceIs(sql`o.workspace_id`)} and ${HAS_SKU}
    and not exists (
      select 1 from customers c where c.workspace_id = o.workspace_id and c.id = o.customer_id and c.erased_at is not null
    )`;

/** The customer's distinct bought skus. */
export const boughtBy = (customerId: string) => sql`
  select distinct line->>'sku' as sku
  from orders o ${LINES}
  where ${workspaceIs(sql`o.workspace_id`)} and o.customer_id = ${customerId} and ${HAS_SKU}`;

/** A CTE `excluded`: what the customer bought and what the caller leaves out (a cart's items). */
export function excludedCte(customerId: string, exclude: string[]): SQL {
  const extra = exclude.length ? array(exclude, 'text') : sql`array[]::text[]`;
  return sql`excluded as (${boughtBy(customerId)} union select unnest(${extra}))`;
}

/** Product views among events: Touchpoint's `product_viewed`, Segment's "Product Viewed", a `page_view` of a product. */
export const VIEW_TYPES = ['product_viewed', 'Product Viewed', 'page_view'];

/** The sku a view event names: `sku`, else Segment's `product_id`. */
export const VIEWED_SKU = sql`coalesce(nullif(e.properties->>'sku', ''), nullif(e.properties->>'product_id', ''))`;

/** The (sku, category) of each product the customer viewed (a view without a sku says nothing of an item). */
export const viewedBy = (customerId: string) => sql`
  select distinct ${VIEWED_SKU} as sku, nullif(e.properties->>'category', '') as category
  from events e
  where ${workspaceIs(sql`e.workspace_id`)} and e.customer_id = ${customerId}
    and e.type = any(${array(VIEW_TYPES, 'text')}) and ${VIEWED_SKU} is not null`;
