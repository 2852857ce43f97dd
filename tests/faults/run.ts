// `npm run test:faults [-- --only worker-sigkill,pg-stop --broadcast 2000 --journeys 500 --outage 30 --rate 100]`
//
// Never lose, never duplicate, under faults, on real processes: a PostgreSQL cluster of the suite's own
// (initdb in a temp dir, its own port), a Temporal dev server on a file store, an SMTP server in its own
// process, the API (`src/main.ts api`) and a worker (`worker.ts`) as their own processes. Each scenario
// creates its own customers, triggers an email broadcast to `--broadcast` of them (rate-limited, so that
// the fault lands mid-way) and sends `user_signup` for `--journeys` others (in small batches over ~15 s,
// as a producer does, retrying each batch until it is answered 202), injects its fault once a quarter of
// the broadcast has arrived, lifts it, waits until every record is settled and the SMTP server has been
// quiet for a moment, and counts per recipient what the server accepted against what the records say.
// It prints expected / got 0 / got 1 / got >1 / uncertain / recovery (from the fault's end to the next
// accepted email) per scenario, and exits 1 on any loss, duplicate or record that disagrees with the
// server. An `uncertain` record (a worker killed between marking a message sending and recording the
// answer) is counted apart, with whether it arrived; it is a failure in any scenario where no worker died.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { resolveTemporalBinary } from '../../src/temporal/binaries.js';
import { type DevServer, startDevServer } from '../../src/temporal/dev-server.js';
import { writeWorkflowBundle } from '../../src/worker/bundle.js';
import { choiceKnob, intKnob, runPool, sleep } from '../../bench/lib.js';
import { startPgCluster } from '../helpers/pg-cluster.js';
import { type Env, type Proc, type Sink, stablePort, startApi, startSink, startWorker } from './processes.js';

const SCENARIOS = ['worker-sigkill', 'temporal-sigterm', 'temporal-sigkill', 'pg-stop', 'smtp-refuse', 'smtp-4xx-5xx', 'api-kill'] as const;
type Scenario = (typeof SCENARIOS)[number];

const argv = process.argv.slice(2);
const BROADCAST = intKnob(argv, 'broadcast', process.env.FAULTS_BROADCAST, 2000);
const JOURNEYS = intKnob(argv, 'journeys', process.env.FAULTS_JOURNEYS, 500);
const OUTAGE_S = intKnob(argv, 'outage', process.env.FAULTS_OUTAGE_S, 30);
const RATE = intKnob(argv, 'rate', process.env.FAULTS_RATE, 100);
const SETTLE_TIMEOUT_S = intKnob(argv, 'timeout', process.env.FAULTS_TIMEOUT_S, 600);
const onlyRaw = (() => {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return process.env.FAULTS_ONLY || '';
  return argv[i]!.includes('=') ? argv[i]!.split('=')[1]! : (argv[i + 1] ?? '');
})();
const only = onlyRaw
  ? onlyRaw.split(',').map((s) => choiceKnob(['--only', s], 'only', undefined, SCENARIOS, SCENARIOS[0]))
  : [...SCENARIOS];

const t0 = performance.now();
const log = (msg: string) => console.error(`[faults ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

// ---- the installation ----
const dir = mkdtempSync(join(tmpdir(), 'touchpoint-faults-'));
const logDir = join(dir, 'logs');
mkdirSync(logDir);
log(`working in ${dir} (process logs in ${logDir}); scenarios: ${only.join(', ')}`);
log(`broadcast ${BROADCAST} recipients at ${RATE}/s, ${JOURNEYS} welcome journeys, outages of ${OUTAGE_S} s`);

const pg = await startPgCluster({ port: await stablePort() });
const temporalPort = await stablePort();
const temporalOptions = {
  cliPath: resolveTemporalBinary('temporal', process.env.TEMPORAL_CLI_PATH),
  dbFile: join(dir, 'temporal.db'),
  port: temporalPort,
  namespace: 'default',
  startupTimeoutMs: 90_000,
};
let temporal: DevServer = await startDevServer(temporalOptions);
const sink: Sink = await startSink(await stablePort());
const env: Env = {
  temporalAddress: temporal.address,
  databaseUrl: pg.url,
  smtpUrl: sink.url,
  dataDir: join(dir, 'data'),
  bundlePath: await writeWorkflowBundle(join(dir, 'workflows.js')),
  apiPort: await stablePort(),
  logDir,
};
let api = await startApi(env);
let workers = 0;
let worker: Proc = await startWorker(env, ++workers);
const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
const base = `http://127.0.0.1:${env.apiPort}`;
log(`up: PostgreSQL :${pg.port}, Temporal ${temporal.address}, SMTP :${sink.port}, API ${base}, worker ${worker.child.pid}`);

/** One API call; network errors and 5xx are retried (the producer's side of at-least-once). */
async function call(method: string, path: string, body?: unknown, retries = { n: 0 }): Promise<any> {
  for (;;) {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${api.key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (res.status < 500) {
        if (res.status >= 400) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
        return text ? JSON.parse(text) : null;
      }
    } catch (err) {
      if (err instanceof Error && err.message.startsWith(`${method} ${path}: HTTP 4`)) throw err;
    }
    retries.n++;
    await sleep(500);
  }
}

/** Polls `check` every 250 ms until it returns something other than null, or fails after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | null = null;
    try {
      value = await check();
    } catch {
      // the thing checked is away during a fault: ask again
    }
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

interface Row {
  scenario: Scenario;
  expected: number;
  got0: number;
  got1: number;
  gotMore: number;
  refused: number;
  /** Records the fence marked sending whose sender died before recording the answer (never sent again). */
  uncertain: number;
  /** Of those, how many the SMTP server had accepted. */
  uncertainArrived: number;
  retried: number;
  /** From the fault's end to the next email accepted (the API: to its next answer to the producer). */
  recoveryS: number | null;
  /** From the fault's end until every record was settled. */
  doneS: number | null;
  totalS: number;
  problems: string[];
}

