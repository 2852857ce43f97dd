// Synthetic customers and orders for bench/segments.ts, streamed into PostgreSQL with COPY … FROM STDIN
// as CSV (never row inserts): customers with a few time zones and manual tags, orders spread over two
// years with items in categories, a few customers who mostly order at night, a skew of many light buyers
// and a few heavy ones; then customer_category_days, the per-day category counts ingest keeps as orders
// arrive, filled at once.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import { mulberry32 } from './prng.js';

export interface DataSpec {
  customers: number;
  orders: number;
  /** The bench's "now" (epoch ms): orders fall in the two years before it. */
  now: number;
}

const DAY = 86_400_000;
const SPAN_DAYS = 730;
/** Time zones some customers have, with their standard UTC offset (hours): orders are placed by local hour. */
const ZONES: Array<[string, number]> = [
  ['Europe/Berlin', 1],
  ['America/New_York', -5],
  ['Asia/Shanghai', 8],
  ['Asia/Tokyo', 9],
  ['Australia/Sydney', 10],
  ['America/Los_Angeles', -8],
];
const zoneOf = (n: number) => (trait(n, 7) < 0.3 ? ZONES[Math.floor(trait(n, 8) * ZONES.length)]! : null);
const CATEGORIES = ['beer', 'wine', 'snack', 'package', 'coffee', 'tea', 'cheese', 'bread', 'fruit', 'spirits'];

const rng = mulberry32;

/** A stable per-customer number in [0, 1): the customer's favourite category, night habit, time zone. */
const trait = (n: number, salt: number) => (Math.imul(n ^ salt, 0x9e3779b1) >>> 0) / 4294967296;

export const customerId = (n: number) => `c${n}`;

/** Rows of `count` lines each, as one CSV chunk per call: fewer, larger writes keep COPY fed. */
function csvStream(total: number, line: (i: number) => string, chunk = 2000): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i >= total) return void this.push(null);
      let text = '';
      for (const end = Math.min(total, i + chunk); i < end; i++) text += line(i);
      this.push(text);
    },
  });
}

export async function copyCustomers(sql: postgres.Sql, spec: DataSpec): Promise<void> {
  const random = rng(1);
  const line = (n: number) => {
    const tz = zoneOf(n)?.[0] ?? '';
    const created = new Date(spec.now - Math.floor(random() * (SPAN_DAYS + 60)) * DAY - Math.floor(random() * DAY)).toISOString();
    const active = random() < 0.9 ? new Date(spec.now - Math.floor(random() * 400 * DAY)).toISOString() : '';
    const tags = random() < 0.05 ? '"{newsletter}"' : '{}';
    return `${customerId(n)},${customerId(n)}@bench.localhost,${tz},${tags},${active},${created}\n`;
  };
  // The trigger that recounts a customer's order hours when they arrive with a time zone (migration 0011)
  // has nothing to recount before the orders are loaded: off during the COPY, as one call per row.
  await sql`alter table customers disable trigger customers_recount_order_hours_insert`;
  const writable =
    await sql`copy customers (id, email, timezone, tags, last_activity_at, created_at) from stdin with (format csv)`.writable();
  await pipeline(csvStream(spec.customers, line), writable);
  await sql`alter table customers enable trigger customers_recount_order_hours_insert`;
}

export async function copyOrders(sql: postgres.Sql, spec: DataSpec): Promise<void> {
  const random = rng(2);
  // From a UTC midnight: an order's local hour is then the habit's hour, whatever time of day the bench runs.
  const start = Math.floor(spec.now / DAY) * DAY - SPAN_DAYS * DAY;
  const line = (i: number) => {
    // u² skews orders toward low customer numbers: a few heavy buyers, many light ones, some with none.
    const u = random();
    const n = Math.floor(u * u * spec.customers);
    // Days in sequence (the table fills in time order, as a real one does), the local hour by the customer's
    // habit: a few order mostly at night.
    const day = Math.floor((i / spec.orders) * SPAN_DAYS);
    const nightOwl = trait(n, 3) < 0.05;
    const hour = nightOwl && random() < 0.8 ? (22 + Math.floor(random() * 8)) % 24 : 8 + Math.floor(random() * 14);
    const offset = zoneOf(n)?.[1] ?? 0;
    const at = new Date(start + day * DAY + (hour - offset) * 3_600_000 + Math.floor(random() * 3_600_000)).toISOString();
    const favourite = CATEGORIES[Math.floor(trait(n, 5) * CATEGORIES.length)]!;
    const count = 1 + Math.floor(random() * 4);
    let amount = 0;
    let items = '';
    for (let k = 0; k < count; k++) {
      const category = random() < 0.5 ? favourite : CATEGORIES[Math.floor(random() * CATEGORIES.length)]!;
      const price = 2 + Math.floor(random() * 5800) / 100;
      const quantity = 1 + Math.floor(random() * 3);
      amount += price * quantity;
      items += `${k ? ',' : ''}{""sku"":""${category}-${Math.floor(random() * 50)}"",""category"":""${category}"",""price"":${price},""quantity"":${quantity}}`;
    }
    return `o${i},${customerId(n)},${amount.toFixed(2)},EUR,"[${items}]",${at}\n`;
  };
  // The counts are filled afterwards in one statement each (countCategoryDays, countOrderHours), not by the
  // triggers at the end of the COPY, which would first copy all the orders into their transition tables.
  await sql`alter table orders disable trigger orders_count_category_days`;
  await sql`alter table orders disable trigger orders_count_hours`;
  const writable = await sql`copy orders (id, customer_id, amount, currency, items, occurred_at) from stdin with (format csv)`.writable();
  await pipeline(csvStream(spec.orders, line), writable);
  await sql`alter table orders enable trigger orders_count_category_days`;
  await sql`alter table orders enable trigger orders_count_hours`;
}

/**
 * customer_order_hours from every order, as the trigger on orders (migration 0011) would have left it had the
 * orders arrived one batch at a time: the same hour (order_local_hour), grouped once.
 */
export async function countOrderHours(sql: postgres.Sql): Promise<void> {
  await sql`
    insert into customer_order_hours (customer_id, day, hour, orders, amount, first_at, last_at)
    select o.customer_id, (o.occurred_at at time zone 'UTC')::date, order_local_hour(o.occurred_at, c.timezone),
      count(*), sum(o.amount), min(o.occurred_at), max(o.occurred_at)
    from orders o
    left join customers c on c.id = o.customer_id
    group by 1, 2, 3`;
}

/**
 * customer_category_days from every order, as the trigger on orders (migration 0010) would have left it
 * had the orders arrived one batch at a time: the same expression, grouped once.
 */
export async function countCategoryDays(sql: postgres.Sql): Promise<void> {
  await sql`
    insert into customer_category_days (customer_id, category, day, items)
    select o.customer_id, coalesce(e ->> 'category', ''), (o.occurred_at at time zone 'UTC')::date, sum(coalesce((e ->> 'quantity')::float8, 1))
    from orders o
    cross join lateral jsonb_array_elements(case when jsonb_typeof(o.items) = 'array' then o.items else '[]'::jsonb end) e
    group by 1, 2, 3`;
}
