// `npm run bench:broadcast [-- --n 100000 --pool 5 --concurrency 10 --batch-size 500 --order sandwich]`
//
// How fast does a campaign broadcast deliver email, compared with the SMTP floor? One run, one SMTP sink,
// one N, one pool size:
//   raw        — the product's pooled nodemailer transport (src/channels/email.ts: pool: true,
//                maxConnections = SMTP_POOL_SIZE) sending N messages of the campaign's size (its subject,
//                text and HTML with the first name filled in) with CAMPAIGN_CONCURRENCY sends in flight,
//                from this process;
//   broadcast  — an email campaign (target_tags [the tag], Liquid content with {{ customer.first_name }})
//                created through the campaign service and triggered 'actual': timed from the trigger to
//                the workflow's result (across its continue-as-new runs); the worker, a separate process
//                (`node --import tsx worker.ts`, as scaled out), pages through the audience in batch
//                activities that claim, render, send and record every message in PostgreSQL;
//   simulation — the same campaign triggered 'simulation': everything but the SMTP send.
// Every phase is checked: the sink must count exactly N broadcast messages to N distinct recipients, the
// messages table N 'sent' records (then N 'simulated' ones), and the simulation must send nothing.
//
// The stack: a fresh PostgreSQL database on 127.0.0.1:5432 (dropped at the end) seeded untimed with N
// customers (one tag, an email each) by one INSERT … SELECT generate_series; the Temporal dev server from
// the installed binary on a fresh SQLite file; the SMTP sink (bench/smtp-sink.mjs) in a child process of
// its own that only counts; the worker in another child process, whose peak RSS (VmHWM) is read from /proc.
//
// Order (--order / BENCH_ORDER): first an untimed warm-up of each path (BENCH_WARMUP messages: raw sends
// on the raw transport, and a small broadcast on a tag of its own, which warms the worker's JIT, SMTP pool,
// workflow cache and database connections). Then 'sandwich' (the default) runs raw ×N/2 → broadcast ×N →
// raw ×N/2 → simulation ×N: the raw figure is taken on both sides of the broadcast, so a drift in the
// machine's load over the run (another engineer's tests on this 2-core machine) favours neither. The
// simulation comes last: it is compared with no other phase. 'raw-first' and 'broadcast-first' run each
// path whole. After each campaign phase the messages table is vacuumed (untimed), so autovacuum of its
// dead rows does not land on the next phase.
//
// Knobs: --n / BENCH_N (100000; 1000000 for a manual run), --pool / BENCH_POOL (SMTP_POOL_SIZE, 5),
// --concurrency / BENCH_CONCURRENCY (CAMPAIGN_CONCURRENCY and the raw loop's sends in flight, 10),
// --batch-size / BENCH_BATCH_SIZE (2000), --batches-per-run / BENCH_BATCHES_PER_RUN (100), --order /
// BENCH_ORDER, BENCH_WARMUP (1000), BENCH_POSTGRES_URL (admin URL, postgres://postgres@127.0.0.1:5432/postgres),
// BENCH_TIMEOUT_S (whole run; 600 + N/25 s), --raw-n / BENCH_RAW_N (the raw phases' sends in all, N: raw sends are
// stateless, so a run at a million may time fewer), --simulation on|off / BENCH_SIMULATION (on). Progress goes to
// stderr, the results table to stdout.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { campaignWorkflowId } from '../src/temporal/workflow-ids.js';
import { createEmailChannel, type EmailChannel } from '../src/channels/email.js';
import { createDatabase, type Database } from '../src/db/client.js';
import { trackingSecret } from '../src/delivery/tracking-secret.js';
import { loadConfig } from '../src/env.js';
import { createServices } from '../src/services.js';
import { rowsOf } from '../src/db/sql-helpers.js';
import { campaignParts } from '../src/templates/parts.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { type DevServer, startDevServer } from '../src/temporal/dev-server.js';
import { writeWorkflowBundle } from '../src/worker/bundle.js';
import type { CampaignMode, CampaignProgress, campaignExecution } from '../src/campaigns/campaign.workflow.js';
import * as lib from './lib.js';
import { fmt } from './lib.js';
import { actImplicitlyFor, asInstallation, DEFAULT_WORKSPACE } from '../src/db/workspace.js';