// ---- one scenario ----
async function runScenario(name: Scenario): Promise<Row> {
  const started = performance.now();
  const startedAt = Date.now();
  const tag = `faults-${name}`;
  // Recipients the SMTP server refuses for good (550) or first answers 451 are marked in their address.
  const local = (kind: 'b' | 'j', i: number) => {
    if (name !== 'smtp-4xx-5xx') return `${kind}${i}`;
    if (i % 40 === 7) return `hard-${kind}${i}`;
    if (i % 10 === 3) return `soft-${kind}${i}`;
    return `${kind}${i}`;
  };
  const people = [
    ...Array.from({ length: BROADCAST }, (_, i) => ({
      id: `${name}-b${i}`,
      email: `${local('b', i)}@${name}.faults.localhost`,
      kind: 'b',
    })),
    ...Array.from({ length: JOURNEYS }, (_, i) => ({ id: `${name}-j${i}`, email: `${local('j', i)}@${name}.faults.localhost`, kind: 'j' })),
  ];
  const permanent = (email: string) => email.startsWith('hard-');
  await sink.rules(name === 'smtp-4xx-5xx' ? { permanent: '^hard-', transient: '^soft-' } : {});

  log(`${name}: ${people.length} customers…`);
  await runPool(people.length, 16, async (i) => {
    const p = people[i]!;
    await call('PUT', `/api/customers/${encodeURIComponent(p.id)}`, { email: p.email, tags: p.kind === 'b' ? [tag] : [] });
  });
  const campaign = await call('POST', '/api/marketing/campaigns', {
    name: `${tag} ${new Date().toISOString()}`,
    type: 'email',
    target_tags: [tag],
    content: { subject: `Faults: ${name}`, text: 'Hello {{ customer.email }}' },
    rate_limit: RATE,
  });
  const trigger = await call('POST', `/api/marketing/campaigns/${campaign.id}/trigger`, { execution_type: 'actual' });
  const executionId: string = trigger.execution_id;
  log(`${name}: campaign ${campaign.id} triggered (execution ${executionId}); signups go out in batches`);

  // The producer: signups in batches of 10 every 300 ms, each batch sent again until answered.
  const journeyPeople = people.filter((p) => p.kind === 'j');
  const retries = { n: 0 };
  let posted = 0;
  let lastAnswerAt = 0;
  const producer = (async () => {
    for (let i = 0; i < journeyPeople.length; i += 10) {
      const batch = journeyPeople.slice(i, i + 10).map((p) => ({ id: `evt-${p.id}`, type: 'user_signup', customerId: p.id }));
      const answer = await call('POST', '/api/events', batch, retries);
      const bad = (answer.results as Array<{ status: string }>).filter((r) => r.status !== 'accepted' && r.status !== 'duplicate');
      if (bad.length) throw new Error(`events refused: ${JSON.stringify(bad)}`);
      posted += batch.length;
      lastAnswerAt = Date.now();
      await sleep(300);
    }
  })();

  // The fault, once a quarter of the broadcast arrived (the API's: once a third of the signups went out).
  const domain = `@${name}.faults.localhost`;
  const arrived = async () => {
    const { counts } = await sink.stats();
    return Object.entries(counts).filter(([to]) => to.startsWith('b') && to.endsWith(domain)).length;
  };
  if (name === 'api-kill') await until('a third of the signups posted', async () => (posted >= JOURNEYS / 3 ? true : null), 120_000);
  else await until('a quarter of the broadcast', async () => ((await arrived()) >= BROADCAST / 4 ? true : null), 300_000);
  const faultAt = Date.now();
  log(`${name}: fault (${await arrived()} of the broadcast and ${posted} signups so far)`);
  let recoveredAt: number;
  switch (name) {
    case 'worker-sigkill':
      await worker.kill('SIGKILL');
      await sleep(2000);
      worker = await startWorker(env, ++workers);
      recoveredAt = Date.now();
      break;
    case 'temporal-sigterm':
    case 'temporal-sigkill':
      await temporal.kill(name === 'temporal-sigterm' ? 'SIGTERM' : 'SIGKILL');
      await sleep(10_000);
      temporal = await startDevServer(temporalOptions);
      recoveredAt = Date.now();
      break;
    case 'pg-stop':
      pg.stop();
      await sleep(OUTAGE_S * 1000);
      pg.start();
      recoveredAt = Date.now();
      break;
    case 'smtp-refuse':
      await sink.refuse(true);
      await sleep(OUTAGE_S * 1000);
      await sink.refuse(false);
      recoveredAt = Date.now();
      break;
    case 'api-kill':
      await api.kill('SIGKILL');
      await sleep(3000);
      api = await startApi(env);
      recoveredAt = Date.now();
      break;
    case 'smtp-4xx-5xx':
      // The fault is the answers themselves, from the start.
      recoveredAt = faultAt;
      break;
  }
  log(`${name}: fault lifted after ${((recoveredAt - faultAt) / 1000).toFixed(1)} s`);
  // Recovery, for the API: until it answered the producer again.
  const apiBack =
    name === 'api-kill'
      ? await until('an answer to the producer', async () => (lastAnswerAt > recoveredAt ? lastAnswerAt : null), 120_000)
      : 0;
  await producer;

  // Settled: the broadcast's execution completed and every customer's record is out of `pending`.
  const ids = people.map((p) => p.id);
  let lastLog = 0;
  const settle = { broadcastAt: 0, journeysAt: 0 };
  await until(
    'every record settled and the broadcast completed',
    async () => {
      const status = await call('GET', `/api/marketing/campaigns/${campaign.id}/status?execution_id=${executionId}`);
      const [row] = await sql<{ b: number; j: number }[]>`
        select count(*) filter (where campaign_id = ${campaign.id})::int as b,
               count(*) filter (where workflow_id like 'welcome/%')::int as j
        from messages where customer_id = any(${ids}) and status <> 'pending' and (campaign_id = ${campaign.id} or workflow_id like 'welcome/%')`;
      const completed = status.execution?.state === 'completed' && row!.b >= BROADCAST;
      if (completed && !settle.broadcastAt) settle.broadcastAt = performance.now();
      if (row!.j >= JOURNEYS && !settle.journeysAt) settle.journeysAt = performance.now();
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        log(`${name}: settled: broadcast ${row!.b}/${BROADCAST} (${status.execution?.state}), journeys ${row!.j}/${JOURNEYS}`);
      }
      return settle.broadcastAt && settle.journeysAt ? true : null;
    },
    SETTLE_TIMEOUT_S * 1000,
  );
  log(
    `${name}: broadcast done ${((settle.broadcastAt - started) / 1000).toFixed(0)} s, journeys ${((settle.journeysAt - started) / 1000).toFixed(0)} s after the scenario began`,
  );
  // Then quiet: nothing arrives for 3 s (a stray second attempt would still be sending).
  let last = -1;
  await until(
    'the SMTP server to be quiet for 3 s',
    async () => {
      const { accepted } = await sink.stats();
      const quiet = accepted === last;
      last = accepted;
      if (!quiet) await sleep(2750);
      return quiet ? true : null;
    },
    120_000,
  );

  // ---- the count ----
  const { counts } = await sink.stats();
  const records = await sql<{ customer_id: string; status: string; recipient: string | null; n: number }[]>`
    select customer_id, status, recipient, count(*) over (partition by customer_id)::int as n from messages
    where customer_id = any(${ids}) and (campaign_id = ${campaign.id} or workflow_id like 'welcome/%')`;
  const recordOf = new Map(records.map((r) => [r.customer_id, r]));
  const row: Row = {
    scenario: name,
    expected: 0,
    got0: 0,
    got1: 0,
    gotMore: 0,
    refused: 0,
    uncertain: 0,
    uncertainArrived: 0,
    retried: retries.n,
    recoveryS: null,
    doneS: null,
    totalS: 0,
    problems: [],
  };
  const problem = (text: string) => row.problems.length < 20 && row.problems.push(text);
  for (const p of people) {
    const got = counts[p.email.toLowerCase()] ?? 0;
    const rec = recordOf.get(p.id);
    if (permanent(p.email)) {
      row.refused++;
      if (got > 0) problem(`${p.email}: refused for good, yet accepted ${got}×`);
      if (rec?.status !== 'failed') problem(`${p.email}: refused for good, record ${rec?.status ?? 'missing'}`);
      continue;
    }
    row.expected++;
    if (rec?.status === 'uncertain' && rec.n === 1 && got <= 1) {
      // The worker died between the fence and the record: the record says so, and the message is not sent
      // again (docs/reliability.md). Whether it arrived depends on whether the end of DATA left the machine.
      row.uncertain++;
      if (got === 1) row.uncertainArrived++;
      if (name !== 'worker-sigkill') problem(`${p.email}: uncertain, but no sender died in this scenario`);
      continue;
    }
    if (got === 0) row.got0++;
    else if (got === 1) row.got1++;
    else row.gotMore++;
    if (got === 0) problem(`${p.email}: never arrived (record ${rec?.status ?? 'missing'})`);
    if (got > 1) problem(`${p.email}: arrived ${got}× (record ${rec?.status ?? 'missing'})`);
    if (!rec) problem(`${p.email}: no record`);
    else if (rec.n !== 1) problem(`${p.email}: ${rec.n} records`);
    else if (rec.status !== 'sent') problem(`${p.email}: arrived ${got}×, record ${rec.status}`);
  }
  // At most the sends in flight when the worker died can be in that window.
  if (row.uncertain > 20) problem(`${row.uncertain} uncertain records: more than one worker's sends in flight`);
  const firstAfter = name === 'api-kill' ? apiBack : await sink.firstAfter(recoveredAt);
  row.recoveryS = name === 'smtp-4xx-5xx' || firstAfter === null ? null : (firstAfter - recoveredAt) / 1000;
  row.doneS = (Math.max(settle.broadcastAt, settle.journeysAt) - started) / 1000 - (recoveredAt - startedAt) / 1000;
  row.totalS = (performance.now() - started) / 1000;
  log(
    `${name}: expected ${row.expected}, got 0: ${row.got0}, got 1: ${row.got1}, got >1: ${row.gotMore}, refused ${row.refused}, ` +
      `uncertain ${row.uncertain} (${row.uncertainArrived} arrived)${row.problems.length ? `; PROBLEMS:\n  ${row.problems.join('\n  ')}` : ''}`,
  );
  return row;
}

