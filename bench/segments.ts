// `npm run bench:segments [-- --customers 1000000 --orders 5000000 --reps 2]`
//
// How long does the product's full customer-intelligence refresh (RFM + segment + tags for every customer,
// written to customer_insights: src/intelligence/refresh.ts; evidence is built when one customer's tags
// are asked for) take, compared with one
// hand-written SQL statement computing RFM on the same data? Both run on a fresh database on the
// machine's PostgreSQL (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres), created
// and migrated here and dropped at the end, filled by COPY … FROM STDIN (CSV streamed from this process)
// with customers and orders spread over two years, customer_category_days and customer_order_hours filled
// from the orders in one statement each (what the triggers on orders leave as they arrive: data, not
// refresh work), then indexed and VACUUM ANALYZEd (as autovacuum leaves an append-mostly table).
//
// The baseline writes its result, as the product does: CREATE TABLE … AS SELECT, a table of RFM values
// and threshold scores for every customer who is not erased. A logged table, like customer_insights (a
// TEMP or UNLOGGED one skips the WAL the product must write); with the product's work_mem and jit (its SET
// LOCALs), so that neither spills, or pays for compiling, where the other does not. The two alternate
// (baseline, product, product, baseline, …) after an untimed read of the tables, so drift on a busy
// machine falls on both.
//
// Knobs: --customers / BENCH_CUSTOMERS (1 000 000), --orders / BENCH_ORDERS (5 000 000), --reps / BENCH_REPS
// (2 of each), --keep (keep the database, print its name).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { createDatabase } from '../src/db/client.js';
import { DEFAULT_INTELLIGENCE_SETTINGS } from '../src/intelligence/rfm.js';
import { refreshAll } from '../src/intelligence/refresh.js';
import * as lib from './lib.js';
import { fmt } from './lib.js';
import { copyCustomers, copyOrders, countCategoryDays, countOrderHours } from './segments-data.js';
import { actImplicitlyFor, DEFAULT_WORKSPACE } from '../src/db/workspace.js';

// What the benchmark does with the database directly, it does in the default workspace.
actImplicitlyFor(DEFAULT_WORKSPACE);

const argv = process.argv.slice(2);
const CUSTOMERS = lib.intKnob(argv, 'customers', process.env.BENCH_CUSTOMERS, 1_000_000);
const ORDERS = lib.intKnob(argv, 'orders', process.env.BENCH_ORDERS, 5_000_000);
const REPS = lib.intKnob(argv, 'reps', process.env.BENCH_REPS, 2);
const KEEP = argv.includes('--keep');
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WORK_MEM = '256MB';

const log = (msg: string) => console.error(`[bench] ${msg}`);
const t0 = performance.now();
const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const seconds = (ms: number) => fmt(ms / 1000, 2);

const name = `touchpoint_bench_segments_${randomBytes(3).toString('hex')}`;
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
const now = new Date();
const settings = DEFAULT_INTELLIGENCE_SETTINGS;

/** The fair baseline: RFM by the threshold table for every customer, in one statement, written to a table. */
function baselineSql(at: Date): string {
  const n = `'${at.toISOString()}'::timestamptz`;
  const windowStart = `${n} - interval '${settings.rfm.windowDays} days'`;
  return `
    create table bench_rfm_baseline as
    select c.id as customer_id,
      floor(extract(epoch from ${n} - o.last_order_at) / 86400)::int as recency_days,
      coalesce(o.frequency, 0) as frequency,
      coalesce(o.monetary, 0) as monetary,
      case when o.last_order_at is null then 1
        when o.last_order_at > ${n} - interval '30 days' then 3
        when o.last_order_at > ${n} - interval '91 days' then 2 else 1 end as r_score,
      case when coalesce(o.frequency, 0) > 5 then 3 when coalesce(o.frequency, 0) >= 2 then 2 else 1 end as f_score,
      case when coalesce(o.monetary, 0) > 1000 then 3 when coalesce(o.monetary, 0) >= 500 then 2 else 1 end as m_score
    from customers c
    left join (
      select customer_id, max(occurred_at) as last_order_at,
        count(*) filter (where occurred_at >= ${windowStart}) as frequency,
        sum(amount) filter (where occurred_at >= ${windowStart}) as monetary
      from orders group by customer_id
    ) o on o.customer_id = c.id
    where c.erased_at is null`;
}