// What the benchmark does with the database and services directly, it does in the default workspace.
actImplicitlyFor(DEFAULT_WORKSPACE);

const argv = process.argv.slice(2);
const N = lib.intKnob(argv, 'n', process.env.BENCH_N, 100_000);
const POOL = lib.intKnob(argv, 'pool', process.env.BENCH_POOL, 5);
const C = lib.intKnob(argv, 'concurrency', process.env.BENCH_CONCURRENCY, 10);
const BATCH = lib.intKnob(argv, 'batch-size', process.env.BENCH_BATCH_SIZE, 2000);
const PER_RUN = lib.intKnob(argv, 'batches-per-run', process.env.BENCH_BATCHES_PER_RUN, 100);
// The worker's V8 old-space cap in MB (0: Node's default), as a container's NODE_OPTIONS would set it.
const HEAP_MB = lib.intKnob(argv, 'heap-mb', process.env.BENCH_HEAP_MB, 0);
const ORDER = lib.choiceKnob(argv, 'order', process.env.BENCH_ORDER, ['sandwich', 'raw-first', 'broadcast-first'] as const, 'sandwich');
const WARMUP = Math.min(N, lib.intKnob([], 'warmup', process.env.BENCH_WARMUP, 1000));
// Raw sends are stateless, so their rate does not depend on N: a run at a million can time fewer of them.
const RAW_N = lib.intKnob(argv, 'raw-n', process.env.BENCH_RAW_N, N);
const SIMULATION = lib.choiceKnob(argv, 'simulation', process.env.BENCH_SIMULATION, ['on', 'off'] as const, 'on');
const RUN_TIMEOUT_MS = lib.intKnob([], 'timeout', process.env.BENCH_TIMEOUT_S, 600 + Math.ceil(N / 25)) * 1000;
const ADMIN_URL = process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const TARGET_RATIO = 0.5;
const TARGET_RSS_MB = 500;
const TARGET_HISTORY = 10_000;

const root = fileURLToPath(new URL('..', import.meta.url));
const run = randomBytes(4).toString('hex');
const TASK_QUEUE = `bench-broadcast-${run}`;
const NAMESPACE = 'default';
const MAIL_FROM = 'Touchpoint <hello@touchpoint.localhost>';
// Recipient domains: the sink counts by domain, so each phase's messages are told apart.
const DOMAIN = {
  broadcast: 'bench.localhost',
  warmBroadcast: 'warm.bench.localhost',
  raw: 'raw.bench.localhost',
  warmRaw: 'warm-raw.bench.localhost',
};
const TAG = 'bench';
const WARM_TAG = 'bench-warm';

// What every message says: about 1 KB of text (and its HTML), with the first name in the subject and body.
const CONTENT = {
  subject: 'Spring news for {{ customer.first_name }}',
  text:
    'Hi {{ customer.first_name }},\n\n' +
    'Our spring collection is in. '.repeat(8) +
    '\n\nAs one of our regular customers you get early access this week: every order over fifty euros ships free, ' +
    'and returns are free for sixty days. '.repeat(4) +
    '\n\nSee you soon,\nThe Touchpoint team',
};

const { log, since, cleanups, cleanup, cleaningUp, withTimeout } = lib.benchHarness(RUN_TIMEOUT_MS, 20_000);
const stopChild = (child: ChildProcess, signal: NodeJS.Signals) => lib.stopChild(child, signal, 15_000);

// --- The SMTP sink, in a process of its own. ---
interface DomainStats {
  messages: number;
  recipients: number;
  bytes: number;
}
interface Sink {
  url: string;
  pid: number;
  stats(): Promise<Record<string, DomainStats>>;
}
async function startSink(): Promise<Sink> {
  const sink = await lib.forkSink([]);
  cleanups.push({ name: 'SMTP sink', fn: () => stopChild(sink.child, 'SIGTERM') });
  return {
    url: `smtp://127.0.0.1:${sink.port}`,
    pid: sink.child.pid!,
    stats: async () => (await withTimeout(sink.ask({ type: 'stats' }), 10_000, 'SMTP sink stats')).domains as Record<string, DomainStats>,
  };
}