// ---- the run ----
const rows: Row[] = [];
let failed = false;
try {
  for (const name of only) {
    try {
      rows.push(await runScenario(name));
    } catch (err) {
      failed = true;
      log(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      rows.push({
        scenario: name,
        expected: BROADCAST + JOURNEYS,
        got0: Number.NaN,
        got1: Number.NaN,
        gotMore: Number.NaN,
        refused: 0,
        uncertain: 0,
        uncertainArrived: 0,
        retried: 0,
        recoveryS: null,
        doneS: null,
        totalS: 0,
        problems: [(err as Error).message],
      });
      break;
    }
  }
} finally {
  await sql.end({ timeout: 1 }).catch(() => {});
  await api.kill('SIGTERM').catch(() => {});
  await worker.kill('SIGTERM').catch(() => {});
  await temporal.stop().catch(() => {});
  sink.close();
  pg.destroy();
}

const cell = (n: number | null, digits = 0) => (n === null || Number.isNaN(n) ? '–' : n.toFixed(digits));
console.log('');
console.log(
  '| fault | expected | got 0 | got 1 | got >1 | refused (550) | uncertain (arrived) | producer retries | recovery | all settled | scenario time |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.expected} | ${cell(r.got0)} | ${cell(r.got1)} | ${cell(r.gotMore)} | ${r.refused} | ${r.uncertain} (${r.uncertainArrived}) | ${r.retried} | ` +
      `${r.recoveryS === null ? '–' : `${cell(r.recoveryS, 1)} s`} | ${r.doneS === null ? '–' : `${cell(r.doneS)} s`} | ${cell(r.totalS)} s |`,
  );
}
const bad = rows.filter((r) => r.problems.length > 0);
failed ||= bad.length > 0;
console.log('');
console.log(failed ? `FAILED: ${bad.map((r) => r.scenario).join(', ')}` : `ok: ${rows.length} scenarios, no message lost or duplicated`);
if (!failed) rmSync(dir, { recursive: true, force: true });
else console.log(`process logs kept in ${logDir}`);
process.exit(failed ? 1 : 0);
