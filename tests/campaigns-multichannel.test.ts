// Campaigns on several channels through the real stack: a Temporal dev server, PostgreSQL, a real SMTP
// server (which refuses the mailboxes a test names with 550) and a real HTTP SMS provider. `all` sends
// each customer a message on every channel they can receive, `fallback` the SMS only where the email could
// not reach; either way one record per customer per channel per execution, whatever retries happen.
import { MockActivityEnvironment } from '@temporalio/testing';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaignActivities, type DeferredRecords } from '../src/campaigns/campaign.activities.js';
import type { CampaignBatchResult } from '../src/campaigns/batch.js';
import { type CampaignProgress, progressQuery } from '../src/campaigns/campaign.workflow.js';
import { createChannels } from '../src/channels/registry.js';
import { createEmailChannel } from '../src/channels/email.js';
import { createOutbound } from '../src/channels/outbound.js';
import { messages } from '../src/db/schema.js';
import { parseQuietHours } from '../src/delivery/pacing.js';
import { createEffectiveSettings } from '../src/workspaces/effective-settings.js';
import { campaignWorkflowId } from '../src/temporal/workflow-ids.js';
import { seedAudience } from './helpers/audience.js';
import { startSmtpGate } from './helpers/smtp-gate.js';
import { waitFor } from './helpers/wait.js';
import { type ProviderServer, startProvider, TEST_PROVIDER_SECRET } from './helpers/http-provider.js';
import { type Stack, startStack, TEST_OUTBOUND, uid } from './helpers/stack.js';

let stack: Stack;
let provider: ProviderServer;
beforeAll(async () => {
  provider = await startProvider();
  // Batches of 4: every audience below spans several batches.
  stack = await startStack({ timeSkipping: false, providers: { smsUrl: `${provider.url}/sms` }, campaigns: { batchSize: 4 } });
});
afterAll(async () => {
  stack?.mail.refuse(null);
  await stack?.close();
  await provider?.close();
});

const BASE = '/api/marketing/campaigns';
const CONTENT = {
  email: { subject: 'June gift for {{ customer.first_name }}', text: 'Hi {{ customer.name }}, an email.' },
  sms: 'Hi {{ customer.name }}, an SMS.',
};

