// `npm run bench:journeys [-- --n 5000 --steady 300 --rate 20 --batch 500 --concurrency 4]`
//
// How fast do welcome journeys mail a burst of signups, compared with the least Temporal can do for the
// same email, and how long does one signup wait for its welcome at a steady rate? One run, one Temporal
// server, one SMTP sink:
//   journeys — the stack as `npm start` runs it (`node --import tsx src/main.ts`: the Temporal dev server,
//              PGlite in a fresh DATA_DIR — or, with DATABASE_URL set, a fresh database on that
//              PostgreSQL server, dropped at the end — the API and the worker with its outbox dispatcher
//              in one process), SMTP_URL at the sink, QUIET_HOURS=off, FREQUENCY_CAP_PER_DAY=0 and
//              FREQUENCY_CAP_PER_WEEK=0. N `user_signup` events go through POST /api/events in batches of
//              500 (C in flight, from a load generator on its own thread); each batch's answer time is
//              recorded; the rate is N / (first request → the last first email received at the sink);
//   baseline — a minimal workflow (bench/journeys-baseline.workflow.ts: signalWithStart → one activity
//              rendering the welcome template and sending it through the product's pooled transport,
//              createEmailChannel, with the same pool size, to the same sink), bundled with the SDK's
//              bundler and run by a Worker of its own on a task queue of its own in this process, against
//              the stack's Temporal server, for N other customers (signalWithStart from here, 32 in
//              flight, the outbox dispatcher's default): N / (first start → last email);
//   steady   — M signups, one event per request, at a fixed rate below capacity (--rate per second): p50
//              and p99 of event → first email (the request's send time here to the sink's receive time;
//              both clocks are performance.timeOrigin + performance.now() on this machine).
// The sink (bench/smtp-sink.mjs --recipients) runs in a process of its own and counts messages per address
// of their To header; every customer of every phase (warm-ups included) must have received exactly one
// email — exit 1 otherwise, or when a request fails. Also printed: the stack process's peak RSS (VmHWM:
// API and worker are one process, as in `npm start`), the machine's load average before and after.
//
// Knobs: --n / BENCH_N (5000), --steady / BENCH_STEADY (300), --rate / BENCH_RATE (20 signups/s), --batch /
// BENCH_BATCH (500 events per request), --concurrency / BENCH_CONCURRENCY (4 requests in flight),
// --baseline-concurrency / BENCH_BASELINE_CONCURRENCY (32), BENCH_WARMUP (50 per path), BENCH_POOL (the
// SMTP pool, 5), BENCH_MAIL_TIMEOUT_S (per wait for emails, 900), BENCH_TIMEOUT_S (whole run, 600 + (every signup and broadcast recipient)/5).
// Optional phases, after the steady one:
//   --outage E / BENCH_OUTAGE (0: off) — Temporal down: the dev server stopped (SIGSTOP), E signups in batches of
//              BATCH (C in flight) — every request must be answered 202 `accepted` — then the outage held
//              BENCH_OUTAGE_HOLD_S (10) more, the backlog read from GET /api/events/backlog, the server resumed
//              (SIGCONT): answer times, and the time from the resumption to the last first email;
//   --broadcast K / BENCH_BROADCAST (0: off) — an email campaign to K tagged customers alone, then another to K
//              others triggered just after a signup burst of N began: both broadcasts' rates (K / trigger →
//              last message) and their ratio, and the burst's rate beside the broadcast;
//   --campaign-worker on / BENCH_CAMPAIGN_WORKER (off) — with DATABASE_URL only: the broadcasts in a worker process
//              of their own (WORKER_WORKLOADS=campaigns; the stack serves journeys and maintenance);
//   --workers W / BENCH_WORKERS (1) — with DATABASE_URL only: W − 1 more worker processes (`node --import tsx
//              worker.ts`, each with its outbox dispatcher) against the same server and database, then a
//              burst of N more signups: its rate and the speed-up over the first burst.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import postgres from 'postgres';
import { createEmailChannel } from '../src/channels/email.js';
import { defaultJourneyConfigs, type EmailStep } from '../src/domain/journey-config.js';
import { loadConfig } from '../src/env.js';
import { installTemporalRuntime } from '../src/observability/temporal-runtime.js';
import { renderTemplate } from '../src/templates/render.js';
import { DEFAULT_SLOTS } from '../src/worker/create-worker.js';
import type { BaselineActivities, BaselineRecipient, baselineWelcome } from './journeys-baseline.workflow.js';
import * as lib from './lib.js';
import { fmt, percentile } from './lib.js';

// Before anything touches the Temporal runtime (the baseline's worker and client).
await installTemporalRuntime('warn');

const argv = process.argv.slice(2);
const N = lib.intKnob(argv, 'n', process.env.BENCH_N, 5000);
const M = lib.intKnob(argv, 'steady', process.env.BENCH_STEADY, 300);
const RATE = lib.intKnob(argv, 'rate', process.env.BENCH_RATE, 20);
const BATCH = lib.intKnob(argv, 'batch', process.env.BENCH_BATCH, 500);
const C = lib.intKnob(argv, 'concurrency', process.env.BENCH_CONCURRENCY, 4);
const BASE_C = lib.intKnob(argv, 'baseline-concurrency', process.env.BENCH_BASELINE_CONCURRENCY, 32);
const WARMUP = lib.intKnob([], 'warmup', process.env.BENCH_WARMUP, 50);
const POOL = lib.intKnob([], 'pool', process.env.BENCH_POOL, 5);
const MAIL_TIMEOUT_MS = lib.intKnob([], 'mail-timeout', process.env.BENCH_MAIL_TIMEOUT_S, 900) * 1000;

