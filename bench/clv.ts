// `npm run bench:clv [-- --customers 1000000 --sql-customers 100000]`
//
// How long does fitting and applying the CLV model (src/intelligence/clv/) take, and does it recover the
// parameters that drew the data? Two parts:
//  1. In memory: `--customers` (1 000 000) histories drawn from the BG/NBD + Gamma-Gamma process with known
//     parameters (bench/clv-data.ts) — time to aggregate them to unique rows, to fit both models, and to
//     predict every customer's 12-month CLV.
//  2. Through SQL: `--sql-customers` (100 000) customers and their drawn orders in a fresh, migrated
//     database on the machine's PostgreSQL (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres;
//     dropped at the end), then the refresh's own query alone and the product's full insights refresh, whose
//     CLV step reports its own times; every customer's stored history and CLV is compared with the drawn one.
// Exits 1 when a check fails: a parameter farther from the truth than 5 % + 5 % × √(10⁶ / customers) (10 % at
// a million, 21 % at 100 000: sampling error shrinks as 1/√n, and daily data leaves a bias of a few per cent —
// same-day orders merge into one purchase — that lifetimes' fits show as well), a NaN or infinite
// prediction, a P(alive) outside [0, 1], or a stored history or CLV that differs from the drawn one.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createDatabase } from '../src/db/client.js';
import { rowsOf } from '../src/db/sql-helpers.js';
import { actImplicitlyFor, DEFAULT_WORKSPACE } from '../src/db/workspace.js';
import { expectedPurchases, probabilityAlive } from '../src/intelligence/clv/bg-nbd.js';
import { expectedOrderValue } from '../src/intelligence/clv/gamma-gamma.js';
import { aggregate } from '../src/intelligence/clv/histories.js';
import { CLV_DEFAULTS, type ClvParams, discountedPurchases, fitClv, predictClv } from '../src/intelligence/clv/model.js';
import { CLV_MODEL_KEY, type ClvRecord } from '../src/intelligence/clv/refresh.js';
import { refreshAll } from '../src/intelligence/refresh.js';
import { insightSelect } from '../src/intelligence/sql.js';
import { DEFAULT_INTELLIGENCE_SETTINGS } from '../src/intelligence/rfm.js';
import { drawCustomer, historyOf, rng, TRUE_PARAMS } from './clv-data.js';
import { fmt, intKnob } from './lib.js';

actImplicitlyFor(DEFAULT_WORKSPACE);

const argv = process.argv.slice(2);
const CUSTOMERS = intKnob(argv, 'customers', process.env.BENCH_CUSTOMERS, 1_000_000);
const SQL_CUSTOMERS = intKnob(argv, 'sql-customers', process.env.BENCH_SQL_CUSTOMERS, 100_000);
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAY = 86_400_000;
const INSIGHT_COLUMNS =
  'customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_method, segment, tags, evidence, computed_at';

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};
const timed = <T>(fn: () => T): [T, number] => {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
};
const log = (msg: string) => console.error(`[bench] ${msg}`);

function checkParams(params: ClvParams, customers: number, where: string) {
  const tolerance = 0.05 + 0.05 * Math.sqrt(1e6 / customers);
  for (const k of Object.keys(TRUE_PARAMS) as Array<keyof ClvParams>) {
    const off = Math.abs(params[k] / TRUE_PARAMS[k] - 1);
    check(off <= tolerance, `${where}: ${k} = ${params[k]} is ${fmt(off * 100)} % from the true ${TRUE_PARAMS[k]}`);
  }
}
const paramsLine = (p: ClvParams) =>
  Object.entries(p)
    .map(([k, v]) => `${k} ${fmt(v, 3)}`)
    .join(', ');