async function create(body: Record<string, unknown>) {
  const res = await stack.api('POST', BASE, { name: uid('multi'), channels: ['email', 'sms'], content: CONTENT, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string; type: string; channels: string[]; channel_mode: string | null };
}

async function runActual(id: string): Promise<{ executionId: string; done: CampaignProgress }> {
  const trig = await stack.api('POST', `${BASE}/${id}/trigger`, { execution_type: 'actual' });
  expect(trig.status, JSON.stringify(trig.body)).toBe(202);
  const done = (await stack.client.workflow.getHandle(campaignWorkflowId(id, trig.body.execution_id)).result()) as CampaignProgress;
  return { executionId: trig.body.execution_id, done };
}

/** Phone numbers of a test's own (seedAudience's repeat across tags): `+1<8 random digits><i>`. */
const phoneNumbers = (n: number) => {
  const prefix = String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
  return Array.from({ length: n }, (_, i) => `+1${prefix}${i}`);
};

const mailTo = (tag: string) =>
  stack.mail
    .list()
    .filter((m) => m.to.some((t) => t.startsWith(tag)))
    .map((m) => m.to[0]!);
const smsTo = (phones: string[]) => provider.requests.filter((r) => r.path === '/sms' && phones.includes(r.body?.to));
const records = (campaignId: string) => stack.database.db.select().from(messages).where(eq(messages.campaignId, campaignId));
/** Each record as `<customer index>:<channel>:<status>[:<reason>]`, sorted. */
const described = async (campaignId: string, ids: string[]) =>
  (await records(campaignId))
    .map((r) => `${ids.indexOf(r.customerId)}:${r.channel}:${r.status}${r.status === 'skipped' ? `:${r.errorMessage}` : ''}`)
    .sort();

describe('validation', () => {
  const refused = async (body: Record<string, unknown>, field: string) => {
    const res = await stack.api('POST', BASE, { name: uid('bad'), target_tags: ['x'], ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'validation_error', field });
  };

  it('refuses an unknown or repeated channel, missing or extra content, a mode without channels, naming the field', async () => {
    await refused({ channels: ['email', 'fax'], content: CONTENT }, 'channels[1]');
    await refused({ channels: ['email', 'sms', 'email'], content: CONTENT }, 'channels[2]');
    await refused({ channels: ['email'], content: CONTENT }, 'channels');
    await refused({ channels: ['email', 'sms'], content: { email: CONTENT.email } }, 'content.sms');
    await refused({ channels: ['email', 'sms'], content: { ...CONTENT, push_notification: 'hi' } }, 'content.push_notification');
    await refused({ channels: ['email', 'sms'], content: 'one text for both' }, 'content');
    await refused({ channels: ['email', 'sms'], content: { email: { text: 'no subject' }, sms: 'hi' } }, 'content.email.subject');
    await refused({ channels: ['email', 'sms'], content: { email: CONTENT.email, sms: '{{ customer.name ' } }, 'content.sms.text');
    await refused({ type: 'email', content: 'hi', channel_mode: 'fallback' }, 'channel_mode');
    await refused({ channels: ['email', 'sms'], channel_mode: 'sometimes', content: CONTENT }, 'channel_mode');
    await refused({ type: 'sms', channels: ['email', 'sms'], content: CONTENT }, 'type');
    await refused({ content: 'hi' }, 'type');
    await refused({ channels: ['email', 'sms'], content_template_id: '7d3f2c1a-9b8e-4c6d-a5f4-3e2d1c0b9a87' }, 'content_template_id');
    await refused({ channels: ['email', 'webhook'], content: { email: CONTENT.email, webhook: { body: '{}' } } }, 'webhook_url');
  });

  it('shows the channels in order and the mode; a campaign on one channel is its type alone, as before', async () => {
    const multi = await create({ target_tags: [uid('nobody')], channel_mode: 'fallback' });
    expect(multi).toMatchObject({ type: 'email', channels: ['email', 'sms'], channel_mode: 'fallback' });
    expect(await create({ target_tags: [uid('nobody')] })).toMatchObject({ channel_mode: 'all' });
    // Listed under each of its channels.
    for (const type of ['email', 'sms']) {
      const listed = await stack.api('GET', `${BASE}?type=${type}&name=${encodeURIComponent(multi.name)}`);
      expect(listed.body.campaigns.map((x: { id: string }) => x.id)).toEqual([multi.id]);
    }
    const single = await stack.api('POST', BASE, { name: uid('one'), type: 'sms', target_tags: [uid('nobody')], content: 'Hi' });
    expect(single.status).toBe(201);
    expect(single.body).toMatchObject({ type: 'sms', channels: ['sms'], channel_mode: null, content: 'Hi' });

    // An edit naming other channels retypes the campaign; dropping them (null) leaves its type alone.
    const edited = await stack.api('PUT', `${BASE}/${multi.id}`, {
      channels: ['sms', 'email'],
      channel_mode: 'all',
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ type: 'sms', channels: ['sms', 'email'], channel_mode: 'all' });
    const back = await stack.api('PUT', `${BASE}/${multi.id}`, { channels: null, channel_mode: null, content: 'Just an SMS' });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toMatchObject({ type: 'sms', channels: ['sms'], channel_mode: null });

    // An experiment tests one message per customer: not a campaign on several channels.
    const exp = await stack.api('POST', '/api/experiments', {
      name: uid('exp'),
      campaign_id: (await create({ target_tags: [uid('nobody')] })).id,
      variants: [{ key: 'A' }, { key: 'B', content: 'B' }],
      goal: 'click_rate',
    });
    expect([exp.status, exp.body.error?.code]).toEqual([422, 'campaign_multi_channel']);
  });
});

describe('channel_mode all', () => {
  it('sends each customer one message per channel they can receive, one record per customer per channel', async () => {
    // 0–3 both; 4 no phone; 5 no email; 6 neither; 7 no SMS consent; 8 no email consent.
    const phones = phoneNumbers(9);
    const { tag, ids, emails } = await seedAudience(stack.database.db, 9, (i) => ({
      phone: i === 4 || i === 6 ? null : phones[i],
      ...(i === 5 || i === 6 ? { email: null } : {}),
      ...(i === 7 ? { consent: { sms: false } } : {}),
      ...(i === 8 ? { consent: { email: false } } : {}),
    }));
    const c = await create({ target_tags: [tag] });
    const { executionId, done } = await runActual(c.id);

    const emailed = [0, 1, 2, 3, 4, 7];
    const texted = [0, 1, 2, 3, 5, 8];
    expect(mailTo(tag).sort()).toEqual(emailed.map((i) => emails[i]).sort());
    const sms = smsTo(phones);
    expect(sms.map((r) => r.body.to).sort()).toEqual(texted.map((i) => phones[i]).sort());
    expect(sms.every((r) => r.verified && r.body.content.text === `Hi Customer ${phones.indexOf(r.body.to)}, an SMS.`)).toBe(true);
    expect(sms[0]!.body.idempotency_key).toBe(`campaign/${executionId}/${ids[phones.indexOf(sms[0]!.body.to)]}/sms`);
    const subject = stack.mail.list().find((m) => m.to[0] === emails[0])!.subject;
    expect(subject).toBe('June gift for Customer');

    expect(await described(c.id, ids)).toEqual(
      [
        ...[0, 1, 2, 3, 4, 7].map((i) => `${i}:email:sent`),
        '5:email:skipped:no_email_address',
        '6:email:skipped:no_email_address',
        '8:email:skipped:unsubscribed',
        ...[0, 1, 2, 3, 5, 8].map((i) => `${i}:sms:sent`),
        '4:sms:skipped:no_phone',
        '6:sms:skipped:no_phone',
        '7:sms:skipped:unsubscribed',
      ].sort(),
    );

    expect(done).toMatchObject({ state: 'completed', audienceSize: 9, processed: 9, sent: 12, skipped: 6, failed: 0 });
    expect(done.channels).toEqual({
      email: { processed: 9, sent: 6, failed: 0, skipped: 3, reasons: { no_email_address: 2, unsubscribed: 1 } },
      sms: { processed: 9, sent: 6, failed: 0, skipped: 3, reasons: { no_phone: 2, unsubscribed: 1 } },
    });
    const status = await stack.api('GET', `${BASE}/${c.id}/status`);
    expect(status.body.execution.channels).toEqual(done.channels);

    // Records by channel, and the funnel by channel.
    const smsRecords = await stack.api('GET', `/api/marketing/records?campaign_id=${c.id}&channel=sms&page_size=100`);
    expect(smsRecords.status).toBe(200);
    expect(smsRecords.body.pagination.total).toBe(9);
    expect(smsRecords.body.records.every((r: { channel: string }) => r.channel === 'sms')).toBe(true);
    const sentEmail = await stack.api('GET', `/api/marketing/records?campaign_id=${c.id}&channel=email&status=sent`);
    expect(sentEmail.body.pagination.total).toBe(6);
    const perf = await stack.api('GET', `/api/ai-ops/customer/performance?campaign_id=${c.id}`);
    expect(perf.status).toBe(200);
    expect(perf.body).toMatchObject({ sent: 12, cost: 0.306 });
    expect(perf.body.channels.email).toMatchObject({ sent: 6, cost: 0.006 });
    expect(perf.body.channels.sms).toMatchObject({ sent: 6, cost: 0.3 });

    // A retry of a batch (as Temporal makes after a crash) sends nothing again, and counts what the records say.
    const { sendCampaignBatch } = createCampaignActivities({
      db: stack.database.db,
      channels: createChannels(
        stack.email,
        { sms: { url: `${provider.url}/sms`, secret: TEST_PROVIDER_SECRET } },
        {
          outbound: createOutbound(TEST_OUTBOUND),
          timeoutMs: 2_000,
        },
      ),
      settings: stack.services.effectiveSettings,
      config: {},
    } as never);
    const retry: CampaignBatchResult = await new MockActivityEnvironment().run(sendCampaignBatch, {
      campaignId: c.id,
      executionId,
      mode: 'actual' as const,
      after: null,
      limit: 100,
      endAt: null,
    });
    expect(retry.counts).toMatchObject({ processed: 9, sent: 12, skipped: 6 });
    expect(retry.counts.channels?.sms).toMatchObject({ sent: 6, skipped: 3 });
    expect(mailTo(tag)).toHaveLength(6);
    expect(smsTo(phones)).toHaveLength(6);
    expect(await records(c.id)).toHaveLength(18);

    // A second trigger is refused: the campaign runs once.
    const again = await stack.api('POST', `${BASE}/${c.id}/trigger`, { execution_type: 'actual' });
    expect(again.status).toBe(409);
  });

  it("retries an SMS its provider could not take (503) without sending the customer's email again", async () => {
    const phones = phoneNumbers(5);
    const { tag, emails } = await seedAudience(stack.database.db, 5, (i) => ({ phone: phones[i] }));
    provider.script(phones[2]!, [503]);
    const c = await create({ target_tags: [tag] });
    const { done } = await runActual(c.id);
    expect(done).toMatchObject({ processed: 5, sent: 10, failed: 0 });
    expect(mailTo(tag).sort()).toEqual([...emails].sort());
    const sms = smsTo(phones);
    // Six requests: the refused one and its retry; five SMS taken.
    expect(
      sms
        .filter((r) => r.status === 200)
        .map((r) => r.body.to)
        .sort(),
    ).toEqual([...phones].sort());
    expect(sms.filter((r) => r.status === 503).map((r) => r.body.to)).toEqual([phones[2]]);
    expect((await records(c.id)).every((r) => r.status === 'sent')).toBe(true);
  });
});

describe('pause and resume on several channels', () => {
  it('pauses in the middle of a batch and resumes: every customer one email and one SMS, counted once', async () => {
    const n = 6;
    const phones = phoneNumbers(n);
    const { tag } = await seedAudience(stack.database.db, n, (i) => ({ phone: phones[i] }));
    // One message a second: the pause (seen by the batch within a second) comes among the first batch's emails.
    const c = await create({ target_tags: [tag], rate_limit: 1 });
    const trig = await stack.api('POST', `${BASE}/${c.id}/trigger`, { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    const handle = stack.client.workflow.getHandle(campaignWorkflowId(c.id, trig.body.execution_id));
    // Paused within the first batch's emails (a batch is 4 customers: its SMS not sent yet).
    await waitFor(() => mailTo(tag).length >= 1, 'the first email');
    expect((await stack.api('POST', `${BASE}/${c.id}/pause`)).status).toBe(200);
    await waitFor(async () => (await handle.query(progressQuery)).state === 'paused', 'the execution paused');
    expect(mailTo(tag).length + smsTo(phones).length).toBeLessThan(2 * n);

    expect((await stack.api('POST', `${BASE}/${c.id}/resume`)).status).toBe(200);
    const done = (await handle.result()) as CampaignProgress;
    expect(done).toMatchObject({ state: 'completed', processed: n, sent: 2 * n, failed: 0, skipped: 0 });
    expect(done.channels).toMatchObject({ email: { processed: n, sent: n }, sms: { processed: n, sent: n } });
    expect(mailTo(tag)).toHaveLength(n);
    expect(new Set(mailTo(tag)).size).toBe(n);
    expect(smsTo(phones)).toHaveLength(n);
    expect(new Set(smsTo(phones).map((r) => r.body.to)).size).toBe(n);
    expect((await records(c.id)).every((r) => r.status === 'sent')).toBe(true);
  });
});

describe('channel_mode fallback', () => {
  it('sends the email, and the SMS only to those the email cannot reach or that the server refuses for good', async () => {
    // 0–1 email only; 2 no email; 3 no email consent; 4 suppressed email; 5 refused with 550; 6 neither address; 7 no email, no SMS consent.
    const phones = phoneNumbers(8);
    const { tag, ids, emails } = await seedAudience(stack.database.db, 8, (i) => ({
      phone: i === 6 ? null : phones[i],
      ...(i === 2 || i === 6 || i === 7 ? { email: null } : {}),
      ...(i === 3 ? { consent: { email: false } } : {}),
      ...(i === 7 ? { consent: { sms: false } } : {}),
    }));
    const suppressed = await stack.api('POST', '/api/suppressions', { channel: 'email', address: emails[4] });
    expect(suppressed.status, JSON.stringify(suppressed.body)).toBeLessThan(300);
    stack.mail.refuse((address) => address === emails[5]);
    try {
      const c = await create({ target_tags: [tag], channel_mode: 'fallback' });
      const { done } = await runActual(c.id);

      expect(mailTo(tag).sort()).toEqual([emails[0], emails[1]].sort());
      expect(
        smsTo(phones)
          .map((r) => r.body.to)
          .sort(),
      ).toEqual([2, 3, 4, 5].map((i) => phones[i]).sort());
      expect(await described(c.id, ids)).toEqual(
        [
          '0:email:sent',
          '1:email:sent',
          '2:email:skipped:no_email_address',
          '3:email:skipped:unsubscribed',
          '4:email:skipped:suppressed',
          '5:email:failed',
          '6:email:skipped:no_email_address',
          '7:email:skipped:no_email_address',
          '2:sms:sent',
          '3:sms:sent',
          '4:sms:sent',
          '5:sms:sent',
          '6:sms:skipped:no_phone',
          '7:sms:skipped:unsubscribed',
        ].sort(),
      );
      const [refusedRecord] = await stack.database.db
        .select()
        .from(messages)
        .where(and(eq(messages.campaignId, c.id), eq(messages.customerId, ids[5]!), eq(messages.channel, 'email')));
      expect(refusedRecord!.errorMessage).toMatch(/550/);
      expect(done).toMatchObject({ processed: 8, sent: 6, failed: 1, skipped: 7 });
      expect(done.channels?.email).toMatchObject({ processed: 8, sent: 2, failed: 1, skipped: 5 });
      expect(done.channels?.sms).toMatchObject({ processed: 6, sent: 4, skipped: 2, reasons: { no_phone: 1, unsubscribed: 1 } });
      const byChannel = await stack.api('GET', `/api/marketing/records?campaign_id=${c.id}&channel=sms&status=sent`);
      expect(byChannel.body.records.map((r: { customer_id: string }) => ids.indexOf(r.customer_id)).sort()).toEqual([2, 3, 4, 5]);
    } finally {
      stack.mail.refuse(null);
    }
  });
});

describe('quiet hours on several channels', () => {
  /** A fixed-offset zone in which the instant `at` reads `hour`:xx on the local clock. */
  function zoneWhere(at: number, hour: number): string {
    let offset = (hour - new Date(at).getUTCHours() + 24) % 24;
    if (offset > 14) offset -= 24;
    return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  }

  /** The batch activity with the workspace's quiet hours 21:00–08:00 (the stack runs without them). */
  function quietBatch() {
    const pacing = {
      quietHours: parseQuietHours('21:00-08:00'),
      defaultTimeZone: 'UTC',
      caps: { day: 0, week: 0 },
      capMode: 'defer' as const,
    };
    return createCampaignActivities({
      db: stack.database.db,
      channels: createChannels(
        stack.email,
        { sms: { url: `${provider.url}/sms`, secret: TEST_PROVIDER_SECRET } },
        { outbound: createOutbound(TEST_OUTBOUND), timeoutMs: 2_000 },
      ),
      settings: createEffectiveSettings(stack.database.db, { ...stack.services.effectiveSettings.installation, pacing }),
      config: {},
    } as never);
  }

  it.each(['all', 'fallback'] as const)(
    '%s: holds every channel of customers in their night, then sends each once in the deferred pass, each customer counted once',
    async (mode) => {
      const now = Date.now();
      const phones = phoneNumbers(4);
      // All at 23:00 local; 3 has no email address.
      const { tag, ids, emails } = await seedAudience(stack.database.db, 4, (i) => ({
        phone: phones[i],
        timezone: zoneWhere(now, 23),
        ...(i === 3 ? { email: null } : {}),
      }));
      const c = await create({ target_tags: [tag], channel_mode: mode });
      const { sendCampaignBatch, nextDeferredCampaignRecords } = quietBatch();
      const executionId = uid('exec');
      const input = { campaignId: c.id, executionId, mode: 'actual' as const, after: null, limit: 100, endAt: null };

      const first: CampaignBatchResult = await new MockActivityEnvironment().run(sendCampaignBatch, { ...input, now });
      expect(mailTo(tag)).toHaveLength(0);
      expect(smsTo(phones)).toHaveLength(0);
      // Only 3's email is done (no address); in fallback mode the others' SMS waits for their email.
      expect(first.counts).toMatchObject({ processed: 0, sent: 0, skipped: 1 });
      const waiting: DeferredRecords = await new MockActivityEnvironment().run(nextDeferredCampaignRecords, {
        campaignId: c.id,
        executionId,
      });
      expect(waiting.count).toBe(mode === 'all' ? 7 : 4);

      // At 08:00 local the deferred pass (twice: a retry) sends what waited.
      const morning = { ...input, deferred: true, now: waiting.at! + 60_000 };
      const second: CampaignBatchResult = await new MockActivityEnvironment().run(sendCampaignBatch, morning);
      const again: CampaignBatchResult = await new MockActivityEnvironment().run(sendCampaignBatch, morning);
      expect(again.counts).toMatchObject({ processed: 0, sent: 0 });
      expect(mailTo(tag).sort()).toEqual(emails.slice(0, 3).sort());
      const texted = mode === 'all' ? phones : [phones[3]!];
      expect(
        smsTo(phones)
          .map((r) => r.body.to)
          .sort(),
      ).toEqual([...texted].sort());
      expect(second.counts).toMatchObject({ processed: 4, sent: 3 + texted.length, skipped: 0 });
      expect(second.counts.channels?.sms).toMatchObject({ processed: texted.length, sent: texted.length });
      expect(await described(c.id, ids)).toEqual(
        [
          '0:email:sent',
          '1:email:sent',
          '2:email:sent',
          '3:email:skipped:no_email_address',
          ...texted.map((p) => `${phones.indexOf(p)}:sms:sent`),
        ].sort(),
      );
    },
  );
});

describe('two attempts of one batch on several channels', () => {
  it('sends each customer one email and one SMS when a newer attempt takes over from one still sending', async () => {
    const gate = await startSmtpGate();
    const gated = createEmailChannel({ smtpUrl: gate.url, from: 'Touchpoint <hello@touchpoint.test>', poolSize: 4 });
    try {
      const n = 24;
      const phones = phoneNumbers(n);
      const { tag, ids } = await seedAudience(stack.database.db, n, (i) => ({ phone: phones[i] }));
      const c = await create({ target_tags: [tag] });
      const { sendCampaignBatch } = createCampaignActivities({
        db: stack.database.db,
        channels: createChannels(
          gated,
          { sms: { url: `${provider.url}/sms`, secret: TEST_PROVIDER_SECRET } },
          { outbound: createOutbound(TEST_OUTBOUND), timeoutMs: 2_000 },
        ),
        settings: stack.services.effectiveSettings,
        config: { campaigns: { concurrency: 4 } },
      } as never);
      const executionId = uid('exec');
      const input = { campaignId: c.id, executionId, mode: 'actual' as const, after: null, limit: 100, endAt: null };
      const mine = () => stack.database.db.select().from(messages).where(eq(messages.executionId, executionId));

      // The first attempt sends 8 emails, then its next ones wait at the server's RCPT TO.
      gate.closeAfter(8);
      const first = new MockActivityEnvironment().run(sendCampaignBatch, input).then(
        () => 'returned',
        (err: Error) => err.message,
      );
      await waitFor(
        async () => (await mine()).filter((r) => r.status === 'sent').length === 8 && gate.waiting() > 0,
        'the first attempt stuck',
      );
      // Its leases lapse, and a newer attempt starts (as Temporal does when heartbeats stop reaching it).
      await stack.database.db
        .update(messages)
        .set({ leaseUntil: sql`now() - interval '1 second'`, claimToken: 'lapsed' })
        .where(and(eq(messages.executionId, executionId), eq(messages.status, 'pending')));
      const second = new MockActivityEnvironment().run(sendCampaignBatch, input);
      await waitFor(async () => (await mine()).some((r) => r.attempts >= 2), 'the newer attempt took over');
      gate.open();

      const result = (await second) as CampaignBatchResult;
      await first;
      const emailed = gate.received.filter((to) => to.startsWith(tag));
      expect(emailed).toHaveLength(n);
      expect(new Set(emailed).size).toBe(n);
      const texted = smsTo(phones).map((r) => r.body.to);
      expect(texted).toHaveLength(n);
      expect(new Set(texted).size).toBe(n);
      const records = await mine();
      expect(records).toHaveLength(2 * n);
      expect(records.every((r) => r.status === 'sent')).toBe(true);
      expect(new Set(records.map((r) => `${r.customerId}/${r.channel}`)).size).toBe(2 * n);
      expect(records.every((r) => ids.includes(r.customerId))).toBe(true);
      expect(result.counts).toMatchObject({ processed: n, sent: 2 * n, failed: 0, skipped: 0 });
    } finally {
      gated.close();
      gate.open();
      await gate.close();
    }
  });
});
