// `npm run bench:recommendations [-- --customers 300 --seed 7]`
//
// An offline check of the recommendation strategies (docs/recommendations.md): a synthetic shop whose
// structure is known — customers in taste clusters, each buying mostly within its cluster's two
// categories, popular items within each category (Zipf) — on PGlite (in memory, migrated here), each
// customer's last purchase held out, and the hit rate @10 of each strategy (item, user, content, blend,
// popular) through the product's own SQL (src/recommendations/strategies.ts). On this structure every
// personalised strategy must beat the best sellers; the bench exits 1 when one does not, or on any error.
//
// Knobs: --customers / BENCH_CUSTOMERS (300), --seed / BENCH_SEED (7).
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../src/db/client.js';
import { customers, orders } from '../src/db/schema.js';
import { actImplicitlyFor, DEFAULT_WORKSPACE } from '../src/db/workspace.js';
import { refreshItemSimilarity } from '../src/recommendations/similarity.js';
import { recommend, type Strategy } from '../src/recommendations/strategies.js';
import * as lib from './lib.js';
import { mulberry32 } from './prng.js';

actImplicitlyFor(DEFAULT_WORKSPACE);

const argv = process.argv.slice(2);
const CUSTOMERS = lib.intKnob(argv, 'customers', process.env.BENCH_CUSTOMERS, 300);
const SEED = lib.intKnob(argv, 'seed', process.env.BENCH_SEED, 7);
const CATEGORIES = 8;
const PER_CATEGORY = 12;
/** The share of a customer's purchases inside their cluster's categories. */
const IN_TASTE = 0.85;
const K = 10;
const STRATEGIES: Strategy[] = ['item', 'user', 'content', 'blend', 'popular'];

const prng = mulberry32;
const random = prng(SEED);
const pick = (n: number) => Math.floor(random() * n);
/** An item of a category, the first ones more often (weights 1/(rank+1)). */
const zipfWeights = Array.from({ length: PER_CATEGORY }, (_, i) => 1 / (i + 1));
const zipfTotal = zipfWeights.reduce((s, w) => s + w, 0);
function itemOf(category: number): string {
  let x = random() * zipfTotal;
  for (let i = 0; i < PER_CATEGORY; i++) if ((x -= zipfWeights[i]!) <= 0) return `C${category}-I${i}`;
  return `C${category}-I${PER_CATEGORY - 1}`;
}

interface Shopper {
  id: string;
  /** Distinct items, in the order bought: the last one is held out. */
  items: string[];
}

function shoppers(): Shopper[] {
  return Array.from({ length: CUSTOMERS }, (_, n) => {
    const cluster = n % CATEGORIES;
    const taste = [cluster, (cluster + 1) % CATEGORIES];
    const count = 5 + pick(5);
    const items: string[] = [];
    while (items.length < count) {
      const category = random() < IN_TASTE ? taste[pick(2)]! : pick(CATEGORIES);
      const sku = itemOf(category);
      if (!items.includes(sku)) items.push(sku);
    }
    return { id: `bench-${n}`, items };
  });
}

async function main(): Promise<number> {
  const database = createDatabase({ kind: 'pglite', dataDir: 'memory://' });
  try {
    await database.migrate();
    const db = database.db;
    const all = shoppers();
    await db.insert(customers).values(all.map((s) => ({ id: s.id })));
    // One order per purchase but the held-out last, spread over the last 20 days in the order bought.
    const now = Date.now();
    const rows = all.flatMap((s) =>
      s.items.slice(0, -1).map((sku, i) => ({
        id: `${s.id}-o${i}`,
        customerId: s.id,
        amount: 10,
        items: [{ sku, name: sku, category: sku.split('-')[0], price: 10, quantity: 1 }],
        occurredAt: new Date(now - (20 - i) * 86_400_000),
      })),
    );
    for (let i = 0; i < rows.length; i += 1000) await db.insert(orders).values(rows.slice(i, i + 1000));
    const refresh = await refreshItemSimilarity(db);
    console.error(`[bench] ${CUSTOMERS} customers, ${rows.length} orders, ${refresh.items} items, ${refresh.pairs} pairs, seed ${SEED}`);

    const hits = new Map<Strategy, number>(STRATEGIES.map((s) => [s, 0]));
    const ms = new Map<Strategy, number>(STRATEGIES.map((s) => [s, 0]));
    for (const shopper of all) {
      const heldOut = shopper.items.at(-1)!;
      for (const strategy of STRATEGIES) {
        const t0 = performance.now();
        const found = await recommend(db, shopper.id, { strategy, limit: K });
        ms.set(strategy, ms.get(strategy)! + performance.now() - t0);
        if (found.items.some((i) => i.sku === heldOut)) hits.set(strategy, hits.get(strategy)! + 1);
      }
    }
    const rate = (s: Strategy) => hits.get(s)! / all.length;
    console.log(`hit rate @${K} over ${all.length} customers (each one's last purchase held out):`);
    for (const s of STRATEGIES)
      console.log(`  ${s.padEnd(8)} ${lib.fmt(rate(s) * 100, 1).padStart(5)} %   ${lib.fmt(ms.get(s)! / all.length, 1)} ms per request`);
    const behind = STRATEGIES.filter((s) => s !== 'popular' && rate(s) <= rate('popular'));
    if (behind.length) {
      console.error(`FAIL: ${behind.join(', ')} did not beat popular on clustered tastes`);
      return 1;
    }
    console.log(`every personalised strategy beats popular (${lib.fmt(rate('popular') * 100, 1)} %)`);
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
