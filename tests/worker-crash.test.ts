// A worker process dies between two steps (SIGKILL) and another comes up: no email lost, none duplicated.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { messages } from '../src/db/schema.js';
import { welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import type { JourneyResult } from '../src/steps/steps.js';
import { statusQuery } from '../src/steps/steps.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process.js';

let stack: Stack;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, worker: false });
});
afterAll(async () => {
  await worker?.kill();
  await stack?.close();
});

it('loses and duplicates no email when the worker is killed between steps', async () => {
  const id = uid('crash');
  const email = `${id}@example.com`;
  const mailTo = () => stack.mail.list().filter((m) => m.to.includes(email));
  const handle = stack.client.workflow.getHandle<() => Promise<JourneyResult>>(welcomeWorkflowId(id));
  const asleepBefore = (step: string) =>
    waitFor(async () => {
      const s = await handle.query(statusQuery);
      return s.currentStep === step && s.nextWakeUp !== null;
    }, `journey asleep before ${step}`);

  worker = await startWorkerProcess(stack);
  await stack.api('PUT', `/api/customers/${id}`, { email, name: 'Linus' });
  const res = await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
  expect(res.status).toBe(202);
  await stack.mail.waitFor((m) => m.to.includes(email));
  await asleepBefore('guide');

  // The new process has no cached state: it must rebuild the journey from history, and must not resend.
  // (The time-skipping server holds its clock while a workflow task waits, so time moves once a worker is back.)
  await worker.kill();
  worker = await startWorkerProcess(stack);
  await stack.env.sleep('24 hours');
  await stack.mail.waitFor((m) => m.to.includes(email) && m.subject.includes('Getting started'), 60_000);
  await asleepBefore('coupon');

  expect(mailTo()).toHaveLength(2);

  await worker.kill();
  worker = await startWorkerProcess(stack);
  await stack.env.sleep('6 days');
  await stack.mail.waitFor((m) => m.to.includes(email) && m.subject.includes('% off'), 60_000);
  const result = await handle.result();
  expect(result.outcome).toBe('completed');

  expect(mailTo().map((m) => m.subject)).toEqual([
    'Welcome to Touchpoint, Linus!',
    'Getting started with Touchpoint',
    'A gift for you: 15% off',
  ]);
  const rows = await stack.database.db.select().from(messages).where(eq(messages.customerId, id));
  expect(rows.map((r) => [r.stepKey, r.status, r.attempts]).sort()).toEqual([
    ['coupon', 'sent', 1],
    ['guide', 'sent', 1],
    ['welcome', 'sent', 1],
  ]);
});