// --- 1. In memory ---------------------------------------------------------------------------------------
log(`drawing ${CUSTOMERS} customers`);
const u = rng(20260615);
const [histories, drawMs] = timed(() => Array.from({ length: CUSTOMERS }, () => historyOf(drawCustomer(u))));
const [rows, aggregateMs] = timed(() => aggregate(histories.map((h) => ({ ...h, revenue: 0 }))));
const [fit, fitMs] = timed(() => fitClv(rows.histories, rows.spends));
if (!fit.model) throw new Error(`no model: ${fit.reason}`);
const model = fit.model;
checkParams(model.params, CUSTOMERS, 'in memory');
const [totals, predictMs] = timed(() => {
  // As the refresh does: BG/NBD per unique history, the Gamma-Gamma value per customer.
  const year = CLV_DEFAULTS.months * CLV_DEFAULTS.daysPerMonth;
  const byHistory = new Map<string, { e: number; pa: number; d: number }>();
  const { frequency: f, recency: r, T } = rows.histories;
  for (let i = 0; i < f.length; i++) {
    byHistory.set(`${f[i]}|${r[i]}|${T[i]}`, {
      e: expectedPurchases(model.params, year, f[i]!, r[i]!, T[i]!),
      pa: probabilityAlive(model.params, f[i]!, r[i]!, T[i]!),
      d: discountedPurchases(model.params, f[i]!, r[i]!, T[i]!),
    });
  }
  let clv = 0;
  let bad = 0;
  for (const h of histories) {
    const p = byHistory.get(`${h.frequency}|${h.recency}|${h.T}`)!;
    const value = expectedOrderValue(model.params, h.frequency, h.monetary) * p.d;
    if (!Number.isFinite(value) || !Number.isFinite(p.e) || !(p.pa >= 0 && p.pa <= 1)) bad++;
    clv += value;
  }
  return { clv, bad, unique: f.length };
});
check(totals.bad === 0, `in memory: ${totals.bad} customers with a NaN, infinite or out-of-range prediction`);

// --- 2. Through SQL -------------------------------------------------------------------------------------
const name = `touchpoint_bench_clv_${randomBytes(3).toString('hex')}`;
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const database = createDatabase({ kind: 'postgres', url: url.toString(), poolSize: 2 });
let sqlFigures:
  { insertMs: number; rfmOnlyMs: number; refreshMs: number; record: ClvRecord; orders: number; mismatches: number } | undefined;
