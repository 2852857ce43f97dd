// The `touchpoint` command as a user runs it: a child process against the API served over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignWorkflowId } from '../src/temporal/workflow-ids.js';
import { customers, orders } from '../src/db/schema.js';
import { runTouchpoint } from './helpers/cli.js';
import { serveApp } from './helpers/serve-app.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
let server: Awaited<ReturnType<typeof serveApp>> | undefined;
let url: string;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: false });
  server = await serveApp(stack.app);
  url = server.url;
});
afterAll(async () => {
  await server?.close();
  await stack?.close();
});

const touchpoint = (...args: string[]) => touchpointWithKey(stack.key, ...args);

const touchpointWithKey = (key: string, ...args: string[]) => runTouchpoint(url, key, ...args);

describe('touchpoint', () => {
  it('creates and lists workspaces and keys, revokes a key, and is refused without a key', async () => {
    const id = uid('cli').toLowerCase();
    const created = await touchpoint('workspaces', 'create', '--id', id, '--name', 'CLI shop');
    expect(created.code, created.stderr).toBe(0);
    const adminKey = created.stdout.trim().split('\n').at(-1)!;
    expect(adminKey).toMatch(/^tp_[a-z0-9]{8}_/);
    expect((await touchpoint('workspaces', 'list')).stdout).toContain(id);

    const made = await touchpointWithKey(adminKey, 'keys', 'create', '--name', 'backend', '--scope', 'events:write,read');
    expect(made.code, made.stderr).toBe(0);
    const listed = await touchpointWithKey(adminKey, 'keys', 'list');
    expect(listed.stdout).toMatch(/backend\s+tp_[a-z0-9]{8}\s+events:write,read/);
    const keyId = listed.stdout
      .split('\n')
      .find((l) => l.startsWith('backend'))!
      .trim()
      .split(/\s+/)
      .at(-1)!;
    expect((await touchpointWithKey(adminKey, 'keys', 'revoke', '--id', keyId)).stdout).toMatch(/revoked at/);
    const backendKey = made.stdout.trim().split('\n').at(-1)!;
    const refused = await touchpointWithKey(backendKey, 'campaign', 'list');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/401 unauthorized/);
    expect((await touchpointWithKey('', 'campaign', 'list')).stderr).toMatch(/401 unauthorized/);
  });

  it('prints its usage, and refuses an unknown command with exit code 2', async () => {
    expect((await touchpoint('help')).stdout).toMatch(/campaign send --campaign NAME/);
    const bad = await touchpoint('launch');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "launch"/);
    expect((await touchpoint('campaign', 'send')).stderr).toMatch(/--campaign NAME is required/);
  });

  it('lists, activates and deactivates flows by name', async () => {
    const name = uid('CLI flow');
    const created = await stack.api('POST', '/api/flows', {
      name,
      trigger_event: uid('cli_evt').replace('-', '_'),
      actions: [{ type: 'send_email', template: { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' } }],
    });
    expect(created.status).toBe(201);
    expect((await touchpoint('flows', 'list')).stdout).toMatch(new RegExp(`${name}\\s+\\S+\\s+no`));
    const on = await touchpoint('flows', 'activate', '--flow', name);
    expect(on).toMatchObject({ code: 0, stdout: `${name}: active\n` });
    expect((await stack.api('GET', `/api/flows/${created.body.flow.id}`)).body.flow.active).toBe(true);
    expect((await touchpoint('flows', 'deactivate', '--flow', name)).code).toBe(0);
    expect((await stack.api('GET', `/api/flows/${created.body.flow.id}`)).body.flow.active).toBe(false);
    const missing = await touchpoint('flows', 'activate', '--flow', 'no such flow');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no flow named "no such flow"/);
  });

  it('sends a campaign by name and reports on it', async () => {
    const tag = uid('cli');
    await stack.database.db
      .insert(customers)
      .values([0, 1, 2].map((i) => ({ id: `${tag}-${i}`, email: `${tag}-${i}@example.com`, tags: [tag] })));
    const name = uid('CLI campaign');
    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name,
      type: 'email',
      target_tags: [tag],
      content: 'Hello {{ customer.id }}',
    });
    expect(created.status).toBe(201);
    expect((await touchpoint('campaign', 'list')).stdout).toContain(name);

    const sent = await touchpoint('campaign', 'send', '--campaign', name);
    expect(sent.code).toBe(0);
    const executionId = sent.stdout.match(/execution ([\w-]+)/)![1]!;
    await stack.client.workflow.getHandle(campaignWorkflowId(created.body.id, executionId)).result();
    expect(stack.mail.list().filter((m) => m.to[0]!.startsWith(tag))).toHaveLength(3);

    const report = await touchpoint('report', '--campaign', name);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`${name}: completed`);
    expect(report.stdout).toMatch(/audience\s+processed\s+sent[\s\S]*\n3\s+3\s+3\s+0\s+0/);

    const again = await touchpoint('campaign', 'send', '--campaign', name);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409 campaign_already_triggered/);
  });

  it('prints the customers per segment by RFM (segment --method rfm)', async () => {
    // The classic example customer: last order 15 days ago, 6 orders, 1 200 in all — high value.
    const id = uid('cli-vip');
    await stack.database.db
      .insert(customers)
      .values({ id, email: `${id}@example.com`, createdAt: new Date(Date.now() - 400 * 86_400_000) });
    await stack.database.db.insert(orders).values(
      Array.from({ length: 6 }, (_, i) => ({
        id: `${id}-o${i}`,
        customerId: id,
        amount: 200,
        occurredAt: new Date(Date.now() - (15 + i * 20) * 86_400_000),
      })),
    );
    const out = await touchpoint('segment', '--method', 'rfm', '--refresh');
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^segment\s+customers\s+share\s+rule/);
    // One row per RFM group, then the total.
    expect(lines).toHaveLength(1 + 6 + 1);
    const vip = lines.find((l) => /^(VIP|vip)\b/.test(l))!;
    expect(Number(vip.split(/\s+/)[1])).toBeGreaterThanOrEqual(1);
    expect(lines.at(-1)).toMatch(/^\d+ customers$/);
    const bad = await touchpoint('segment', '--method', 'kmeans');
    expect(bad.code).toBe(2);
  });
});
