// One entry point for every recommendation strategy: what the API, the send path and template previews
// call, so that all three answer alike for the same customer.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/sql-helpers.js';
import { fuseRanks, type FusedItem } from './blend.js';
import { contentBased } from './content-based.js';
import { boughtBy, viewedBy } from './history-sql.js';
import { popularItems } from './popular.js';
import type { ItemSource } from './scored-item.js';
import { itemNames, recommendFor, type RecommendedItem } from './similarity.js';
import { userBased } from './user-based.js';

export const STRATEGIES = ['item', 'user', 'content', 'blend', 'popular'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** What the answer rests on; `popular` whenever the best sellers stood in (cold start, or asked for). */
export type Basis = 'similar_items' | 'similar_customers' | 'same_category' | 'blend' | 'popular';

export interface StrategyItem extends RecommendedItem {
  source: ItemSource;
}

export interface StrategyRecommendations {
  strategy: Strategy;
  basis: Basis;
  items: StrategyItem[];
}

/** How many of each strategy's best the blend fuses: enough that an item ranked low by one list can rise. */
const blendPool = (limit: number) => Math.max(limit * 3, 30);

/**
 * Items for a customer by `strategy` (default `item`: item_similarity, exactly as before, its cold start the
 * all-time most bought items). `user`, `content` and `blend` fall back to the best sellers of the last
 * POPULAR_DAYS days for a customer with no history — nothing bought (user), nothing bought or viewed
 * (content, blend). Never what they bought, nor `exclude`.
 */
export async function recommend(
  db: Db,
  customerId: string,
  options: { strategy?: Strategy; limit: number; exclude?: string[] },
): Promise<StrategyRecommendations> {
  const { limit } = options;
  const strategy = options.strategy ?? 'item';
  const exclude = options.exclude?.filter((s) => s !== '') ?? [];
  if (strategy === 'item') {
    const found = await recommendFor(db, customerId, { limit, exclude });
    const source: ItemSource = found.basis === 'popular' ? 'popular' : 'item';
    return { strategy, basis: found.basis, items: found.items.map((i) => ({ ...i, source })) };
  }
  const history = await historyOf(db, customerId);
  const cold = strategy === 'user' ? !history.bought : !history.bought && !history.viewed;
  let basis: Basis;
  let scored: FusedItem[];
  if (strategy === 'popular' || cold) {
    basis = 'popular';
    scored = (await popularItems(db, customerId, { limit, exclude })).map((i) => ({ ...i, source: 'popular' }));
  } else if (strategy === 'user') {
    basis = 'similar_customers';
    scored = (await userBased(db, customerId, { limit, exclude })).map((i) => ({ ...i, source: 'user' }));
  } else if (strategy === 'content') {
    basis = 'same_category';
    scored = (await contentBased(db, customerId, { limit, exclude })).map((i) => ({ ...i, source: 'content' }));
  } else {
    basis = 'blend';
    const pool = { limit: blendPool(limit), exclude };
    const item = await recommendFor(db, customerId, pool);
    const lists = [
      // The item list's cold start (a customer who only viewed) is popularity, not a strategy's answer.
      { source: 'item' as const, weight: 1, items: item.basis === 'popular' ? [] : item.items },
      { source: 'user' as const, weight: 1, items: await userBased(db, customerId, pool) },
      { source: 'content' as const, weight: 1, items: await contentBased(db, customerId, pool) },
    ];
    scored = fuseRanks(lists, limit);
  }
  const names = await itemNames(
    db,
    scored.map((i) => i.sku),
  );
  return {
    strategy,
    basis,
    items: scored.map((i) => ({
      sku: i.sku,
      ...(names.get(i.sku) ?? { name: null, category: null }),
      score: i.score,
      because: i.because,
      source: i.source,
    })),
  };
}

async function historyOf(db: Db, customerId: string): Promise<{ bought: boolean; viewed: boolean }> {
  const result = await db.execute(sql`
    select exists (${boughtBy(customerId)}) as bought, exists (${viewedBy(customerId)}) as viewed`);
  const [row] = rowsOf<{ bought: boolean; viewed: boolean }>(result);
  return { bought: row?.bought ?? false, viewed: row?.viewed ?? false };
}