try {
  await database.migrate();
  const db = database.db;
  // Today's UTC midnight as "now": a purchase `at` days before it falls on UTC day floor(at), as historyOf counts.
  const now = new Date(Math.floor(Date.now() / DAY) * DAY);
  const v = rng(7);
  const drawn = Array.from({ length: SQL_CUSTOMERS }, () => drawCustomer(v));
  const started = performance.now();
  await db.execute(sql`insert into customers (id) select 'c' || g from generate_series(0, ${SQL_CUSTOMERS - 1}) g`);
  let batch: Array<{ i: string; c: string; a: number; t: string }> = [];
  let orders = 0;
  const flush = async () => {
    await db.execute(sql`insert into orders (id, customer_id, amount, occurred_at)
      select x.i, x.c, x.a, x.t from json_to_recordset(${JSON.stringify(batch)}::json) as x(i text, c text, a numeric, t timestamptz)`);
    orders += batch.length;
    batch = [];
  };
  for (let c = 0; c < drawn.length; c++) {
    for (const [k, p] of drawn[c]!.entries())
      batch.push({ i: `c${c}-${k}`, c: `c${c}`, a: p.amount, t: new Date(now.getTime() + p.at * DAY).toISOString() });
    if (batch.length >= 50_000) await flush();
  }
  if (batch.length) await flush();
  // As autovacuum leaves an append-mostly table (the scoped client runs each statement in a transaction: not VACUUM's).
  const direct = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await direct.unsafe('vacuum analyze');
  await direct.end();
  const insertMs = performance.now() - started;
  log(`inserted ${orders} orders of ${SQL_CUSTOMERS} customers in ${fmt(insertMs / 1000, 1)} s; refreshing`);
  // The refresh's own query without CLV (its SET LOCALs, its INSERT … SELECT into a temporary table): what
  // the CLV step adds to the refresh is the difference.
  const t0 = performance.now();
  await db.transaction(async (tx) => {
    for (const s of ["work_mem = '256MB'", 'jit = off', 'enable_hashjoin = off']) await tx.execute(sql.raw(`set local ${s}`));
    await tx.execute(sql`create temporary table bench_insights (like customer_insights including defaults) on commit drop`);
    await tx.execute(sql`insert into bench_insights (${sql.raw(INSIGHT_COLUMNS)})
      ${insightSelect({ settings: DEFAULT_INTELLIGENCE_SETTINGS, now, withEvidence: false })}`);
  });
  const rfmOnlyMs = performance.now() - t0;
  const t = performance.now();
  await refreshAll(db, DEFAULT_INTELLIGENCE_SETTINGS, now);
  const refreshMs = performance.now() - t;
  const [stored] = rowsOf<{ value: ClvRecord }>(
    await db.execute(sql`select value from intelligence_settings where key = ${CLV_MODEL_KEY}`),
  );
  const record = stored!.value;
  if (!record.model) throw new Error(`SQL: no model: ${record.reason}`);
  checkParams(record.model.params, SQL_CUSTOMERS, 'SQL');
  const back = rowsOf<{ id: string; f: number; r: number; t: number; pc: number | null; pa: number | null }>(
    await db.execute(sql`select customer_id as id, clv_frequency as f, clv_recency_days as r, clv_age_days as t,
      predicted_clv_12m as pc, p_alive as pa from customer_insights`),
  );
  let mismatches = 0;
  for (const row of back) {
    const h = historyOf(drawn[Number(row.id.slice(1))]!);
    const p = predictClv(record.model, h.frequency, h.recency, h.T, h.monetary);
    const same = row.f === h.frequency && row.r === h.recency && row.t === h.T && Math.abs(row.pc! / p.predictedClv12m - 1) < 1e-9;
    if (!same) mismatches++;
  }
  check(back.length === SQL_CUSTOMERS, `SQL: ${back.length} customers' insights of ${SQL_CUSTOMERS}`);
  check(mismatches === 0, `SQL: ${mismatches} customers whose stored history or CLV differs from the drawn one`);
  sqlFigures = { insertMs, rfmOnlyMs, refreshMs, record, orders, mismatches };
} finally {
  await database.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}

// --- Figures --------------------------------------------------------------------------------------------
const s = (ms: number) => `${fmt(ms / 1000, 2)} s`;
console.log(
  `CLV, in memory: ${CUSTOMERS} customers, ${totals.unique} unique (frequency, recency, T), ${rows.spends.weight.length} unique spends`,
);
console.log(`  draw ${s(drawMs)} | aggregate ${s(aggregateMs)} | fit ${s(fitMs)} | predict all ${s(predictMs)}`);
console.log(`  fitted ${paramsLine(model.params)}`);
console.log(`  true   ${paramsLine(TRUE_PARAMS)}`);
console.log(`  mean predicted 12-month CLV ${fmt(totals.clv / CUSTOMERS, 2)}`);
if (sqlFigures) {
  const d = sqlFigures.record.durationMs;
  console.log(`CLV, through PostgreSQL: ${SQL_CUSTOMERS} customers, ${sqlFigures.orders} orders (inserted in ${s(sqlFigures.insertMs)})`);
  console.log(
    `  the refresh's RFM/segment/tags query alone ${s(sqlFigures.rfmOnlyMs)}; the full refresh with CLV ${s(sqlFigures.refreshMs)}`,
  );
  console.log(
    `  CLV before the rows are written: summary ${s(d.summary)} | read unique rows ${s(d.uniqueRows)} | fit ${s(d.fit)} | predict ${s(d.predict)}`,
  );
  console.log(`  fitted ${paramsLine(sqlFigures.record.model!.params)}`);
}
if (failures.length) {
  for (const f of failures) console.log(`FAIL ${f}`);
  process.exit(1);
}
console.log('all checks passed');
