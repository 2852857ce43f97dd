// `npm start` as a user runs it: one process tree with the embedded Temporal dev server (UI included),
// PGlite and the local mail capture. Signup → welcome email in the capture; Ctrl-C stops everything;
// a restart on the same data folder finds the journey still running.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, expect, it, onTestFailed } from 'vitest';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'touchpoint-embedded-'));
let running: ChildProcess | undefined;
/** What each started process printed, shown when the test fails (a hang otherwise says nothing). */
const outputs: Array<() => string> = [];

afterAll(() => {
  // The whole process group: a failed run must not leave its Temporal dev server behind.
  if (running?.pid && running.exitCode === null) process.kill(-running.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(ports: Record<string, number>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      PORT: String(ports.api),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      MAIL_CAPTURE_PORT: String(ports.smtp),
      LOG_LEVEL: 'warn',
      // The default quiet hours (21:00–08:00 in the customer's zone) would hold the campaign email whenever
      // the suite runs at night; pacing has tests of its own.
      QUIET_HOURS: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a failure can end everything it started.
    detached: true,
  });
  running = child;
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`exited early:\n${out}`);
      return out.includes('Ctrl-C stops everything.');
    },
    'the embedded stack to start',
    120_000,
  );
  outputs.push(() => out);
  return { child, exit, output: () => out };
}

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });

/** Ctrl-C, then the exit code; a process still running after `ms` fails the test with its output. */
async function stop(run: Awaited<ReturnType<typeof start>>, ms = 30_000): Promise<number | null> {
  run.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running ${ms} ms after Ctrl-C:\n${run.output()}`)), ms);
  });
  try {
    return await Promise.race([run.exit, late]);
  } finally {
    clearTimeout(timer);
  }
}

it('runs the product on embedded defaults, durably, and stops cleanly on Ctrl-C', async () => {
  onTestFailed(() => outputs.forEach((out, i) => console.error(`--- npm start #${i + 1} printed:\n${out()}`)));
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), smtp: await freePort() };
  const api = `http://127.0.0.1:${ports.api}`;
  const first = await start(ports);
  expect(first.output()).toContain(`API          ${api}`);
  expect(first.output()).toContain(`Dashboard    ${api}/app`);
  expect(first.output()).toContain(`Temporal UI  http://127.0.0.1:${ports.ui}`);
  expect(first.output()).toContain(`Mail capture smtp://127.0.0.1:${ports.smtp}`);
  // The key it printed (made on this first start, kept in DATA_DIR) is what every request below sends.
  const key = /API key +(tp_\S+)/.exec(first.output())?.[1];
  expect(key).toBeDefined();
  const auth = { authorization: `Bearer ${key}` };
  const fetch = (url: string, init: RequestInit = {}) => globalThis.fetch(url, { ...init, headers: { ...auth, ...init.headers } });
  expect((await globalThis.fetch(`${api}/api/customers/ada`)).status).toBe(401);

  expect((await json(await fetch(`${api}/readyz`))).body).toMatchObject({ status: 'ok' });
  // The dashboard is served as it is in the repository, its vendor files from node_modules: no build step.
  const dashboard = await globalThis.fetch(`${api}/app/`);
  expect([dashboard.status, await dashboard.text()]).toEqual([200, expect.stringContaining('/app/main.js')]);
  expect((await globalThis.fetch(`${api}/app/vendor/chart.umd.min.js`)).status).toBe(200);
  const ui = await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.ui}/`)).status === 200, 'the Temporal UI');
  expect(ui).toBe(true);

  const put = await fetch(`${api}/api/customers/ada`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com', name: 'Ada' }),
  });
  expect(put.status).toBe(201);
  const post = await json(
    await fetch(`${api}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'evt-1', type: 'user_signup', customerId: 'ada' }),
    }),
  );
  expect(post).toMatchObject({ status: 202, body: { results: [{ status: 'accepted' }] } });

  const mail = await waitFor(async () => {
    const { body } = await json(await fetch(`${api}/dev/mail?to=ada@example.com`));
    return body.mail[0];
  }, 'the welcome email in the local capture');
  expect(mail.subject).toBe('Welcome to Touchpoint, Ada!');

  // A campaign on the embedded stack (PGlite): Ada is tagged, the broadcast reaches her.
  const tagged = await fetch(`${api}/api/customers/ada`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tags: ['newsletter'] }),
  });
  expect(tagged.status).toBe(200);
  const campaign = await json(
    await fetch(`${api}/api/marketing/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'June news',
        type: 'email',
        target_tags: ['newsletter'],
        content: { subject: 'June news for {{ customer.first_name }}', text: 'Hello' },
      }),
    }),
  );
  expect(campaign.status).toBe(201);
  const triggered = await json(await fetch(`${api}/api/marketing/campaigns/${campaign.body.id}/trigger`, { method: 'POST' }));
  expect(triggered.status).toBe(202);
  await waitFor(async () => {
    const { body } = await json(await fetch(`${api}/dev/mail?to=ada@example.com`));
    return body.mail.some((m: { subject: string }) => m.subject === 'June news for Ada');
  }, 'the campaign email in the local capture');
  const records = await waitFor(async () => {
    const { body } = await json(await fetch(`${api}/api/marketing/records?campaign_id=${campaign.body.id}`));
    return body.records[0]?.status === 'sent' ? body : null;
  }, 'the campaign record');
  expect(records.pagination.total).toBe(1);

  // One process, one /metrics: the API's families, the worker's and the Temporal SDK's own.
  const metrics = await (await fetch(`${api}/metrics`)).text();
  expect(metrics).toMatch(/^touchpoint_http_requests_total\{method="PUT",route="\/api\/customers\/:id",status="201"\} [1-9]/m);
  expect(metrics).toMatch(/^touchpoint_messages_total\{channel="email",status="sent",reason=""\} [1-9]/m);
  expect(metrics).toMatch(/^touchpoint_db_pool_max_connections\{driver="pglite"\} 1$/m);
  expect(metrics).toMatch(/^touchpoint_campaigns\{status="(active|completed)"\} 1$/m);
  expect(metrics).toMatch(/^# TYPE temporal_request_total counter/m);

  // Engineers find the journey in Temporal by customer id.
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  try {
    const client = new Client({ connection });
    const found = await waitFor(async () => {
      const ids: string[] = [];
      for await (const wf of client.workflow.list({ query: 'WorkspaceId="default" AND CustomerId="ada"' })) ids.push(wf.workflowId);
      return ids.length ? ids : null;
    }, 'the journey in Temporal visibility');
    expect(found).toEqual(['welcome/ada']);
  } finally {
    await connection.close();
  }

  expect(await stop(first)).toBe(0);
  // Everything it started is gone: the dev server's port is free again.
  await expect(globalThis.fetch(`http://127.0.0.1:${ports.ui}/`)).rejects.toThrow();

  // Same data folder: the journey survived the restart, still waiting for its guide step. New ports: in a busy
  // suite an outgoing connection may have been given one of the old ones as its local port meanwhile.
  const again = { api: await freePort(), temporal: await freePort(), ui: await freePort(), smtp: await freePort() };
  const second = await start(again);
  // The same key, kept in DATA_DIR, not a new one.
  expect(second.output()).toContain(`API key      ${key}`);
  const profile = await json(await fetch(`http://127.0.0.1:${again.api}/api/customers/ada`));
  expect(profile.body.journeys).toEqual([
    expect.objectContaining({
      workflowId: 'welcome/ada',
      status: expect.objectContaining({ currentStep: 'guide', completed: [{ step: 'welcome', status: 'sent' }] }),
    }),
  ]);
  expect(await stop(second)).toBe(0);
}, 400_000);