const WORKERS = lib.intKnob(argv, 'workers', process.env.BENCH_WORKERS, 1);
const BROADCAST = lib.intKnob(argv, 'broadcast', process.env.BENCH_BROADCAST, 0);
const OUTAGE = lib.intKnob(argv, 'outage', process.env.BENCH_OUTAGE, 0);
const CAMPAIGN_WORKER = lib.choiceKnob(argv, 'campaign-worker', process.env.BENCH_CAMPAIGN_WORKER, ['off', 'on'] as const, 'off');
const OUTAGE_HOLD_MS = lib.intKnob([], 'outage-hold', process.env.BENCH_OUTAGE_HOLD_S, 10) * 1000;
/** Every signup and broadcast recipient of the run: about 5 of them a second, their customers' creation included. */
const EVERYONE = N + OUTAGE + (BROADCAST ? N + 2 * BROADCAST : 0) + (WORKERS > 1 ? N : 0);
const RUN_TIMEOUT_MS = lib.intKnob([], 'timeout', process.env.BENCH_TIMEOUT_S, 600 + Math.ceil(EVERYONE / 5)) * 1000;
const DATABASE_URL = process.env.DATABASE_URL || undefined;
if ((WORKERS > 1 || CAMPAIGN_WORKER === 'on') && !DATABASE_URL) {
  console.error(
    '[bench] --workers > 1 and --campaign-worker need DATABASE_URL: PGlite lives inside the stack process, others cannot share it',
  );
  process.exit(2);
}
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 1000;
const REQUEST_TIMEOUT_MS = 120_000;

const root = fileURLToPath(new URL('..', import.meta.url));
const run = randomBytes(3).toString('hex');
const BASE_QUEUE = `bench-journeys-baseline-${run}`;
const MAIL_FROM = 'Touchpoint <hello@touchpoint.localhost>';
/** The wall clock both this process and the sink read (ms since the epoch, sub-millisecond). */
const wallNow = () => performance.timeOrigin + performance.now();

const { log, since, cleanups, cleanup, cleaningUp, withTimeout } = lib.benchHarness(RUN_TIMEOUT_MS, 30_000);
const stopChild = (child: ChildProcess, signal: NodeJS.Signals) => lib.stopChild(child, signal, 20_000);

// --- The SMTP sink, in a process of its own, counting per To address. ---
interface Sink {
  url: string;
  pid: number;
  count(suffix: string): Promise<{ distinct: number; messages: number; lastFirstAt: number }>;
  recipients(suffix: string): Promise<Map<string, { count: number; firstAt: number }>>;
}
async function startSink(): Promise<Sink> {
  const sink = await lib.forkSink(['--recipients']);
  cleanups.push({ name: 'SMTP sink', fn: () => stopChild(sink.child, 'SIGTERM') });
  const ask = (type: string, suffix: string) => withTimeout(sink.ask({ type, suffix }), 30_000, `SMTP sink ${type}`);
  return {
    url: `smtp://127.0.0.1:${sink.port}`,
    pid: sink.child.pid!,
    count: async (suffix) => (await ask('recipientCount', suffix)) as { distinct: number; messages: number; lastFirstAt: number },
    recipients: async (suffix) => {
      const { list } = (await ask('recipients', suffix)) as { list: Array<[string, number, number, number]> };
      return new Map(list.map(([address, count, firstAt]) => [address, { count, firstAt }]));
    },
  };
}

