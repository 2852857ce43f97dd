// The SMTP server is down when a step is due: the step retries, and sends once when the server is back.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { messages } from '../src/db/schema.js';
import { type MailCapture, startMailCapture } from '../src/dev/mail-capture.js';
import { welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import type { JourneyResult } from '../src/steps/steps.js';
import { statusQuery } from '../src/steps/steps.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let revived: MailCapture | undefined;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
});
afterAll(async () => {
  await revived?.close();
  await stack?.close();
});

it('retries a step while SMTP is down and sends it exactly once when SMTP returns', async () => {
  const id = uid('outage');
  const email = `${id}@example.com`;
  const handle = stack.client.workflow.getHandle<() => Promise<JourneyResult>>(welcomeWorkflowId(id));
  await stack.api('PUT', `/api/customers/${id}`, { email, name: 'Margaret' });
  await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
  await stack.mail.waitFor((m) => m.to.includes(email));
  await waitFor(async () => (await handle.query(statusQuery)).nextWakeUp, 'the journey to sleep until the guide');

  const port = stack.mail.port;
  await stack.mail.close();
  await stack.env.sleep('24 hours');

  const guideRow = () =>
    stack.database.db
      .select()
      .from(messages)
      .where(and(eq(messages.customerId, id), eq(messages.stepKey, 'guide')))
      .then((rows) => rows[0]);
  const failed = await waitFor(async () => {
    const row = await guideRow();
    return row?.errorMessage ? row : null;
  }, 'a failed guide attempt');
  expect(failed.status).toBe('pending');
  expect(failed.errorMessage).toMatch(/ECONNREFUSED|connect/i);

  revived = await startMailCapture({ port });
  const guide = await revived.waitFor((m) => m.to.includes(email), 90_000);
  expect(guide.subject).toBe('Getting started with Touchpoint');
  const sent = await waitFor(async () => {
    const row = await guideRow();
    return row?.status === 'sent' ? row : null;
  }, 'the guide row to be sent');
  expect(sent.attempts).toBeGreaterThanOrEqual(2);
  expect(sent.errorMessage).toBeNull();

  await stack.env.sleep('6 days');
  expect((await handle.result()).outcome).toBe('completed');
  const all = [...stack.mail.list(), ...revived.list()].filter((m) => m.to.includes(email));
  expect(all.map((m) => m.subject)).toEqual([
    'Welcome to Touchpoint, Margaret!',
    'Getting started with Touchpoint',
    'A gift for you: 15% off',
  ]);
});
