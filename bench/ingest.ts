// `npm run bench:ingest [-- --n 2000 --concurrency 32 --order alternate|raw-first|api-first --worker after|during]`
//
// How fast are signup events accepted through the HTTP API (POST /api/events, one event per request, C
// requests in flight; since the outbox, an event is answered once stored, and the worker process's
// dispatcher starts its welcome journey), compared with calling client.workflow.signalWithStart directly
// (same workflow and options, from src/journeys/routing.ts welcomeStartOptions; same concurrency; distinct
// customers)? Both paths run in one process against one embedded stack: the Temporal dev server on a fresh
// temp DATA_DIR, PGlite, the local mail capture and an in-process worker. Every customer exists (with an
// email, created untimed through PUT /api/customers/:id) before its timed phase, so the worker really
// sends the welcome email for both paths. The API's requests come from a load generator on a thread of
// its own (bench/http-load.mjs), as a product backend sends them from its own process: the client side of
// HTTP is not charged to the API's thread, while the raw loop's SDK calls run where the API's do; before each timed phase the bench waits for the worker to send
// the previous phase's emails, so every phase starts with an idle worker. The order is explained where
// the phases are built.
//
// Knobs: --n / BENCH_N (2000), --concurrency / BENCH_CONCURRENCY (32), --order / BENCH_ORDER (alternate),
// BENCH_WARMUP (50 per path), BENCH_MAIL_TIMEOUT_S (per wait for emails, 180), BENCH_TIMEOUT_S (whole
// run, 540).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serve } from '@hono/node-server';
import type { WorkerGroup } from '../src/worker/create-worker.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/env.js';
import { welcomeStartOptions } from '../src/journeys/routing.js';
import { type Runtime, startRuntime } from '../src/runtime.js';
import { installTemporalRuntime } from '../src/observability/temporal-runtime.js';
import { welcome } from '../src/journeys/welcome.workflow.js';
import { DEFAULT_WORKSPACE, inWorkspace } from '../src/db/workspace.js';
import * as lib from './lib.js';
import { fmt, percentile } from './lib.js';

// Before anything touches the Temporal runtime (imports alone do not).
await installTemporalRuntime('warn');

type Path = 'api' | 'raw';

const argv = process.argv.slice(2);
const N = lib.intKnob(argv, 'n', process.env.BENCH_N, 2000);
const C = lib.intKnob(argv, 'concurrency', process.env.BENCH_CONCURRENCY, 32);
const ORDER = lib.choiceKnob(argv, 'order', process.env.BENCH_ORDER, ['alternate', 'raw-first', 'api-first'] as const, 'alternate');
// 'after' (default): the worker is stopped during the timed phases and started again to deliver every
// welcome email afterwards, so neither path is timed while the worker runs the other's journeys (a short
// raw phase leaves most of its journeys' work for after its timer stops; a longer API phase would do more
// of its own inside it). 'during': the worker runs all along and is drained between phases.
const WORKER = lib.choiceKnob(argv, 'worker', process.env.BENCH_WORKER, ['after', 'during'] as const, 'after');
const WARMUP = Math.min(N, lib.intKnob([], 'warmup', process.env.BENCH_WARMUP, 50));
const MAIL_TIMEOUT_MS = lib.intKnob([], 'mail-timeout', process.env.BENCH_MAIL_TIMEOUT_S, 180) * 1000;
const RUN_TIMEOUT_MS = lib.intKnob([], 'timeout', process.env.BENCH_TIMEOUT_S, 540) * 1000;
const REQUEST_TIMEOUT_MS = 30_000;

// A hung stack must not hang whoever runs the bench.
const watchdog = setTimeout(() => {
  console.error(`[bench] gave up: the run exceeded ${RUN_TIMEOUT_MS / 1000} s (BENCH_TIMEOUT_S)`);
  process.exit(1);
}, RUN_TIMEOUT_MS);
watchdog.unref();

const log = (msg: string) => console.error(`[bench] ${msg}`);
const t0 = performance.now();
const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

// Ids unique to this run; each path and the warm-up get their own customers (and mail domain to count by).
const run = randomBytes(3).toString('hex');
const customerId = (group: string, i: number) => `bench-${run}-${group}-${i}`;
const emailOf = (group: string, i: number) => `c${i}@${group}.bench.localhost`;

const [temporalPort, uiPort, mailPort, httpPort] = await lib.freePorts(4);
const dataDir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  PORT: String(httpPort),
  DATA_DIR: dataDir,
  TEMPORAL_PORT: String(temporalPort),
  TEMPORAL_UI_PORT: String(uiPort),
  MAIL_CAPTURE_PORT: String(mailPort),
});

