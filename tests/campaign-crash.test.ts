// A worker process dies in the middle of a broadcast batch (SIGKILL) and another comes up: every customer
// gets exactly one record and exactly one email.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { campaignWorkflowId } from '../src/temporal/workflow-ids.js';
import { customers, messages } from '../src/db/schema.js';
import type { CampaignProgress } from '../src/campaigns/campaign.workflow.js';
import { type SmtpGate, startSmtpGate } from './helpers/smtp-gate.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process.js';

let stack: Stack;
let gate: SmtpGate;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  gate = await startSmtpGate();
  // Batches of 200 and two batches a run: the kill lands in the second batch, and the rest crosses continue-as-new.
  stack = await startStack({ timeSkipping: false, worker: false, campaigns: { batchSize: 200, batchesPerRun: 2 } });
});
afterAll(async () => {
  await worker?.kill();
  await stack?.close();
  await gate?.close();
});

it('sends every recipient exactly once when the worker is killed mid-batch and restarted', async () => {
  const tag = uid('crash');
  const n = 500;
  const rows = Array.from({ length: n }, (_, i) => ({
    id: `${tag}-${String(i).padStart(4, '0')}`,
    email: `${tag}-${i}@example.com`,
    tags: [tag],
  }));
  await stack.database.db.insert(customers).values(rows);
  const env = { CAMPAIGN_CONCURRENCY: '4', SMTP_POOL_SIZE: '2' };
  worker = await startWorkerProcess(stack, { smtpUrl: gate.url, env });

  const created = await stack.api('POST', '/api/marketing/campaigns', {
    name: uid('crash'),
    type: 'email',
    target_tags: [tag],
    content: 'Hi {{ customer.id }}',
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  // The gate closes in the second batch: the worker is then stuck in the middle of sending it.
  gate.closeAfter(290);
  const trig = await stack.api('POST', `/api/marketing/campaigns/${id}/trigger`);
  expect(trig.status).toBe(202);
  await waitFor(() => gate.received.length === 290 && gate.waiting() > 0, 'the worker blocked at the gate');
  // Everything received before the gate is recorded as sent before the worker dies.
  const sentRows = () => stack.database.db.select().from(messages).where(eq(messages.campaignId, id));
  await waitFor(async () => (await sentRows()).filter((r) => r.status === 'sent').length === 290, '290 records sent');
  const before = await sentRows();
  expect(before.filter((r) => r.status === 'pending').length).toBeGreaterThan(0);

  await worker.kill();
  gate.open();
  worker = await startWorkerProcess(stack, { smtpUrl: gate.url, env });

  const done = (await stack.client.workflow.getHandle(campaignWorkflowId(id, trig.body.execution_id)).result()) as CampaignProgress;
  expect(done).toMatchObject({ state: 'completed', processed: n, sent: n, failed: 0, skipped: 0 });
  expect(done.runs).toBeGreaterThanOrEqual(2);

  const after = await sentRows();
  expect(after).toHaveLength(n);
  expect(after.every((r) => r.status === 'sent')).toBe(true);
  // The batch the dead worker had claimed was claimed again by the new one.
  expect(after.some((r) => r.attempts === 2)).toBe(true);
  const mine = gate.received.filter((to) => to.startsWith(tag));
  expect(mine).toHaveLength(n);
  expect(new Set(mine).size).toBe(n);
});
