// Two attempts of one broadcast batch at once, as when Temporal times out an attempt whose heartbeats could
// not reach it (its server restarting) and starts another while the first still sends: each recipient gets
// one email, the newer attempt takes over only what the older had not handed over, and the older one's
// sends in flight are fenced out before the server takes them.
import { and, eq, sql } from 'drizzle-orm';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createCampaignActivities } from '../src/campaigns/campaign.activities.js';
import { createActivities } from '../src/worker/activities.js';
import { createEmailChannel, type EmailChannel } from '../src/channels/email.js';
import { customers, messages } from '../src/db/schema.js';
import { PACING_OFF } from '../src/delivery/pacing.js';
import { createEffectiveSettings } from '../src/workspaces/effective-settings.js';
import { type SmtpGate, startSmtpGate } from './helpers/smtp-gate.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let gate: SmtpGate;
let email: EmailChannel;
beforeAll(async () => {
  gate = await startSmtpGate();
  stack = await startStack({ timeSkipping: false, worker: false });
  email = createEmailChannel({ smtpUrl: gate.url, from: 'Touchpoint <hello@touchpoint.test>', poolSize: 4 });
});
// A test that fails with the gate closed leaves the next ones an open one.
afterEach(() => gate.open());
afterAll(async () => {
  email?.close();
  await stack?.close();
  await gate?.close();
});

it('sends each recipient once when a newer attempt of a batch takes over from one still sending', async () => {
  const tag = uid('fence');
  const n = 60;
  await stack.database.db
    .insert(customers)
    .values(
      Array.from({ length: n }, (_, i) => ({ id: `${tag}-${String(i).padStart(3, '0')}`, email: `${tag}-${i}@example.com`, tags: [tag] })),
    );
  const created = await stack.api('POST', '/api/marketing/campaigns', {
    name: uid('fence'),
    type: 'email',
    target_tags: [tag],
    content: 'Hi',
  });
  expect(created.status).toBe(201);
  const campaignId = created.body.id as string;
  const { sendCampaignBatch } = createCampaignActivities({
    db: stack.database.db,
    channels: { email },
    settings: createEffectiveSettings(stack.database.db, { ...stack.services.effectiveSettings.installation, pacing: PACING_OFF }),
    config: { campaigns: { concurrency: 4 } },
  } as never);
  const executionId = uid('exec');
  const input = { campaignId, executionId, mode: 'actual' as const, after: null, limit: 100, endAt: null };
  const records = () => stack.database.db.select().from(messages).where(eq(messages.executionId, executionId));

  // The first attempt sends 20, then its next sends wait at the server's RCPT TO (not handed over yet).
  gate.closeAfter(20);
  const first = new MockActivityEnvironment().run(sendCampaignBatch, input);
  const firstDone = first.then(
    () => 'returned',
    (err: Error) => err.message,
  );
  await waitFor(
    async () => (await records()).filter((r) => r.status === 'sent').length === 20 && gate.waiting() > 0,
    'the first attempt stuck',
  );

  // Its leases lapse (its renewals stopped reaching the database, say), and a newer attempt starts. The
  // claims are marked lapsed too, so that a renewal the first attempt's timer fires meanwhile (on a loaded
  // machine, before the newer attempt's claim) cannot take them back.
  await stack.database.db
    .update(messages)
    .set({ leaseUntil: sql`now() - interval '1 second'`, claimToken: 'lapsed' })
    .where(and(eq(messages.executionId, executionId), eq(messages.status, 'pending')));
  const second = new MockActivityEnvironment().run(sendCampaignBatch, input);
  await waitFor(async () => (await records()).filter((r) => r.attempts >= 2).length > 0, 'the newer attempt took over');
  // The first attempt's sends waiting at the server go on now: the fence stops them before the end of DATA.
  gate.open();

  const result = (await second) as { counts: Record<string, unknown> };
  await firstDone;
  const mine = gate.received.filter((to) => to.startsWith(tag));
  expect(mine).toHaveLength(n);
  expect(new Set(mine).size).toBe(n);
  const final = await records();
  expect(final).toHaveLength(n);
  expect(final.every((r) => r.status === 'sent')).toBe(true);
  expect(result.counts).toMatchObject({ processed: n, sent: n, failed: 0, skipped: 0 });
  // Every sent record names the Message-ID the server saw.
  expect(final.every((r) => r.providerMessageId?.endsWith('@touchpoint.test>'))).toBe(true);
});

it('records a touch whose sender died between the hand-over and the record as uncertain, and does not send it again', async () => {
  const id = uid('dead');
  await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` });
  const key = `welcome/${id}/welcome`;
  // What a worker killed just after the end of DATA leaves: marked sending by its claim, its lease over.
  await stack.database.db.insert(messages).values({
    idempotencyKey: key,
    customerId: id,
    stepKey: 'welcome',
    channel: 'email',
    claimToken: 'the-dead-attempt',
    sendingAt: sql`now() - interval '3 minutes'`,
    leaseUntil: sql`now() - interval '1 minute'`,
    providerMessageId: '<planned@touchpoint.test>',
  });
  const { sendEmail } = createActivities({
    db: stack.database.db,
    channels: { email },
    settings: stack.services.effectiveSettings,
    config: {},
    journeys: stack.journeys,
  });
  const before = gate.received.length;
  const touch = {
    idempotencyKey: key,
    customerId: id,
    journeyKey: 'welcome',
    journeyVersion: 1,
    workflowId: `welcome/${id}`,
    stepKey: 'welcome',
    template: { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
    vars: {},
  };
  const result = await sendEmail(touch);
  expect(result).toMatchObject({ status: 'uncertain' });
  expect(await sendEmail(touch)).toMatchObject({ status: 'uncertain' });
  expect(gate.received.length).toBe(before);
  const [row] = await stack.database.db.select().from(messages).where(eq(messages.idempotencyKey, key));
  expect(row).toMatchObject({ status: 'uncertain', providerMessageId: '<planned@touchpoint.test>' });
});

it("retries a journey's email whose connection was dropped at the end of DATA, unanswered: the server never took it", async () => {
  const id = uid('dropped');
  await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` });
  const { sendEmail } = createActivities({
    db: stack.database.db,
    channels: { email },
    settings: stack.services.effectiveSettings,
    config: {},
    journeys: stack.journeys,
  });
  const touch = {
    idempotencyKey: `welcome/${id}/welcome`,
    customerId: id,
    journeyKey: 'welcome',
    journeyVersion: 1,
    workflowId: `welcome/${id}`,
    stepKey: 'welcome',
    template: { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
    vars: {},
  };
  gate.dropAtEnd(1);
  // The activity fails (Temporal retries it); the record went back to pending, not to sent or uncertain.
  await expect(sendEmail(touch)).rejects.toThrow();
  const [between] = await stack.database.db.select().from(messages).where(eq(messages.idempotencyKey, touch.idempotencyKey));
  expect(between).toMatchObject({ status: 'pending', sendingAt: null });
  expect(await sendEmail(touch)).toMatchObject({ status: 'sent' });
  expect(await sendEmail(touch)).toMatchObject({ status: 'sent' });
  expect(gate.received.filter((to) => to.startsWith(id))).toHaveLength(1);
});