let exitCode = 0;
let database: ReturnType<typeof createDatabase> | undefined;
let sql: postgres.Sql | undefined;
try {
  log(`creating database ${name}`);
  await admin.unsafe(`create database ${name}`);
  database = createDatabase({ kind: 'postgres', url: url.toString(), poolSize: 2 });
  await database.migrate();
  sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  // The data is the default workspace's: rows loaded on this one connection take it from the setting.
  await sql`select set_config('app.workspace_id', 'default', false)`;

  // --- Untimed: data. The orders index is built after the load (faster than maintaining it row by row). ---
  const spec = { customers: CUSTOMERS, orders: ORDERS, now: now.getTime() };
  await sql`drop index orders_customer_time_idx`;
  let t = performance.now();
  await copyCustomers(sql, spec);
  log(`COPY ${CUSTOMERS} customers: ${seconds(performance.now() - t)} s`);
  t = performance.now();
  await copyOrders(sql, spec);
  log(`COPY ${ORDERS} orders: ${seconds(performance.now() - t)} s`);
  t = performance.now();
  await sql.unsafe(`set work_mem = '${WORK_MEM}'`);
  await countCategoryDays(sql);
  log(`customer_category_days from the orders: ${seconds(performance.now() - t)} s`);
  t = performance.now();
  await countOrderHours(sql);
  log(`customer_order_hours from the orders: ${seconds(performance.now() - t)} s`);
  t = performance.now();
  await sql.unsafe(`set maintenance_work_mem = '512MB'`);
  await sql`create index orders_customer_time_idx on orders (workspace_id, customer_id, occurred_at)`;
  await sql`vacuum analyze customers`;
  await sql`vacuum analyze orders`;
  await sql`vacuum analyze customer_category_days`;
  await sql`vacuum analyze customer_order_hours`;
  log(`index, vacuum, analyze: ${seconds(performance.now() - t)} s (${since()})`);
  const [size] = await sql<[{ orders: string; customers: string; category_days: string; order_hours: string }]>`
    select pg_size_pretty(pg_total_relation_size('orders')) as orders, pg_size_pretty(pg_total_relation_size('customers')) as customers,
      pg_size_pretty(pg_total_relation_size('customer_category_days')) as category_days,
      pg_size_pretty(pg_total_relation_size('customer_order_hours')) as order_hours`;
  // Both read every table once before timing starts: neither pays for the first read from disk.
  await sql`select count(*) from orders`;
  await sql`select count(*) from customers`;
  await sql`select count(*) from customer_category_days`;
  await sql`select count(*) from customer_order_hours`;

  // On a busy machine wall time says as much about the neighbours as about the SQL: with the server on this
  // machine, the CPU time its backends spent is measured as well (from /proc).
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && existsSync('/proc/self/stat');
  const backendCpu = async (): Promise<Map<number, number>> => {
    const cpu = new Map<number, number>();
    if (!local) return cpu;
    for (const { pid } of await sql!<
      Array<{ pid: number }>
    >`select pid from pg_stat_activity where datname = ${name} and backend_type = 'client backend'`) {
      // A backend gone meanwhile is left out (procCpuSeconds would read it as 0).
      if (existsSync(`/proc/${pid}`)) cpu.set(pid, lib.procCpuSeconds(pid));
    }
    return cpu;
  };
  const timed = async (run: () => Promise<void>) => {
    const before = await backendCpu();
    const start = performance.now();
    await run();
    const ms = performance.now() - start;
    const after = await backendCpu();
    const cpuMs = local ? [...after].reduce((sum, [pid, s]) => sum + (s - (before.get(pid) ?? 0)) * 1000, 0) : Number.NaN;
    return { ms, cpuMs };
  };

  // --- Timed: alternating. ---
  const runBaseline = async () => {
    await sql!`drop table if exists bench_rfm_baseline`;
    return timed(() =>
      sql!.begin(async (tx) => {
        await tx.unsafe(`set local work_mem = '${WORK_MEM}'`);
        await tx.unsafe(`set local jit = off`);
        await tx.unsafe(baselineSql(now));
      }),
    );
  };
  const runProduct = () =>
    timed(async () => {
      const record = await refreshAll(database!.db, settings, now);
      if (record.customers !== CUSTOMERS) throw new Error(`the refresh wrote ${record.customers} customers, expected ${CUSTOMERS}`);
    });
  const order: Array<'baseline' | 'product'> = [];
  for (let i = 0; i < REPS; i++) order.push(...(i % 2 === 0 ? (['baseline', 'product'] as const) : (['product', 'baseline'] as const)));
  const times: Record<'baseline' | 'product', number[]> = { baseline: [], product: [] };
  const cpu: Record<'baseline' | 'product', number[]> = { baseline: [], product: [] };
  for (const what of order) {
    log(`timing ${what}…`);
    const r = what === 'baseline' ? await runBaseline() : await runProduct();
    times[what].push(r.ms);
    cpu[what].push(r.cpuMs);
    log(`${what}: ${seconds(r.ms)} s, backend CPU ${seconds(r.cpuMs)} s (${since()})`);
  }

  // --- Report ---
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const [baselineRows] = await sql<[{ n: string }]>`select count(*) as n from bench_rfm_baseline`;
  const segments = await sql<
    Array<{ segment: string; n: string }>
  >`select segment, count(*) as n from customer_insights group by 1 order by 2 desc`;
  const tags = await sql<
    Array<{ tag: string; n: string }>
  >`select t as tag, count(*) as n from customer_insights, unnest(tags) t group by 1 order by 2 desc`;
  const b = median(times.baseline);
  const p = median(times.product);
  const line = (label: string, xs: number[], m: number) =>
    `${label}  median ${seconds(m)} s  (runs: ${xs.map(seconds).join(', ')} s)  ${fmt(CUSTOMERS / (m / 1000), 0)} customers/s, ${fmt(ORDERS / (m / 1000), 0)} orders/s`;
  const out = [
    '',
    `Touchpoint segments bench: ${CUSTOMERS} customers, ${ORDERS} orders (orders ${size.orders}, customers ${size.customers}, customer_category_days ${size.category_days}, customer_order_hours ${size.order_hours}), ` +
      `PostgreSQL at ${url.host}, work_mem ${WORK_MEM} and jit off for both; order: ${order.join(' → ')}`,
    line('baseline (one CREATE TABLE AS: RFM only)    :', times.baseline, b),
    line('product refresh (RFM + segment + tags, swap):', times.product, p),
    `ratio product/baseline: ${fmt(p / b, 2)} (target <= 1.5: ${p / b <= 1.5 ? 'met' : 'NOT met'})`,
    local
      ? `backend CPU: baseline median ${seconds(median(cpu.baseline))} s (${cpu.baseline.map(seconds).join(', ')}), ` +
        `product median ${seconds(median(cpu.product))} s (${cpu.product.map(seconds).join(', ')}); ratio ${fmt(median(cpu.product) / median(cpu.baseline), 2)}`
      : 'backend CPU: n/a (the server is not on this machine)',
    `baseline rows: ${baselineRows.n}; RFM groups: ${segments.map((s) => `${s.segment} ${s.n}`).join(', ')}`,
    `tags: ${tags.map((s) => `${s.tag} ${s.n}`).join(', ')}`,
    `total run time: ${since()}`,
  ];
  console.log(out.join('\n'));
} catch (err) {
  exitCode = 1;
  console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await sql?.end();
  await database?.close();
  if (KEEP) log(`kept database ${name}`);
  else
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch((err: Error) => log(`could not drop ${name}: ${err.message}`));
  await admin.end();
}
process.exit(exitCode);
