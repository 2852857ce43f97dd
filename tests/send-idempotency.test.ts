// The send activity on its own, against the real database and a real SMTP server: however often and
// however concurrently a step's send runs, one email goes out and one row records it.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../src/activities/index.js';
import { messages } from '../src/db/schema.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
let activities: ReturnType<typeof createActivities>;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, worker: false });
  activities = createActivities({ db: stack.database.db, channels: { email: stack.email }, config: { brand: 'Touchpoint' }, journeys: stack.journeys });
});
afterAll(async () => {
  await stack?.close();
});

const input = (customerId: string, key: string) => ({
  idempotencyKey: key,
  customerId,
  journeyKey: 'welcome',
  journeyVersion: 1,
  workflowId: `welcome/${customerId}`,
  stepKey: 'welcome',
  template: { subject: 'Hi {{ customer.name }}', html: '<p>Hi</p>', text: 'Hi' },
  vars: {},
});

it('sends once when the same step runs five times at once, and again later', async () => {
  const id = uid('idem');
  const email = `${id}@example.com`;
  await stack.api('PUT', `/api/customers/${id}`, { email, name: 'Ida' });
  const key = `welcome/${id}/welcome`;

  const attempts = await Promise.allSettled(Array.from({ length: 5 }, () => activities.sendEmail(input(id, key))));
  const sent = attempts.filter((a) => a.status === 'fulfilled' && a.value.status === 'sent');
  const busy = attempts.filter((a) => a.status === 'rejected');
  // Each attempt either sent, found it sent, or backed off because another held the lease (Temporal retries it).
  expect(sent.length + busy.length).toBe(5);
  for (const b of busy) expect((b as PromiseRejectedResult).reason.message).toMatch(/being sent by another attempt/);

  const retried = await activities.sendEmail(input(id, key));
  expect(retried.status).toBe('sent');
  await stack.mail.waitFor((m) => m.to.includes(email));
  const rows = await stack.database.db.select().from(messages).where(eq(messages.idempotencyKey, key));
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ status: 'sent', subject: 'Hi Ida', leaseUntil: null });
  expect(stack.mail.list().filter((m) => m.to.includes(email))).toHaveLength(1);
});

it('records a template that cannot render as failed, once, and sends nothing', async () => {
  const id = uid('idem');
  await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` });
  const key = `welcome/${id}/broken`;
  const broken = { ...input(id, key), template: { subject: '{{ customer.name | nosuch }}', html: 'x', text: 'x' } };
  expect(await activities.sendEmail(broken)).toMatchObject({ status: 'failed', reason: expect.stringContaining('template error') });
  expect(await activities.sendEmail(broken)).toMatchObject({ status: 'failed' });
  const rows = await stack.database.db.select().from(messages).where(eq(messages.idempotencyKey, key));
  expect(rows.map((r) => [r.status, r.attempts])).toEqual([['failed', 1]]);
  expect(stack.mail.list().filter((m) => m.to.includes(`${id}@example.com`))).toHaveLength(0);
});