// --- The stack, as `npm start` runs it: one process, API + worker, the dev server its child. ---
async function startStack(env: Record<string, string>): Promise<{ pid: number; apiKey: string; stop(): Promise<void> }> {
  // main.ts keeps the installation's admin key in DATA_DIR/admin-key and prints it (coloured) once ready.
  // `node --import tsx`, not the tsx CLI: the CLI would run main.ts in a grandchild, whose RSS we would miss.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => stopChild(child, 'SIGTERM');
  cleanups.push({ name: 'stack', fn: stop });
  let stdout = '';
  let stderr = '';
  let ready = false;
  child.stderr.on('data', (d: Buffer) => {
    if (!ready) stderr += d.toString();
    else for (const line of d.toString().split('\n')) if (line.trim()) console.error(`[stack] ${line}`);
  });
  const apiKey = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stack did not start within 240 s:\n${stdout}\n${stderr}`)), 240_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!ready && stdout.includes('Ctrl-C')) {
        ready = true;
        clearTimeout(timer);
        resolve(readFileSync(join(env.DATA_DIR!, 'admin-key'), 'utf8').trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`the stack exited with code ${code} during start-up:\n${stdout}\n${stderr}`));
      else if (!cleaningUp()) log(`the stack exited unexpectedly (code ${code})`);
    });
  });
  return { pid: child.pid!, apiKey, stop };
}

// --- The run. ---
let exitCode = 0;
const tempDir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-journeys-'));
cleanups.push({ name: 'temp dir', fn: () => rmSync(tempDir, { recursive: true, force: true }) });
const loadBefore = loadavg();

try {
  log(
    `N=${N} steady=${M} at ${RATE}/s, batches of ${BATCH} (${C} in flight), baseline ${BASE_C} in flight, warm-up ${WARMUP}/path, ` +
      `database ${DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite'}; load average ${loadBefore.map((l) => fmt(l, 2)).join(' ')}`,
  );

  // 1. With DATABASE_URL: a fresh database on that server (dropped at the end).
  let databaseUrl: string | undefined;
  if (DATABASE_URL) {
    const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    cleanups.push({ name: 'admin connection', fn: () => admin.end({ timeout: 5 }) });
    const dbName = `touchpoint_bench_journeys_${run}`;
    await admin.unsafe(`create database ${dbName}`);
    cleanups.push({ name: `drop database ${dbName}`, fn: () => admin.unsafe(`drop database if exists ${dbName} with (force)`) });
    const url = new URL(DATABASE_URL);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    log(`database ${dbName} on ${url.host}`);
  }

  // 2. The sink, then the stack.
  const sink = await startSink();
  log(`SMTP sink on ${sink.url} (pid ${sink.pid})`);
  const [temporalPort, uiPort, httpPort] = await lib.freePorts(3);
  const stackEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(httpPort),
    DATA_DIR: join(tempDir, 'data'),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    SMTP_URL: sink.url,
    SMTP_POOL_SIZE: String(POOL),
    MAIL_FROM,
    QUIET_HOURS: 'off',
    FREQUENCY_CAP_PER_DAY: '0',
    FREQUENCY_CAP_PER_WEEK: '0',
    CAMPAIGN_RATE_LIMIT_EMAIL: '0',
    ...(CAMPAIGN_WORKER === 'on' ? { WORKER_WORKLOADS: 'journeys,maintenance' } : {}),
    // The bench's key makes tens of thousands of requests (one per customer created): no per-key limit.
    API_RATE_LIMIT_PER_SECOND: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  const stack = await startStack(stackEnv);
  const base = `http://127.0.0.1:${httpPort}`;
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const startupHwm = lib.procStatus(stack.pid)?.hwmMb ?? Number.NaN;
  /** A worker process beside the stack, on the same Temporal server and database (DATABASE_URL only). */
  const workerProcess = async (name: string, env: Record<string, string> = {}) =>
    lib.startWorkerProcess(
      root,
      {
        ...stackEnv,
        // Info until its ready line ("worker polling"); after it only warnings and errors are shown.
        LOG_LEVEL: 'info',
        TEMPORAL_ADDRESS: temporalAddress,
        DATABASE_URL: databaseUrl!,
        TRACKING_SECRET: readFileSync(join(stackEnv.DATA_DIR!, 'tracking-secret'), 'utf8').trim(),
        WORKER_WORKLOADS: 'journeys,campaigns,maintenance',
        ...env,
      },
      { log, cleanups, cleaningUp },
      name,
    );
  const campaignWorker = CAMPAIGN_WORKER === 'on' ? await workerProcess('campaign worker', { WORKER_WORKLOADS: 'campaigns' }) : undefined;
  if (campaignWorker) log(`campaign worker polling (pid ${campaignWorker.pid}): broadcasts run there`);
  log(`stack up (pid ${stack.pid}, ${fmt(startupHwm, 0)} MB peak RSS so far), API on ${base}, Temporal on ${temporalAddress} (${since()})`);

  // CPU seconds by process around each phase: the stack (API + worker), its Temporal dev server, this
  // process (the baseline's worker and client, the load generator), the sink.
  const temporalPid = lib.childPids('temporal', stack.pid)[0];
  const extraWorkers: number[] = [];
  const cpuNow = () => ({
    stack:
      lib.procCpuSeconds(stack.pid) +
      extraWorkers.reduce((sum, pid) => sum + lib.procCpuSeconds(pid), 0) +
      (campaignWorker ? lib.procCpuSeconds(campaignWorker.pid) : 0),
    temporal: temporalPid ? lib.procCpuSeconds(temporalPid) : Number.NaN,
    bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    sink: lib.procCpuSeconds(sink.pid),
  });
  type Cpu = ReturnType<typeof cpuNow>;
  const cpuSince = (a: Cpu): Cpu => {
    const b = cpuNow();
    return { stack: b.stack - a.stack, temporal: b.temporal - a.temporal, bench: b.bench - a.bench, sink: b.sink - a.sink };
  };
  const cpuText = (c: Cpu, emails: number) =>
    (Object.keys(c) as Array<keyof Cpu>).map((k) => `${k} ${fmt((c[k] / emails) * 1000, 2)}`).join(', ') +
    ` (total ${fmt(((c.stack + c.temporal + c.bench + c.sink) / emails) * 1000, 2)} ms of CPU per email)`;

  // 3. The baseline's worker and client, against the same Temporal server.
  const config = loadConfig(stackEnv);
  const email = createEmailChannel({ smtpUrl: sink.url, from: MAIL_FROM, poolSize: POOL });
  cleanups.push({ name: 'baseline transport', fn: () => email.close() });
  const welcomeStep = defaultJourneyConfigs.welcome![0] as EmailStep;
  const activities: BaselineActivities = {
    async sendWelcome(recipient, eventId) {
      const vars = { brand: config.brand, customer: { id: recipient.customerId, email: recipient.email, name: recipient.name } };
      const content = {
        subject: renderTemplate(welcomeStep.template.subject, vars, 'text'),
        html: renderTemplate(welcomeStep.template.html, vars, 'html'),
        text: renderTemplate(welcomeStep.template.text, vars, 'text'),
      };
      const key = `baseline/${run}/${recipient.customerId}/${eventId}`;
      const sent = await email.send(
        {
          channel: 'email',
          idempotency_key: key,
          customer_id: recipient.customerId,
          to: recipient.email,
          content,
          source: { journey: 'baseline', version: null, step: 'welcome', workflow_id: key },
        },
        { messageId: key },
      );
      if (sent.outcome !== 'sent') throw new Error(`baseline send ${sent.outcome}: ${'error' in sent ? sent.error : ''}`);
    },
  };
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  cleanups.push({ name: 'baseline worker connection', fn: () => nativeConnection.close() });
  const bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./journeys-baseline.workflow.ts', import.meta.url)),
    logger: new DefaultLogger('WARN'),
  });
  const baseWorker = await Worker.create({
    connection: nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: BASE_QUEUE,
    workflowBundle: bundle,
    activities,
    // The journeys' worker slots and cache (src/worker/create-worker.ts DEFAULT_SLOTS.journeys).
    maxConcurrentActivityTaskExecutions: DEFAULT_SLOTS.journeys.activities,
    maxConcurrentWorkflowTaskExecutions: DEFAULT_SLOTS.journeys.workflowTasks,
    maxCachedWorkflows: DEFAULT_SLOTS.journeys.cachedWorkflows,
  });
  const baseWorkerRun = baseWorker.run();
  cleanups.push({
    name: 'baseline worker',
    fn: async () => {
      if (baseWorker.getState() === 'RUNNING') baseWorker.shutdown();
      await baseWorkerRun;
    },
  });
  const connection = await Connection.connect({ address: temporalAddress });
  cleanups.push({ name: 'Temporal client', fn: () => connection.close() });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  log(`baseline worker polling ${BASE_QUEUE} (${since()})`);

  // Customers: every group's own mail domain, so the sink's counts tell the groups apart.
  const domainOf = (group: string) => `${group}-${run}.bench.localhost`;
  const customerId = (group: string, i: number) => `bench-${run}-${group}-${i}`;
  const addressOf = (group: string, i: number) => `c${i}@${domainOf(group)}`;
  const nameOf = (i: number) => `Ada ${i}`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` };
  async function request(method: string, path: string, body: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, text: await res.text() };
  }
  const groups = {
    warmJourney: 'warm-journey',
    journey: 'journey',
    warmBaseline: 'warm-baseline',
    baseline: 'baseline',
    steady: 'steady',
    ...(OUTAGE ? { journeyOutage: 'journey-outage' } : {}),
    ...(BROADCAST ? { broadcastAlone: 'broadcast-alone', broadcastDuring: 'broadcast-during', journeyBeside: 'journey-beside' } : {}),
    ...(WORKERS > 1 ? { journeyScaled: 'journey-scaled' } : {}),
  };
  const sizes: Record<string, number> = {
    [groups.warmJourney]: WARMUP,
    [groups.journey]: N,
    [groups.warmBaseline]: WARMUP,
    [groups.baseline]: N,
    [groups.steady]: M,
    ...(groups.journeyOutage ? { [groups.journeyOutage]: OUTAGE } : {}),
    ...(groups.broadcastAlone
      ? { [groups.broadcastAlone]: BROADCAST, [groups.broadcastDuring!]: BROADCAST, [groups.journeyBeside!]: N }
      : {}),
    ...(groups.journeyScaled ? { [groups.journeyScaled]: N } : {}),
  };
  /** A broadcast group's customers carry its name as their tag: the campaign's audience. */
  const broadcastGroups = new Set([groups.broadcastAlone, groups.broadcastDuring].filter(Boolean));
  const customerGroups = Object.values(groups).filter((g) => g !== groups.warmBaseline && g !== groups.baseline);
  for (const group of customerGroups) {
    const r = await lib.runPool(sizes[group]!, 16, async (i) => {
      const { status, text } = await request('PUT', `/api/customers/${encodeURIComponent(customerId(group, i))}`, {
        email: addressOf(group, i),
        name: nameOf(i),
        ...(broadcastGroups.has(group) ? { tags: [`${group}-${run}`] } : {}),
      });
      if (status !== 201 && status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
    });
    if (r.failures.length) throw new Error(`creating ${group} customers: ${lib.summariseFailures(r.failures).join('; ')}`);
    log(`created ${sizes[group]} ${group} customers in ${fmt(r.elapsedMs / 1000, 1)} s`);
  }

  const requestFailures: string[] = [];
  const eventOf = (group: string, i: number) => ({
    id: `evt-${run}-${group}-${i}`,
    type: 'user_signup',
    customerId: customerId(group, i),
    properties: { source: 'bench' },
  });
  /** Throws unless 202 with `accepted` for every event of the request. */
  const checkAccepted = (res: lib.HttpResponse) => {
    if ('error' in res) throw new Error(res.error);
    if (res.status !== 202) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 300)}`);
    const results = (JSON.parse(res.text) as { results?: Array<{ status: string }> }).results ?? [];
    const bad = results.filter((r) => r.status !== 'accepted');
    if (bad.length) throw new Error(`${bad.length} events not accepted (first: ${bad[0]!.status})`);
  };
  const load = lib.startHttpLoad(base, REQUEST_TIMEOUT_MS, { authorization: `Bearer ${stack.apiKey}` });
  cleanups.push({ name: 'load generator', fn: () => load.close() });
  /** `count` signups of `group` in batches of BATCH, C requests in flight; each request's answer time. */
  async function burst(group: string, count: number): Promise<lib.PoolResult> {
    const requests: lib.HttpRequestSpec[] = [];
    for (let from = 0; from < count; from += BATCH) {
      const events = Array.from({ length: Math.min(BATCH, count - from) }, (_, k) => eventOf(group, from + k));
      requests.push({ method: 'POST', path: '/api/events', body: events });
    }
    const r = await load.run(requests, C, checkAccepted);
    for (const line of lib.summariseFailures(r.failures)) requestFailures.push(`${group}: ${line}`);
    return r;
  }

  /** Signs up `count` baseline customers: signalWithStart from here, BASE_C in flight. */
  async function baselineBurst(group: string, count: number): Promise<lib.PoolResult> {
    const r = await lib.runPool(count, BASE_C, async (i) => {
      const recipient: BaselineRecipient = { customerId: customerId(group, i), email: addressOf(group, i), name: nameOf(i) };
      await client.workflow.signalWithStart<typeof baselineWelcome, [{ eventId: string }]>('baselineWelcome', {
        workflowId: `bench-baseline-${run}-${group}-${i}`,
        taskQueue: BASE_QUEUE,
        args: [recipient],
        signal: 'signup',
        signalArgs: [{ eventId: `evt-${run}-${group}-${i}` }],
      });
    });
    for (const line of lib.summariseFailures(r.failures)) requestFailures.push(`${group}: ${line}`);
    return r;
  }

  /** Waits (bounded) until `count` distinct addresses of `group` got mail; the last one's arrival time. */
  async function awaitMail(group: string, count: number) {
    const suffix = `@${domainOf(group)}`;
    let last = { distinct: 0, messages: 0, lastFirstAt: 0 };
    const { waitedMs } = await lib.pollUntil(async () => (last = await sink.count(suffix)).distinct, count, MAIL_TIMEOUT_MS, 100);
    if (last.distinct < count) log(`${group}: only ${last.distinct}/${count} recipients got mail after ${fmt(waitedMs / 1000, 0)} s`);
    return last;
  }

  type Timed = { seconds: number; rate: number; got: number };
  /** Waits for `count` recipients of `group` (as awaitMail): the time from `at` to the last one's mail, and the rate. */
  async function timedMail(group: string, count: number, at: number): Promise<Timed> {
    const mail = await awaitMail(group, count);
    const seconds = (mail.lastFirstAt - at) / 1000;
    return { seconds, rate: mail.distinct === count ? count / seconds : Number.NaN, got: mail.distinct };
  }

  // --- Untimed warm-up of both paths (JIT, connections, workflow caches, the SMTP pools). ---
  await burst(groups.warmJourney, WARMUP);
  await baselineBurst(groups.warmBaseline, WARMUP);
  await awaitMail(groups.warmJourney, WARMUP);
  await awaitMail(groups.warmBaseline, WARMUP);
  log(`warm-up done (${since()})`);

  // --- Burst through the journeys. ---
  const load0 = loadavg()[0]!;
  const cpu0 = cpuNow();
  let started = wallNow();
  const journeyAnswers = await burst(groups.journey, N);
  log(
    `journeys: ${N} events answered in ${fmt(journeyAnswers.elapsedMs / 1000, 2)} s (${journeyAnswers.latencies.length} requests); waiting for the welcome emails…`,
  );
  const journeyMail = await awaitMail(groups.journey, N);
  const journeySeconds = (journeyMail.lastFirstAt - started) / 1000;
  const journeyRate = journeyMail.distinct === N ? N / journeySeconds : Number.NaN;
  const journeyCpu = cpuSince(cpu0);
  log(
    `journeys: ${journeyMail.distinct}/${N} first emails, the last ${fmt(journeySeconds, 1)} s after the first request (${fmt(journeyRate)}/s) [${since()}]`,
  );

  // --- Burst through the minimal workflow. ---
  const load1 = loadavg()[0]!;
  const cpu1 = cpuNow();
  started = wallNow();
  const baselineStarts = await baselineBurst(groups.baseline, N);
  log(`baseline: ${N} signalWithStart in ${fmt(baselineStarts.elapsedMs / 1000, 2)} s; waiting for the emails…`);
  const baselineMail = await awaitMail(groups.baseline, N);
  const baselineSeconds = (baselineMail.lastFirstAt - started) / 1000;
  const baselineRate = baselineMail.distinct === N ? N / baselineSeconds : Number.NaN;
  const baselineCpu = cpuSince(cpu1);
  log(
    `baseline: ${baselineMail.distinct}/${N} emails, the last ${fmt(baselineSeconds, 1)} s after the first start (${fmt(baselineRate)}/s) [${since()}]`,
  );

  // --- Steady rate: one signup per request, every 1/RATE s, from here. ---
  const load2 = loadavg()[0]!;
  const sentAt = new Array<number>(M);
  const steadyAnswers: number[] = [];
  let steadyWorkflowId: string | undefined;
  const steadyStart = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < M; i++) {
    const due = steadyStart + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await lib.sleep(wait);
    sentAt[i] = wallNow();
    inFlight.push(
      request('POST', '/api/events', eventOf(groups.steady, i)).then(
        (res) => {
          steadyAnswers.push(wallNow() - sentAt[i]!);
          try {
            checkAccepted(res);
            steadyWorkflowId ??= (JSON.parse(res.text) as { results: Array<{ journeys?: Array<{ workflowId: string }> }> }).results[0]
              ?.journeys?.[0]?.workflowId;
          } catch (err) {
            requestFailures.push(`steady #${i}: ${(err as Error).message}`);
          }
        },
        (err: Error) => void requestFailures.push(`steady #${i}: ${err.message}`),
      ),
    );
  }
  await Promise.all(inFlight);
  const steadySendSeconds = (performance.now() - steadyStart) / 1000;
  await awaitMail(groups.steady, M);
  const steadyMail = await sink.recipients(`@${domainOf(groups.steady)}`);
  const steadyLatencies = Array.from(
    { length: M },
    (_, i) => (steadyMail.get(addressOf(groups.steady, i))?.firstAt ?? Number.NaN) - sentAt[i]!,
  ).filter(Number.isFinite);
  log(`steady: ${M} signups sent in ${fmt(steadySendSeconds, 1)} s; ${steadyLatencies.length} first emails [${since()}]`);

  // --- Optional: Temporal down while a burst is ingested; every journey mailed once when it is back. ---
  let outage: { answers: lib.PoolResult; backlog: string; resumedToLast: number; got: number } | undefined;
  if (groups.journeyOutage) {
    if (!temporalPid) throw new Error('--outage: the dev server process was not found');
    process.kill(temporalPid, 'SIGSTOP');
    cleanups.push({ name: 'Temporal resumed', fn: () => process.kill(temporalPid, 'SIGCONT') });
    log(`Temporal dev server stopped (SIGSTOP, pid ${temporalPid}); ${OUTAGE} signups in batches of ${BATCH}…`);
    const answers = await burst(groups.journeyOutage, OUTAGE);
    log(`outage: ${OUTAGE} events answered in ${fmt(answers.elapsedMs / 1000, 2)} s; holding the outage ${OUTAGE_HOLD_MS / 1000} s more`);
    await lib.sleep(OUTAGE_HOLD_MS);
    const backlog = await request('GET', '/api/events/backlog', undefined);
    process.kill(temporalPid, 'SIGCONT');
    const resumedAt = wallNow();
    log(`Temporal resumed (SIGCONT); backlog before: ${backlog.text}`);
    const mail = await awaitMail(groups.journeyOutage, OUTAGE);
    outage = { answers, backlog: backlog.text, resumedToLast: (mail.lastFirstAt - resumedAt) / 1000, got: mail.distinct };
    log(`outage: ${mail.distinct}/${OUTAGE} first emails, the last ${fmt(outage.resumedToLast, 1)} s after Temporal resumed [${since()}]`);
  }

  // --- Optional: a broadcast alone, then one beside a signup burst. ---
  /** Creates and triggers an email campaign to `group`'s tag; resolves when all its recipients got mail. */
  async function broadcast(group: string): Promise<Timed> {
    const count = sizes[group]!;
    const created = await request('POST', '/api/marketing/campaigns', {
      name: `Bench ${group} ${run}`,
      type: 'email',
      target_tags: [`${group}-${run}`],
      content: { subject: 'News for {{ customer.first_name }}', text: 'Hello {{ customer.first_name }}, here is our news.' },
    });
    if (created.status !== 201) throw new Error(`creating the ${group} campaign: HTTP ${created.status}: ${created.text.slice(0, 300)}`);
    const { id } = JSON.parse(created.text) as { id: string };
    const at = wallNow();
    const triggered = await request('POST', `/api/marketing/campaigns/${encodeURIComponent(id)}/trigger`, { execution_type: 'actual' });
    if (triggered.status !== 202) {
      throw new Error(`triggering the ${group} campaign: HTTP ${triggered.status}: ${triggered.text.slice(0, 300)}`);
    }
    return timedMail(group, count, at);
  }
  let broadcastAlone: Timed | undefined;
  let broadcastDuring: Timed | undefined;
  let burstBeside: Timed | undefined;
  if (groups.broadcastAlone && groups.broadcastDuring && groups.journeyBeside) {
    broadcastAlone = await broadcast(groups.broadcastAlone);
    log(
      `broadcast alone: ${broadcastAlone.got}/${BROADCAST} in ${fmt(broadcastAlone.seconds, 1)} s (${fmt(broadcastAlone.rate)}/s) [${since()}]`,
    );
    const besideStart = wallNow();
    const besideBurst = burst(groups.journeyBeside, N);
    broadcastDuring = await broadcast(groups.broadcastDuring);
    await besideBurst;
    burstBeside = await timedMail(groups.journeyBeside, N, besideStart);
    log(
      `broadcast beside a burst of ${N}: ${broadcastDuring.got}/${BROADCAST} in ${fmt(broadcastDuring.seconds, 1)} s (${fmt(broadcastDuring.rate)}/s); ` +
        `the burst's ${burstBeside.got} first emails in ${fmt(burstBeside.seconds, 1)} s (${fmt(burstBeside.rate)}/s) [${since()}]`,
    );
  }

  // --- Optional: more worker processes against the same server and database, and a burst of N more signups. ---
  let scaled: (Timed & { cpu: Cpu }) | undefined;
  if (groups.journeyScaled && databaseUrl) {
    for (let w = 2; w <= WORKERS; w++) {
      const worker = await workerProcess(`worker ${w}`, CAMPAIGN_WORKER === 'on' ? { WORKER_WORKLOADS: 'journeys,maintenance' } : {});
      extraWorkers.push(worker.pid);
      log(`worker ${w} polling (pid ${worker.pid}) [${since()}]`);
    }
    const cpu = cpuNow();
    const at = wallNow();
    await burst(groups.journeyScaled, N);
    scaled = { ...(await timedMail(groups.journeyScaled, N, at)), cpu: cpuSince(cpu) };
    log(`journeys on ${WORKERS} worker processes: ${scaled.got}/${N} in ${fmt(scaled.seconds, 1)} s (${fmt(scaled.rate)}/s) [${since()}]`);
  }

  // --- One history of each path: what a first email costs in Temporal (events, workflow tasks, activities). ---
  async function historyOf(workflowId: string | undefined): Promise<string> {
    if (!workflowId) return 'n/a';
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const activities = new Map<string, number>();
    let workflowTasks = 0;
    for (const e of events) {
      if (e.workflowTaskScheduledEventAttributes) workflowTasks++;
      const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type) activities.set(type, (activities.get(type) ?? 0) + 1);
    }
    const acts = [...activities].map(([t, n]) => `${t}×${n}`).join(', ');
    return `${events.length} events so far, ${workflowTasks} workflow tasks, activities: ${acts || 'none'}`;
  }
  const journeyHistory = await historyOf(steadyWorkflowId).catch((err: Error) => `n/a (${err.message})`);
  const baselineHistory = await historyOf(`bench-baseline-${run}-${groups.baseline}-0`).catch((err: Error) => `n/a (${err.message})`);

  // --- Correctness: exactly one email per customer, per group (no stranger in a group's domain either). ---
  // A short pause first, so a duplicate on its way is counted.
  await lib.sleep(2000);
  const peak = lib.procStatus(stack.pid);
  const loadAfter = loadavg();
  const verdicts: Array<{ group: string; expected: number; none: number; duplicated: number; strangers: number; messages: number }> = [];
  for (const group of Object.values(groups)) {
    const got = await sink.recipients(`@${domainOf(group)}`);
    const expected = sizes[group]!;
    let none = 0;
    let duplicated = 0;
    let messages = 0;
    const known = new Set<string>();
    for (let i = 0; i < expected; i++) {
      const address = addressOf(group, i);
      known.add(address);
      const n = got.get(address)?.count ?? 0;
      if (n === 0) none++;
      if (n > 1) duplicated++;
    }
    for (const [address, r] of got) {
      messages += r.count;
      if (!known.has(address)) duplicated++;
    }
    verdicts.push({ group, expected, none, duplicated, strangers: [...got.keys()].filter((a) => !known.has(a)).length, messages });
  }
  const correct = verdicts.every((v) => v.none === 0 && v.duplicated === 0) && requestFailures.length === 0;

  // --- Report ---
  const ratio = journeyRate / baselineRate;
  const steadyP99 = percentile(steadyLatencies, 99);
  const rows: string[][] = [
    ['figure', 'value', 'target'],
    ['journeys: burst rate (N / first request → last first email)', `${fmt(journeyRate)} emails/s (${fmt(journeySeconds, 1)} s)`, ''],
    ['baseline: burst rate (N / first start → last email)', `${fmt(baselineRate)} emails/s (${fmt(baselineSeconds, 1)} s)`, ''],
    ['ratio journeys / baseline', fmt(ratio, 2), `>= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'PASS' : 'MISS'}`],
    [
      `ingest answer time, batches of ${BATCH} (${journeyAnswers.latencies.length} requests, ${C} in flight)`,
      `p50 ${fmt(percentile(journeyAnswers.latencies, 50), 0)} ms, p99 ${fmt(percentile(journeyAnswers.latencies, 99), 0)} ms, max ${fmt(Math.max(...journeyAnswers.latencies), 0)} ms`,
      '',
    ],
    [
      'journeys: all N events answered in',
      `${fmt(journeyAnswers.elapsedMs / 1000, 2)} s (${fmt(N / (journeyAnswers.elapsedMs / 1000))} events/s)`,
      '',
    ],
    ['baseline: all N signalWithStart in', `${fmt(baselineStarts.elapsedMs / 1000, 2)} s (${BASE_C} in flight)`, ''],
    [
      `steady: event → first email (${M} at ${RATE}/s)`,
      `p50 ${fmt(percentile(steadyLatencies, 50), 0)} ms, p99 ${fmt(steadyP99, 0)} ms, max ${fmt(Math.max(...steadyLatencies), 0)} ms`,
      `p99 < ${TARGET_P99_MS} ms: ${steadyP99 < TARGET_P99_MS ? 'PASS' : 'MISS'}`,
    ],
    ['steady: request answer time', `p50 ${fmt(percentile(steadyAnswers, 50), 1)} ms, p99 ${fmt(percentile(steadyAnswers, 99), 1)} ms`, ''],
    ['journeys: CPU ms per email, by process', cpuText(journeyCpu, N), ''],
    ...(outage
      ? [
          [
            `Temporal down: ${OUTAGE} events, batches of ${BATCH} (${outage.answers.latencies.length} requests, ${C} in flight)`,
            `answered in p50 ${fmt(percentile(outage.answers.latencies, 50), 0)} ms, p99 ${fmt(percentile(outage.answers.latencies, 99), 0)} ms, max ${fmt(Math.max(...outage.answers.latencies), 0)} ms; all in ${fmt(outage.answers.elapsedMs / 1000, 2)} s`,
            '',
          ],
          ['  backlog before Temporal resumed (GET /api/events/backlog)', outage.backlog, ''],
          [
            '  Temporal resumed → last first email',
            `${fmt(outage.resumedToLast, 1)} s (${fmt(outage.got / outage.resumedToLast)} emails/s)`,
            '',
          ],
        ]
      : []),
    ...(broadcastAlone && broadcastDuring && burstBeside
      ? [
          [
            `broadcast alone: ${BROADCAST} emails (${campaignWorker ? 'in a campaigns-only worker process' : 'in the stack process'})`,
            `${fmt(broadcastAlone.rate)} emails/s (${fmt(broadcastAlone.seconds, 1)} s)`,
            '',
          ],
          [
            `broadcast beside a burst of ${N} signups`,
            `${fmt(broadcastDuring.rate)} emails/s (${fmt(broadcastDuring.seconds, 1)} s): ${fmt(broadcastDuring.rate / broadcastAlone.rate, 2)} of alone`,
            '',
          ],
          [
            'that burst, beside the broadcast',
            `${fmt(burstBeside.rate)} emails/s: ${fmt(burstBeside.rate / journeyRate, 2)} of the first burst`,
            '',
          ],
        ]
      : []),
    ...(scaled
      ? [
          [
            `journeys on ${WORKERS} worker processes (the stack's + ${WORKERS - 1}): burst rate`,
            `${fmt(scaled.rate)} emails/s (${fmt(scaled.seconds, 1)} s): speed-up ${fmt(scaled.rate / journeyRate, 2)}× over one`,
            '',
          ],
          [`  CPU ms per email, by process (stack: all ${WORKERS})`, cpuText(scaled.cpu, N), ''],
        ]
      : []),
    ['baseline: CPU ms per email, by process', cpuText(baselineCpu, N), ''],
    ["a welcome journey's history (steady #0)", journeyHistory, ''],
    ["a baseline workflow's history", baselineHistory, ''],
    [
      'stack process (API + worker) peak RSS (VmHWM)',
      `${fmt(peak?.hwmMb ?? Number.NaN, 0)} MB (${fmt(startupHwm, 0)} MB once started; VmRSS now ${fmt(peak?.rssMb ?? Number.NaN, 0)} MB)`,
      '',
    ],
    [
      'load average (1, 5, 15 min)',
      `before ${loadBefore.map((l) => fmt(l, 2)).join(' ')}; after ${loadAfter.map((l) => fmt(l, 2)).join(' ')}`,
      `1-min at each phase's start: burst ${fmt(load0, 2)}, baseline ${fmt(load1, 2)}, steady ${fmt(load2, 2)}`,
    ],
    ...verdicts.map((v) => [
      `emails per recipient: ${v.group}`,
      `${v.messages} messages; ${v.expected - v.none}/${v.expected} got one or more; ${v.none} got none; ${v.duplicated} more than one${v.strangers ? ` (${v.strangers} unknown addresses)` : ''}`,
      v.none === 0 && v.duplicated === 0 ? 'ok' : 'FAIL',
    ]),
    ['failed requests', String(requestFailures.length), requestFailures.length === 0 ? 'ok' : 'FAIL'],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
  table.splice(1, 0, `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  console.log(
    [
      '',
      `Touchpoint journeys bench, ${new Date().toISOString()}: N=${N}, steady ${M} at ${RATE}/s, batches of ${BATCH}, ${C} in flight; ` +
        `embedded stack (${DATABASE_URL ? 'PostgreSQL' : 'PGlite'}), SMTP pool ${POOL}, sink in its own process; ${lib.cpuCount()} cores`,
      ...table,
      ...requestFailures.slice(0, 10).map((l) => `  ${l}`),
      `CORRECTNESS: ${correct ? 'ok (exactly one first email per customer, every request accepted)' : 'FAILED'}`,
      `total run time: ${since()}`,
    ].join('\n'),
  );
  if (!correct) exitCode = 1;
} catch (err) {
  exitCode = 1;
  console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  log('shutting down…');
  await cleanup();
  log(`stopped (${since()})`);
}
process.exit(exitCode);