log(`N=${N} concurrency=${C} order=${ORDER} warm-up=${WARMUP}/path; DATA_DIR ${dataDir}`);
log(`ports: temporal ${temporalPort}, ui ${uiPort}, mail ${mailPort}, http ${httpPort}`);

let runtime: Runtime | undefined;
let worker: WorkerGroup | undefined;
let workerRun: Promise<void> | undefined;
let server: ReturnType<typeof serve> | undefined;
let exitCode = 0;

try {
  runtime = await startRuntime(config, { embedded: true });
  const { key: adminKey } = await runtime.adminKey();
  log(`stack up (${since()}); bundling workflows and starting the worker…`);
  ({ worker } = await runtime.createWorker());
  workerRun = worker.run().catch((err: Error) => log(`worker stopped with an error: ${err.stack ?? err.message}`));

  const app = createApp(runtime.appDeps);
  server = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port });
  await new Promise<void>((resolve, reject) => {
    server!.once('listening', resolve);
    server!.once('error', reject);
  });
  const base = `http://${config.http.host}:${config.http.port}`;
  const mailCapture = runtime.mailCapture!;
  const client = runtime.client;
  const taskQueue = config.temporal.taskQueue;
  log(`worker running, API on ${base} (${since()})`);

  // Node 20's global fetch (undici) keeps connections alive by default, so C lanes reuse C sockets.
  async function request(method: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, text: await res.text() };
  }

  const eventOf = (group: string, i: number) => ({
    id: `evt-${run}-${group}-${i}`,
    type: 'user_signup',
    customerId: customerId(group, i),
    properties: { source: 'bench' },
  });

  let notDispatched = 0;
  /** Throws unless 202 with one `accepted` result. */
  function checkApiResponse(res: lib.HttpResponse): void {
    if ('error' in res) throw new Error(res.error);
    const { status, text } = res;
    if (status !== 202) throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
    const results = (JSON.parse(text) as { results?: Array<{ status: string; journeys?: Array<{ result: string }> }> }).results;
    if (!results || results.length !== 1) throw new Error(`expected one result, got ${text.slice(0, 300)}`);
    if (results[0]!.status !== 'accepted') throw new Error(`result status "${results[0]!.status}": ${text.slice(0, 300)}`);
    if (results[0]!.journeys?.[0]?.result !== 'queued') notDispatched++;
  }
  // Events go through the API from the load generator's own thread (one event per request, C in flight).
  const load = lib.startHttpLoad(base, REQUEST_TIMEOUT_MS, { authorization: `Bearer ${adminKey}` });
  const sendViaApiPool = (group: string, from: number, count: number) =>
    load.run(
      Array.from({ length: count }, (_, i) => ({ method: 'POST', path: '/api/events', body: eventOf(group, from + i) })),
      C,
      checkApiResponse,
    );

  /** The welcome start the API makes (src/journeys/routing.ts welcomeStartOptions), straight from the SDK. */
  async function sendViaSdk(group: string, i: number): Promise<void> {
    const event = eventOf(group, i);
    // The default workspace's welcome start, as the API makes it for the installation's key.
    await client.workflow.signalWithStart(welcome, await inWorkspace(DEFAULT_WORKSPACE, () => welcomeStartOptions(event, taskQueue)));
  }

  /** One timed (or warm-up) pool of `count` events for `path`: the API's from the load thread, raw ones from here. */
  const runPhase = (path: Path, group: string, from: number, count: number) =>
    path === 'api' ? sendViaApiPool(group, from, count) : lib.runPool(count, C, (i) => sendViaSdk(group, from + i));

  // Mails are tallied per customer group as they arrive (by recipient domain), then dropped from the
  // capture, which keeps only its last 10 000. Mail ids only grow, so none is counted twice.
  const mailTally = new Map<string, number>();
  const tallyMail = () => {
    for (const m of mailCapture.list()) {
      const group = /@([\w-]+)\.bench\.localhost$/.exec(m.to[0] ?? '')?.[1];
      if (group) mailTally.set(group, (mailTally.get(group) ?? 0) + 1);
    }
    mailCapture.clear();
  };
  const mailsTo = (group: string) => {
    tallyMail();
    return mailTally.get(group) ?? 0;
  };
  /** Waits (bounded) until the worker has sent `count` welcome emails in all to `group`'s customers. */
  const drainMail = (group: string, count: number) => lib.pollUntil(() => mailsTo(group), count, MAIL_TIMEOUT_MS);

  // --- Untimed: customers (with an email, so the welcome step sends) for every group. ---
  const groups: Array<{ group: string; count: number }> = [
    { group: 'warm-raw', count: WARMUP },
    { group: 'warm-api', count: WARMUP },
    { group: 'raw', count: N },
    { group: 'api', count: N },
  ];
  const setupFailures: string[] = [];
  for (const { group, count } of groups) {
    const r = await lib.runPool(count, C, async (i) => {
      const { status, text } = await request('PUT', `/api/customers/${encodeURIComponent(customerId(group, i))}`, {
        email: emailOf(group, i),
      });
      if (status !== 201) throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
    });
    setupFailures.push(...lib.summariseFailures(r.failures).map((l) => `${group}: ${l}`));
    log(`created ${count - r.failures.length}/${count} ${group} customers in ${fmt(r.elapsedMs / 1000, 2)} s`);
  }
  if (setupFailures.length) log(`customer creation failures:\n  ${setupFailures.join('\n  ')}`);

  // --- Untimed warm-up of both paths (connections, JIT, workflow cache), then let the worker settle. ---
  for (const path of ['raw', 'api'] as const) {
    const r = await runPhase(path, `warm-${path}`, 0, WARMUP);
    if (r.failures.length) log(`warm-up ${path}: ${r.failures.length} failures:\n  ${lib.summariseFailures(r.failures).join('\n  ')}`);
  }
  for (const path of ['raw', 'api'] as const) {
    const { value } = await drainMail(`warm-${path}`, WARMUP);
    if (value < WARMUP) log(`warm-up ${path}: only ${value}/${WARMUP} welcome emails arrived`);
  }
  if (WORKER === 'after') {
    log('stopping the worker for the timed phases (--worker after)');
    worker.shutdown();
    await workerRun;
  }

  // --- Timed phases. ---
  // Where a phase runs moves its figure (the raw loop measured 70 to 130 events/s across runs and
  // positions), so 'alternate' (the default) runs raw, API, API, raw on halves of N: each path gets an
  // early and a late slot, which cancels a steady drift.
  // Before a phase the worker is drained of the previous phase's emails, so every phase starts with an
  // idle worker; after the last phase only the API customers' emails are waited for (they are reported).
  const half = Math.ceil(N / 2);
  const phases: Array<{ path: Path; from: number; count: number }> =
    ORDER === 'raw-first'
      ? [
          { path: 'raw', from: 0, count: N },
          { path: 'api', from: 0, count: N },
        ]
      : ORDER === 'api-first'
        ? [
            { path: 'api', from: 0, count: N },
            { path: 'raw', from: 0, count: N },
          ]
        : ([
            { path: 'raw', from: 0, count: half },
            { path: 'api', from: 0, count: half },
            { path: 'api', from: half, count: N - half },
            { path: 'raw', from: half, count: N - half },
          ].filter((p) => p.count > 0) as Array<{ path: Path; from: number; count: number }>);
  const orderText = phases.map((p) => `${p.path === 'api' ? 'API' : 'raw SDK'} ×${p.count}`).join(' → ');
  log(`warm-up done (${since()}); timed phases: ${orderText}`);

  const results: Record<Path, lib.PoolResult & { ok: number }> = {
    api: { elapsedMs: 0, latencies: [], failures: [], ok: 0 },
    raw: { elapsedMs: 0, latencies: [], failures: [], ok: 0 },
  };
  const expected: Record<Path, number> = { api: 0, raw: 0 };
  let apiMailWait = { value: 0, waitedMs: 0 };
  for (const [k, { path, from, count }] of phases.entries()) {
    log(`timed ${path} phase: ${count} events (#${from}…#${from + count - 1}), ${C} in flight…`);
    const elu0 = performance.eventLoopUtilization();
    const dbElu0 = runtime.database.threadUtilization?.();
    const r = await runPhase(path, path, from, count);
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const dbElu = dbElu0 && runtime.database.threadUtilization!(dbElu0).utilization;
    const acc = results[path];
    acc.elapsedMs += r.elapsedMs;
    acc.latencies.push(...r.latencies);
    acc.failures.push(...r.failures.map((f) => ({ ...f, index: from + f.index })));
    acc.ok += count - r.failures.length;
    expected[path] += count - r.failures.length;
    const last = k === phases.length - 1;
    log(
      `${path} phase done in ${fmt(r.elapsedMs / 1000, 2)} s (${fmt((count - r.failures.length) / (r.elapsedMs / 1000))} events/s, ` +
        `main-thread event loop ${fmt(elu * 100, 0)}% busy` +
        (dbElu === undefined ? ')' : `, PGlite thread ${fmt(Math.max(0, dbElu) * 100, 0)}% busy)`),
    );
    if (WORKER === 'after' || (last && path !== 'api')) continue;
    const drained = await drainMail(path, expected[path]);
    if (path === 'api') apiMailWait = drained;
    log(`${drained.value}/${expected[path]} ${path} welcome emails so far (waited ${fmt(drained.waitedMs / 1000, 1)} s)`);
  }
  if (WORKER === 'after') {
    log('starting the worker again to run every journey the timed phases started…');
    ({ worker } = await runtime.createWorker());
    workerRun = worker.run().catch((err: Error) => log(`worker stopped with an error: ${err.stack ?? err.message}`));
    for (const path of ['api', 'raw'] as const) {
      const drained = await drainMail(path, expected[path]);
      if (path === 'api') apiMailWait = drained;
      log(`${drained.value}/${expected[path]} ${path} welcome emails (waited ${fmt(drained.waitedMs / 1000, 1)} s)`);
    }
  }
  // Every API phase ends with a drain; a count taken now also includes any straggler since.
  const apiMails = mailsTo('api');
  const rawMails = mailsTo('raw');
  const apiLastWaited = WORKER === 'during' && phases.at(-1)!.path === 'api';

  // --- Report ---
  const rate = (r: lib.PoolResult & { ok: number }) => r.ok / (r.elapsedMs / 1000);
  const line = (label: string, r: lib.PoolResult & { ok: number }) =>
    `${label}  ${fmt(rate(r))} events/s   p50 ${fmt(percentile(r.latencies, 50), 2)} ms   p99 ${fmt(percentile(r.latencies, 99), 2)} ms   ` +
    `(${r.ok}/${N} ok in ${fmt(r.elapsedMs / 1000, 2)} s)`;
  const ratio = rate(results.api) / rate(results.raw);
  const out = [
    '',
    `Touchpoint ingest bench: N=${N}, concurrency=${C}, one event per request, embedded stack (Temporal dev server, PGlite, mail capture, in-process worker)`,
    `order (${ORDER}): ${orderText}; untimed warm-up of ${WARMUP} events per path first; ` +
      (WORKER === 'after'
        ? 'worker stopped during the timed phases, then started to deliver every welcome email (--worker after)'
        : 'worker running, drained of emails before each phase (--worker during)'),
    line('raw SDK signalWithStart :', results.raw),
    line('API POST /api/events    :', results.api),
    `ratio API/raw: ${fmt(ratio, 2)} (target >= 0.7: ${ratio >= 0.7 ? 'met' : 'NOT met'})`,
    `API failures (non-202 or not 'accepted'): ${results.api.failures.length}` +
      (notDispatched ? `; accepted but no welcome run queued: ${notDispatched}` : ''),
    ...lib.summariseFailures(results.api.failures).map((l) => `  ${l}`),
    `raw SDK failures: ${results.raw.failures.length}`,
    ...lib.summariseFailures(results.raw.failures).map((l) => `  ${l}`),
    `welcome emails captured for API customers: ${apiMails}/${N}` +
      (WORKER === 'after'
        ? ` (waited ${fmt(apiMailWait.waitedMs / 1000, 1)} s once the worker was back)`
        : apiLastWaited
          ? ` (waited ${fmt(apiMailWait.waitedMs / 1000, 1)} s after the last phase)`
          : ' (waited for after each API phase)'),
    `welcome emails captured for raw customers: ${rawMails}/${N}` +
      (WORKER === 'during' && phases.at(-1)!.path === 'raw' ? ' (the last raw phase not waited for)' : ''),
    `total run time: ${since()}`,
  ];
  console.log(out.join('\n'));
  // A missing, failed or duplicated event or email is a correctness failure, whatever the speed.
  const incorrect = results.api.failures.length + results.raw.failures.length > 0 || apiMails !== N || rawMails !== N;
  if (incorrect) {
    console.log('CORRECTNESS: FAILED (failures above, or welcome emails missing or duplicated)');
    exitCode = 1;
  }
} catch (err) {
  exitCode = 1;
  console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  log('shutting down…');
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun;
  await runtime?.close();
  rmSync(dataDir, { recursive: true, force: true });
  log(`stopped (${since()})`);
}
process.exit(exitCode);