/** A fixed-offset zone (Etc/GMT±h) whose clock reads 12:xx at `at`. */
function middayZone(at: number): string {
  let offset = (12 - new Date(at).getUTCHours() + 24) % 24;
  if (offset > 14) offset -= 24;
  // Etc/GMT names count the other way: Etc/GMT-9 is UTC+9.
  return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

// --- The run. ---
/** CPU seconds by process: the sender (this process for raw, the worker for campaigns), PostgreSQL's
 * backends on the bench database, the Temporal dev server, the SMTP sink. */
const CPU_PARTS = ['sender', 'postgres', 'temporal', 'sink'] as const;
type Cpu = Record<(typeof CPU_PARTS)[number], number>;

interface PhaseFigure {
  messages: number;
  seconds: number;
  cpu: Cpu;
  /** Busy CPU time of the whole machine (every process, the bench's or not), in seconds. */
  machineBusy: number;
  /** CPU time the machine had in the phase (wall time × cores), in seconds. */
  machineTotal: number;
  loads: number[];
}

const addFigures = (a: PhaseFigure, b: PhaseFigure): PhaseFigure => ({
  messages: a.messages + b.messages,
  seconds: a.seconds + b.seconds,
  cpu: Object.fromEntries(CPU_PARTS.map((k) => [k, a.cpu[k] + b.cpu[k]])) as Cpu,
  machineBusy: a.machineBusy + b.machineBusy,
  machineTotal: a.machineTotal + b.machineTotal,
  loads: [...a.loads, ...b.loads],
});

let exitCode = 0;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
const dbName = `touchpoint_bench_${run}`;
const tempDir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-broadcast-'));
cleanups.push({ name: 'temp dir', fn: () => rmSync(tempDir, { recursive: true, force: true }) });
cleanups.push({ name: 'admin connection', fn: () => admin.end({ timeout: 5 }) });

try {
  log(
    `N=${N} pool=${POOL} concurrency=${C} batch=${BATCH} batches/run=${PER_RUN} heap=${HEAP_MB || 'default'} order=${ORDER} raw-n=${RAW_N} simulation=${SIMULATION} warm-up=${WARMUP}; timeout ${RUN_TIMEOUT_MS / 1000} s`,
  );

  // 1. A fresh database, migrated and seeded (untimed).
  await admin.unsafe(`create database ${dbName}`);
  cleanups.push({ name: `drop database ${dbName}`, fn: () => admin.unsafe(`drop database if exists ${dbName} with (force)`) });
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const database: Database = createDatabase({ kind: 'postgres', url: dbUrl.toString(), poolSize: 4 });
  cleanups.push({ name: 'database pool', fn: () => database.close() });
  await database.migrate();
  const db = database.db;
  const seed = async (prefix: string, count: number, domain: string, tag: string) => {
    await db.execute(sql`
      insert into customers (id, email, name, tags)
      select ${prefix}::text || lpad(g::text, 8, '0'), ${prefix}::text || g || ${`@${domain}`}::text, 'Ada' || g || ' Lovelace', array[${tag}::text]
      from generate_series(1, ${count}::int) g`);
  };
  const seedStart = performance.now();
  await seed('c', N, DOMAIN.broadcast, TAG);
  await seed('w', WARMUP, DOMAIN.warmBroadcast, WARM_TAG);
  // As the tables' owner, outside the workspace's transaction (VACUUM cannot run in one).
  await asInstallation(() => db.execute(sql`vacuum analyze customers`));
  // A checkpoint now, not during a timed phase (superuser only: skipped otherwise).
  await asInstallation(() => db.execute(sql`checkpoint`)).catch(() => {});
  // Off on some machines: then nothing vacuums or analyses the messages table during a phase but the bench between phases.
  const autovacuum = rowsOf<{ autovacuum: string }>(await asInstallation(() => db.execute(sql`show autovacuum`)))[0]?.autovacuum;
  log(
    `database ${dbName}: ${N} + ${WARMUP} customers seeded in ${fmt((performance.now() - seedStart) / 1000, 1)} s; autovacuum ${autovacuum} (${since()})`,
  );

  // 2. The SMTP sink.
  const sink = await startSink();
  log(`SMTP sink on ${sink.url} (pid ${sink.pid})`);

  // 3. The Temporal dev server and the worker process.
  const [temporalPort] = await lib.freePorts(1);
  const devServer: DevServer = await startDevServer({
    cliPath: resolveTemporalBinary('temporal'),
    dbFile: join(tempDir, 'temporal.db'),
    port: temporalPort!,
    namespace: NAMESPACE,
  });
  cleanups.push({ name: 'Temporal dev server', fn: () => devServer.stop() });
  const connection = await Connection.connect({ address: devServer.address });
  cleanups.push({ name: 'Temporal client', fn: () => connection.close() });
  const client = new Client({ connection, namespace: NAMESPACE });
  // The worker loads a bundle built here, as a deployment built by `npm run build:workflows` would.
  const bundlePath = await writeWorkflowBundle(join(tempDir, 'workflows.js'));
  log(`Temporal dev server on ${devServer.address}, workflow bundle built (${since()}); starting the worker process…`);

  // The worker's environment; the campaign service here reads the same one, as an API process beside it would.
  const workerEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    NODE_ENV: 'production',
    // Info: its "worker polling" line says it is ready; after that only warnings and errors are shown.
    LOG_LEVEL: 'info',
    TEMPORAL_ADDRESS: devServer.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    DATABASE_URL: dbUrl.toString(),
    SMTP_URL: sink.url,
    SMTP_POOL_SIZE: String(POOL),
    MAIL_FROM,
    // Required outside embedded mode: every email's links are signed with it.
    TRACKING_SECRET: 'bench-tracking-secret-0123456789abcdef',
    CAMPAIGN_RATE_LIMIT_EMAIL: '0',
    CAMPAIGN_BATCH_SIZE: String(BATCH),
    CAMPAIGN_BATCHES_PER_RUN: String(PER_RUN),
    CAMPAIGN_CONCURRENCY: String(C),
    WORKFLOW_BUNDLE_PATH: bundlePath,
    ...(HEAP_MB ? { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` } : {}),
    // No churn sweep schedule: nothing but the campaigns runs on this worker.
    CHURN_SWEEP_EVERY_MINUTES: '0',
    // Quiet hours and caps stay on, as deployed (each recipient's local time is checked); the recipients,
    // who have no time zone of their own, live where it is midday now, so nobody waits for the morning.
    QUIET_HOURS_DEFAULT_TIMEZONE: middayZone(Date.now()),
  };
  const worker = await lib.startWorkerProcess(root, workerEnv, { log, cleanups, cleaningUp });
  log(`worker polling (pid ${worker.pid}, ${since()})`);
  let rssSampledMax = 0;
  const sampleRss = () => {
    const s = lib.procStatus(worker.pid);
    if (s) rssSampledMax = Math.max(rssSampledMax, s.rssMb);
    return s;
  };
  const sampler = setInterval(sampleRss, 250);
  cleanups.push({ name: 'RSS sampler', fn: () => clearInterval(sampler) });
  const startupHwm = sampleRss()?.hwmMb ?? Number.NaN;

  const config = loadConfig(workerEnv);
  const { campaigns } = createServices(db, client, { ...config, tracking: { secret: trackingSecret(config, false) } });

  // The raw path: the product's pooled transport, from this process.
  const email: EmailChannel = createEmailChannel({ smtpUrl: sink.url, from: MAIL_FROM, poolSize: POOL });
  cleanups.push({ name: 'raw transport', fn: () => email.close() });
  const template = campaignParts('email', 'Bench broadcast', CONTENT);
  const rendered = (first: string) => ({
    subject: template.subject!.replaceAll('{{ customer.first_name }}', first),
    text: template.text!.replaceAll('{{ customer.first_name }}', first),
    html: template.html!.replaceAll('{{ customer.first_name }}', first),
  });
  async function sendRaw(domain: string, from: number, count: number): Promise<lib.PoolResult> {
    return lib.runPool(count, C, async (k) => {
      const i = from + k + 1;
      const key = `raw/${run}/${domain}/${i}`;
      const message = {
        channel: 'email' as const,
        idempotency_key: key,
        customer_id: `r${i}`,
        to: `r${i}@${domain}`,
        content: rendered(`Ada${i}`),
      };
      const sent = await email.send(
        { ...message, source: { journey: 'raw', version: null, step: 'raw', workflow_id: key } },
        { messageId: key },
      );
      if (sent.outcome !== 'sent') throw new Error(sent.error);
    });
  }

  /** Creates (or reuses) the campaign for `tag` and runs one execution to its result; returns its progress and timings. */
  async function runCampaign(campaignId: string, mode: CampaignMode) {
    const started = performance.now();
    const { executionId } = await campaigns.trigger(campaignId, mode);
    const workflowId = campaignWorkflowId(campaignId, executionId);
    const progress: CampaignProgress = await client.workflow.getHandle<typeof campaignExecution>(workflowId).result();
    return { executionId, workflowId, progress, ms: performance.now() - started };
  }
  const createCampaign = async (name: string, tag: string) =>
    (await campaigns.create({ name, type: 'email', target_tags: [tag], content: CONTENT }, 'bench')).id;

  /** Records of an execution by status: how many, and for how many distinct customers. */
  async function recordsOf(executionId: string): Promise<Record<string, { n: number; customers: number }>> {
    const rows = rowsOf<{ status: string; n: number; customers: number }>(
      await db.execute(sql`
        select status, count(*)::int as n, count(distinct customer_id)::int as customers
        from messages where execution_id = ${executionId} group by status`),
    );
    return Object.fromEntries(rows.map((r) => [r.status, { n: r.n, customers: r.customers }]));
  }

  /** Event counts of every run of a workflow id, following the continue-as-new chain back from the latest run. */
  async function historyLengths(workflowId: string): Promise<number[]> {
    let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
    const lengths: number[] = [];
    while (runId) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      lengths.unshift(history.events?.length ?? 0);
      runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    }
    return lengths;
  }
  /** Runs of a workflow id as visibility lists them (a cross-check of the chain: it may lag a little). */
  async function listedRuns(workflowId: string): Promise<Array<{ runId: string; historyLength: number }>> {
    const runs: Array<{ runId: string; historyLength: number }> = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId="${workflowId}"` }))
      runs.push({ runId: wf.runId, historyLength: wf.historyLength });
    return runs;
  }

  const sinkCount = async (domain: string) => (await sink.stats())[domain] ?? { messages: 0, recipients: 0, bytes: 0 };

  const temporalPids = lib.childPids('temporal');
  /** Every backend on the bench database (the worker's pool, this process's, autovacuum), by pid. */
  const postgresPids = async () =>
    rowsOf<{ pid: number }>(await db.execute(sql`select pid from pg_stat_activity where datname = current_database()`)).map((r) => r.pid);
  const ticksPerSecond = 100;
  const cores = lib.cpuCount();

  /** Runs `body` as a timed phase, recording the CPU time each process of the bench used around it. */
  async function measure<T>(label: string, senderPid: number | 'self', body: () => Promise<T & { messages: number; ms: number }>) {
    const load = loadavg()[0]!;
    const senderCpu = () =>
      senderPid === 'self' ? (process.cpuUsage().user + process.cpuUsage().system) / 1e6 : lib.procCpuSeconds(senderPid);
    const sum = (pids: number[]) => pids.reduce((a, pid) => a + lib.procCpuSeconds(pid), 0);
    const pg0 = new Map((await postgresPids()).map((pid) => [pid, lib.procCpuSeconds(pid)]));
    const before = { sender: senderCpu(), temporal: sum(temporalPids), sink: lib.procCpuSeconds(sink.pid), machine: lib.machineCpu() };
    const result = await body();
    const after = { sender: senderCpu(), temporal: sum(temporalPids), sink: lib.procCpuSeconds(sink.pid), machine: lib.machineCpu() };
    // Backends that connected during the phase count from zero; any that ended during it are missed.
    const pgPids = new Set([...pg0.keys(), ...(await postgresPids())]);
    const postgresCpu = [...pgPids].reduce((a, pid) => a + Math.max(0, lib.procCpuSeconds(pid) - (pg0.get(pid) ?? 0)), 0);
    const figure: PhaseFigure = {
      messages: result.messages,
      seconds: result.ms / 1000,
      cpu: {
        sender: after.sender - before.sender,
        postgres: postgresCpu,
        temporal: after.temporal - before.temporal,
        sink: after.sink - before.sink,
      },
      machineBusy: (after.machine.busy - before.machine.busy) / ticksPerSecond,
      machineTotal: (after.machine.total - before.machine.total) / ticksPerSecond,
      loads: [load],
    };
    const share = (k: keyof Cpu) => `${k} ${fmt((figure.cpu[k] / figure.seconds) * 100, 0)}%`;
    log(
      `${label}: ${result.messages} in ${fmt(figure.seconds, 2)} s = ${fmt(result.messages / figure.seconds)} messages/s ` +
        `(CPU of a core: ${CPU_PARTS.map(share).join(', ')}; machine ${fmt((figure.machineBusy / figure.machineTotal) * 100, 0)}% busy of ${cores} cores, ` +
        `load ${fmt(load, 2)} before) [${since()}]`,
    );
    return { ...result, figure };
  }

  const checks: Array<{ ok: boolean; text: string }> = [];
  const check = (ok: boolean, text: string) => {
    checks.push({ ok, text });
    if (!ok) log(`CHECK FAILED: ${text}`);
  };

  // --- Warm-up, untimed: both paths once. ---
  const warmRaw = await sendRaw(DOMAIN.warmRaw, 0, WARMUP);
  if (warmRaw.failures.length)
    log(`warm-up raw: ${warmRaw.failures.length} failures:\n  ${lib.summariseFailures(warmRaw.failures).join('\n  ')}`);
  const warmCampaign = await createCampaign('Bench warm-up', WARM_TAG);
  const warm = await runCampaign(warmCampaign, 'actual');
  log(
    `warm-up done: raw ${WARMUP} in ${fmt(warmRaw.elapsedMs / 1000, 2)} s, broadcast ${warm.progress.sent}/${WARMUP} in ${fmt(warm.ms / 1000, 2)} s (${since()})`,
  );
  await asInstallation(() => db.execute(sql`vacuum analyze messages`));

  // --- Timed phases. ---
  const half = Math.ceil(RAW_N / 2);
  type Step = { kind: 'raw'; from: number; count: number } | { kind: 'broadcast' } | { kind: 'simulation' };
  const steps: Step[] =
    ORDER === 'sandwich'
      ? [
          { kind: 'raw', from: 0, count: half },
          { kind: 'broadcast' },
          { kind: 'raw', from: half, count: RAW_N - half },
          { kind: 'simulation' },
        ]
      : ORDER === 'raw-first'
        ? [{ kind: 'raw', from: 0, count: RAW_N }, { kind: 'broadcast' }, { kind: 'simulation' }]
        : [{ kind: 'broadcast' }, { kind: 'raw', from: 0, count: RAW_N }, { kind: 'simulation' }];
  const stepsWithCounts = steps.filter((s) => (s.kind !== 'raw' || s.count > 0) && (s.kind !== 'simulation' || SIMULATION === 'on'));
  const orderText = stepsWithCounts.map((s) => `${s.kind} ×${s.kind === 'raw' ? s.count : N}`).join(' → ');
  log(`timed phases: ${orderText}`);

  const campaignId = await createCampaign('Bench broadcast', TAG);
  let rawFigure: PhaseFigure | undefined;
  const rawFailures: lib.PoolResult['failures'] = [];
  let broadcast: (Awaited<ReturnType<typeof runCampaign>> & { figure: PhaseFigure }) | undefined;
  let simulation: (Awaited<ReturnType<typeof runCampaign>> & { figure: PhaseFigure }) | undefined;
  let rssDuringCampaigns = 0;

  for (const step of stepsWithCounts) {
    if (step.kind === 'raw') {
      const r = await measure(`raw ×${step.count}`, 'self', async () => {
        const p = await sendRaw(DOMAIN.raw, step.from, step.count);
        return { ...p, messages: step.count - p.failures.length, ms: p.elapsedMs };
      });
      rawFigure = rawFigure ? addFigures(rawFigure, r.figure) : r.figure;
      rawFailures.push(...r.failures);
      continue;
    }
    const mode: CampaignMode = step.kind === 'broadcast' ? 'actual' : 'simulation';
    const sinkBefore = await sink.stats();
    rssSampledMax = 0;
    const r = await measure(`${step.kind} ×${N}`, worker.pid, async () => {
      const c = await runCampaign(campaignId, mode);
      return { ...c, messages: c.progress.sent };
    });
    rssDuringCampaigns = Math.max(rssDuringCampaigns, rssSampledMax);
    const sinkAfter = await sink.stats();
    const records = await recordsOf(r.executionId);
    const total = (s: Record<string, DomainStats>) => Object.values(s).reduce((a, d) => a + d.messages, 0);
    const p = r.progress;
    check(
      p.state === 'completed' && p.stopReason === 'audience_done',
      `${step.kind}: workflow ended ${p.state}/${p.stopReason} after ${p.runs} runs`,
    );
    check(
      p.processed === N && p.sent === N && p.failed === 0 && p.skipped === 0,
      `${step.kind}: result counts processed ${p.processed}, sent ${p.sent}, failed ${p.failed}, skipped ${p.skipped} (expected ${N} sent)`,
    );
    if (mode === 'actual') {
      const got = sinkAfter[DOMAIN.broadcast] ?? { messages: 0, recipients: 0, bytes: 0 };
      check(
        got.messages === N && got.recipients === N,
        `broadcast: the sink received ${got.messages} messages for ${got.recipients} distinct recipients (expected ${N} and ${N})`,
      );
      check(
        records.sent?.n === N && records.sent.customers === N && Object.keys(records).length === 1,
        `broadcast: messages table ${JSON.stringify(records)} (expected ${N} sent)`,
      );
      broadcast = r;
    } else {
      const added = total(sinkAfter) - total(sinkBefore);
      check(added === 0, `simulation: the sink received ${added} messages during it (expected 0)`);
      check(
        records.simulated?.n === N && records.simulated.customers === N && Object.keys(records).length === 1,
        `simulation: messages table ${JSON.stringify(records)} (expected ${N} simulated)`,
      );
      simulation = r;
    }
    await asInstallation(() => db.execute(sql`vacuum analyze messages`));
  }
  const rawSink = await sinkCount(DOMAIN.raw);
  check(
    rawFailures.length === 0,
    `raw: ${rawFailures.length} failed sends${rawFailures.length ? `: ${lib.summariseFailures(rawFailures, 3).join('; ')}` : ''}`,
  );
  check(
    rawSink.messages === RAW_N && rawSink.recipients === RAW_N,
    `raw: the sink received ${rawSink.messages} messages for ${rawSink.recipients} distinct recipients (expected ${RAW_N})`,
  );

  // Peak RSS: VmHWM covers the worker's whole life (start-up and workflow bundling included).
  const finalStatus = sampleRss();
  const peakRss = finalStatus?.hwmMb ?? Number.NaN;

  // History lengths of every run of both executions.
  const histories: Array<{ label: string; lengths: number[]; listed: number }> = [];
  for (const [label, r] of [
    ['broadcast', broadcast],
    ['simulation', simulation],
  ] as const) {
    if (!r) continue;
    const lengths = await historyLengths(r.workflowId);
    const listed = await listedRuns(r.workflowId).catch(() => []);
    histories.push({ label, lengths, listed: listed.length });
    check(
      lengths.length === r.progress.runs,
      `${label}: ${lengths.length} runs in the continue-as-new chain, the result says ${r.progress.runs}`,
    );
    log(`${label} history: ${lengths.length} runs, events per run ${lengths.join(', ')} (visibility lists ${listed.length} runs)`);
  }
  const maxHistory = Math.max(...histories.flatMap((h) => h.lengths));

  // --- Report ---
  const rate = (f: PhaseFigure | undefined) => (f ? f.messages / f.seconds : Number.NaN);
  const ratio = rate(broadcast?.figure) / rate(rawFigure);
  const pct = (f: PhaseFigure, k: keyof Cpu) => `${fmt((f.cpu[k] / f.seconds) * 100, 0)}%`;
  const row = (label: string, f: PhaseFigure) => [
    label,
    String(f.messages),
    fmt(f.seconds, 2),
    fmt(rate(f)),
    ...CPU_PARTS.map((k) => pct(f, k)),
    fmt((CPU_PARTS.reduce((a, k) => a + f.cpu[k], 0) / f.messages) * 1000, 2),
    `${fmt((f.machineBusy / f.machineTotal) * 100, 0)}%`,
    f.loads.map((l) => fmt(l, 2)).join(' / '),
  ];
  const rows: string[][] = [
    [
      'phase',
      'messages',
      'seconds',
      'messages/s',
      'sender CPU',
      'PostgreSQL',
      'Temporal',
      'sink',
      'CPU ms/msg',
      'machine busy',
      'load before',
    ],
    ...(rawFigure ? [row(`raw nodemailer pool (${rawFigure.loads.length} part${rawFigure.loads.length > 1 ? 's' : ''})`, rawFigure)] : []),
    ...(broadcast ? [row('broadcast (actual, worker)', broadcast.figure)] : []),
    ...(simulation ? [row('simulation (worker)', simulation.figure)] : []),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`);
  table.splice(1, 0, `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const out = [
    '',
    `Touchpoint broadcast bench, ${new Date().toISOString()}: N=${N}, SMTP pool ${POOL}, ${C} sends in flight, batches of ${BATCH}, ` +
      `${PER_RUN} batches per run; PostgreSQL ${new URL(ADMIN_URL).host}, Temporal dev server, worker and SMTP sink in processes of their own`,
    `order (${ORDER}): untimed warm-up of ${WARMUP} per path, then ${orderText}`,
    ...table,
    `(CPU columns: share of one core over the phase — sender = this process for raw, the worker for campaigns; ` +
      `CPU ms/msg = their sum per message; machine busy counts every process, other users' too)`,
    `broadcast/raw ratio      : ${fmt(ratio, 2)}   (target >= ${TARGET_RATIO}: ${verdict(ratio >= TARGET_RATIO)})`,
    `worker peak RSS (VmHWM)  : ${fmt(peakRss, 0)} MB   (target < ${TARGET_RSS_MB} MB: ${verdict(peakRss < TARGET_RSS_MB)}; ` +
      `${fmt(startupHwm, 0)} MB once polling, max sampled VmRSS during the campaigns ${fmt(rssDuringCampaigns, 0)} MB)`,
    `max history length       : ${maxHistory} events   (target < ${TARGET_HISTORY}: ${verdict(maxHistory < TARGET_HISTORY)}; ` +
      histories.map((h) => `${h.label} ${h.lengths.length} runs [${h.lengths.join(', ')}]`).join(', ') +
      ')',
    `checks: ${checks.filter((c) => c.ok).length}/${checks.length} passed`,
    ...checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.text}`),
    `total run time: ${since()}`,
  ];
  console.log(out.join('\n'));
  if (checks.some((c) => !c.ok)) exitCode = 1;
} catch (err) {
  exitCode = 1;
  console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  log('shutting down…');
  await cleanup();
  log(`stopped (${since()})`);
}
process.exit(exitCode);
