// The send activity on its own, against the real database and a real SMTP server: however often and
// however concurrently a step's send runs, one email goes out and one row records it.
import { eq } from 'drizzle-orm';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../src/worker/activities.js';
import { messages } from '../src/db/schema.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
let activities: ReturnType<typeof createActivities>;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, worker: false });
  activities = createActivities({
    db: stack.database.db,
    channels: { email: stack.email },
    settings: stack.services.effectiveSettings,
    config: {},
    journeys: stack.journeys,
  });
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
  for (const b of busy) expect(b.reason.message).toMatch(/being sent by another attempt/);

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

it('records a message the SMTP server refuses for good (5xx) as failed, once, and does not send it again', async () => {
  // A real SMTP server on loopback that refuses one mailbox with 550 and takes every other.
  const { SMTPServer } = await import('smtp-server');
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('gone-')) return cb(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const { createEmailChannel } = await import('../src/channels/email.js');
  const email = createEmailChannel({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Touchpoint <hello@touchpoint.test>', poolSize: 1 });
  const refusing = createActivities({
    db: stack.database.db,
    channels: { email },
    settings: stack.services.effectiveSettings,
    config: {},
    journeys: stack.journeys,
  });
  try {
    const gone = uid('gone');
    const kept = uid('kept');
    await stack.api('PUT', `/api/customers/${gone}`, { email: `${gone}@example.com`, name: 'Gone' });
    await stack.api('PUT', `/api/customers/${kept}`, { email: `${kept}@example.com`, name: 'Kept' });

    const failed = await refusing.sendEmail(input(gone, `welcome/${gone}/welcome`));
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed.reason).toMatch(/550/);
    // Asked again (a replayed step), it is the recorded failure, with nothing sent.
    expect(await refusing.sendEmail(input(gone, `welcome/${gone}/welcome`))).toMatchObject({
      status: 'failed',
      messageId: failed.messageId,
    });
    const [row] = await stack.database.db.select().from(messages).where(eq(messages.customerId, gone));
    expect(row).toMatchObject({ status: 'failed', attempts: 1, recipient: `${gone}@example.com` });
    expect(row!.errorMessage).toMatch(/550/);

    expect(await refusing.sendEmail(input(kept, `welcome/${kept}/welcome`))).toMatchObject({ status: 'sent' });
    expect(received).toEqual([`${kept}@example.com`]);
  } finally {
    email.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
