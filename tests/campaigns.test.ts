// Campaign broadcasts through the real stack: a Temporal dev server (real time: start and end times are
// seconds away), PostgreSQL, a real SMTP server and a real HTTP provider.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignWorkflowId } from '../src/temporal/workflow-ids.js';
import { marketingCampaigns, messages } from '../src/db/schema.js';
import type { CampaignProgress } from '../src/campaigns/campaign.workflow.js';
import { type ProviderServer, startProvider } from './helpers/http-provider.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { seedAudience } from './helpers/audience.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let provider: ProviderServer;
beforeAll(async () => {
  provider = await startProvider();
  // Small batches and runs, so a few thousand customers cross continue-as-new.
  stack = await startStack({
    timeSkipping: false,
    providers: { smsUrl: `${provider.url}/sms` },
    campaigns: { batchSize: 200, batchesPerRun: 5 },
    campaignSending: { concurrency: 25 },
  });
});
afterAll(async () => {
  await stack?.close();
  await provider?.close();
});

const audience = (n: number, extra?: Parameters<typeof seedAudience>[2]) => seedAudience(stack.database.db, n, extra);

async function campaign(body: Record<string, unknown>) {
  const res = await stack.api('POST', '/api/marketing/campaigns', { name: uid('campaign'), type: 'email', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; status: string; execution_id: string | null; end_time: string | null };
}

const records = (campaignId: string, executionId?: string) =>
  stack.database.db
    .select()
    .from(messages)
    .where(
      executionId ? and(eq(messages.campaignId, campaignId), eq(messages.executionId, executionId)) : eq(messages.campaignId, campaignId),
    );

const status = async (id: string) => (await stack.api('GET', `/api/marketing/campaigns/${id}`)).body.status as string;
const progress = async (id: string, executionId?: string) =>
  (await stack.api('GET', `/api/marketing/campaigns/${id}/status${executionId ? `?execution_id=${executionId}` : ''}`)).body
    .execution as CampaignProgress | null;

const result = (id: string, executionId: string) =>
  stack.client.workflow.getHandle(campaignWorkflowId(id, executionId)).result() as Promise<CampaignProgress>;

describe('an actual email broadcast', () => {
  it('sends each customer one email, skips those without consent or an address with the reason, and completes', async () => {
    const { tag, emails } = await audience(30, (i) =>
      i === 3 ? { consent: { email: false } } : i === 4 ? { email: null } : i === 5 ? { erasedAt: new Date() } : {},
    );
    const c = await campaign({
      target_tags: [tag],
      content: { subject: 'June gift for {{ customer.first_name }}', text: 'Hi {{ customer.name }}, a gift from {{ brand }}.' },
    });
    expect(c.status).toBe('draft');
    const trig = await stack.api('POST', `/api/marketing/campaigns/${c.id}/trigger`, { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    expect(trig.body.status).toBe('triggered');
    const done = await result(c.id, trig.body.execution_id);

    expect(done).toMatchObject({
      state: 'completed',
      stopReason: 'audience_done',
      audienceSize: 29,
      processed: 29,
      sent: 27,
      skipped: 2,
      failed: 0,
    });
    expect(done.reasons).toEqual({ unsubscribed: 1, no_email_address: 1 });
    expect(await status(c.id)).toBe('completed');
    const mail = stack.mail.list().filter((m) => m.to.some((t) => t.includes(tag)));
    expect(mail).toHaveLength(27);
    expect(new Set(mail.map((m) => m.to[0])).size).toBe(27);
    expect(mail.find((m) => m.to[0] === emails[7])?.subject).toBe('June gift for Customer');
    expect(mail.some((m) => m.to[0] === emails[3])).toBe(false);

    const rows = await records(c.id);
    expect(rows).toHaveLength(29);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(27);
    expect(rows.find((r) => r.recipient === null && r.status === 'skipped' && r.errorMessage === 'unsubscribed')).toBeTruthy();

    const [row] = await stack.database.db.select().from(marketingCampaigns).where(eq(marketingCampaigns.id, c.id));
    expect(row!.actualStartTime).not.toBeNull();
    expect(row!.actualEndTime).not.toBeNull();
    expect(row!.stats).toMatchObject({ sent: 27 });

    const again = await stack.api('POST', `/api/marketing/campaigns/${c.id}/trigger`, { execution_type: 'actual' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('campaign_already_triggered');
  });
});

describe('a simulation', () => {
  it('renders and records every message with status simulated and sends nothing', async () => {
    const { tag } = await audience(12, (i) => (i === 0 ? { consent: { email: false } } : {}));
    const c = await campaign({
      target_tags: [tag],
      content: { subject: 'Hi {{ customer.first_name }}', html: '<p>{{ customer.name }}</p>' },
    });
    const before = stack.mail.list().length;
    const trig = await stack.api('POST', `/api/marketing/campaigns/${c.id}/trigger`, { execution_type: 'simulation' });
    expect(trig.status).toBe(202);
    expect(trig.body.status).toBe('simulation_started');
    const done = await result(c.id, trig.body.execution_id);
    expect(done).toMatchObject({ mode: 'simulation', processed: 12, sent: 11, skipped: 1 });

    const rows = await records(c.id, trig.body.execution_id);
    expect(rows.filter((r) => r.status === 'simulated')).toHaveLength(11);
    expect(rows.find((r) => r.status === 'simulated')!.bodyHtml).toMatch(/^<p>Customer \d+<\/p>$/);
    expect(stack.mail.list().filter((m) => m.to.some((t) => t.includes(tag)))).toHaveLength(0);
    expect(stack.mail.list().length).toBe(before);
    // The campaign itself has not run.
    expect(await status(c.id)).toBe('draft');
    expect((await progress(c.id, trig.body.execution_id))?.state).toBe('completed');
  });
});

describe('a broadcast of 5 000', () => {
  it('crosses continue-as-new and still records each customer exactly once', async () => {
    const { tag } = await audience(5000);
    const c = await campaign({ type: 'sms', target_tags: [tag], content: 'Hello {{ customer.first_name }}' });
    const trig = await stack.api('POST', `/api/marketing/campaigns/${c.id}/trigger`, {});
    expect(trig.status).toBe(202);
    const done = await result(c.id, trig.body.execution_id);
    expect(done).toMatchObject({ processed: 5000, sent: 5000, state: 'completed' });
    // 25 batches of 200, 5 per run: 5 runs, so continue-as-new happened 4 times.
    expect(done.runs).toBeGreaterThanOrEqual(2);
    const [n] = await stack.database.db
      .select({ all: sql<number>`count(*)::int`, customers: sql<number>`count(distinct ${messages.customerId})::int` })
      .from(messages)
      .where(eq(messages.campaignId, c.id));
    expect(n).toEqual({ all: 5000, customers: 5000 });
    const received = provider.requests.filter((r) => (r.body as { customer_id: string }).customer_id.startsWith(tag));
    expect(received).toHaveLength(5000);
  }, 300_000);
});

describe('start, end, pause, resume, cancel', () => {
  it('a scheduled campaign starts itself at start_time and shows in the Temporal UI under its CampaignId', async () => {
    const { tag } = await audience(5);
    const startTime = new Date(Date.now() + 3000).toISOString();
    const c = await campaign({ target_tags: [tag], content: 'Hello', start_time: startTime });
    expect(c.status).toBe('scheduled');
    expect((await progress(c.id))?.state).toBe('scheduled');
    expect(await records(c.id)).toHaveLength(0);

    const done = await result(c.id, c.execution_id!);
    expect(done).toMatchObject({ state: 'completed', sent: 5 });
    const [row] = await stack.database.db.select().from(marketingCampaigns).where(eq(marketingCampaigns.id, c.id));
    expect(row!.status).toBe('completed');
    expect(row!.actualStartTime!.getTime()).toBeGreaterThanOrEqual(Date.parse(startTime));

    const listed = await waitFor(async () => {
      const found = [];
      for await (const w of stack.client.workflow.list({ query: `CampaignId="${c.id}"` })) found.push(w);
      return found.length ? found : null;
    }, 'the execution listed by CampaignId');
    expect(listed[0]!.workflowId).toBe(campaignWorkflowId(c.id, c.execution_id!));
  });

  it('stops sending at end_time mid-broadcast; what it claimed but did not send is skipped with reason end_time', async () => {
    const { tag } = await audience(60);
    // 4 a second: the 60 would take 15 s; end_time comes after 4.
    const c = await campaign({ target_tags: [tag], content: 'Hello', rate_limit: 4, end_time: new Date(Date.now() + 4000).toISOString() });
    const trig = await stack.api('POST', `/api/marketing/campaigns/${c.id}/trigger`);
    expect(trig.status).toBe(202);
    const done = await result(c.id, trig.body.execution_id);
    expect(done.stopReason).toBe('end_time');
    expect(done.state).toBe('completed');
    expect(done.sent).toBeGreaterThan(0);
    expect(done.sent).toBeLessThan(60);

    const rows = await records(c.id);
    const sent = rows.filter((r) => r.status === 'sent');
    expect(sent).toHaveLength(done.sent);
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(0);
    expect(rows.filter((r) => r.status === 'skipped').every((r) => r.errorMessage === 'end_time')).toBe(true);
    expect(done.skipped).toBe(rows.length - sent.length);
    // Exactly what was recorded as sent reached the SMTP server, and nothing after the end.
    const mail = stack.mail.list().filter((m) => m.to.some((t) => t.includes(tag)));
    expect(mail).toHaveLength(sent.length);
    expect(mail.every((m) => Date.parse(m.receivedAt) < Date.parse(c.end_time!) + 1000)).toBe(true);
  });

  it('pauses between sends and resumes where it stopped: every customer exactly once', async () => {
    const { tag } = await audience(40);
    const c = await campaign({ target_tags: [tag], content: 'Hello', rate_limit: 10 });
    const trig = await stack.api('POST', `/api/marketing/campaigns/${c.id}/trigger`);
    const mailed = () => stack.mail.list().filter((m) => m.to.some((t) => t.includes(tag)));
    await waitFor(() => mailed().length >= 5, 'the first emails');

    const paused = await stack.api('POST', `/api/marketing/campaigns/${c.id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    const during = await waitFor(async () => {
      const p = await progress(c.id);
      return p?.state === 'paused' ? p : null;
    }, 'the execution paused');
    expect(during.processed).toBeLessThan(40);
    expect(during.audienceSize).toBe(40);
    expect(during.ratePerSecond).toBeGreaterThan(0);
    // Paused: nothing more is sent (a window to see that nothing happens; there is no event to await).
    const sentWhilePaused = mailed().length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(mailed().length).toBe(sentWhilePaused);
    expect(sentWhilePaused).toBeLessThan(40);
    expect((await stack.api('POST', `/api/marketing/campaigns/${c.id}/pause`)).status).toBe(409);

    expect((await stack.api('POST', `/api/marketing/campaigns/${c.id}/resume`)).body.status).toBe('active');
    const done = await result(c.id, trig.body.execution_id);
    expect(done).toMatchObject({ state: 'completed', processed: 40, sent: 40 });
    expect(mailed()).toHaveLength(40);
    expect(new Set(mailed().map((m) => m.to[0])).size).toBe(40);
    expect(await status(c.id)).toBe('completed');
  });

  it('cancels a running broadcast: it stops, and nothing is left pending', async () => {
    const { tag } = await audience(40);
    const c = await campaign({ target_tags: [tag], content: 'Hello', rate_limit: 10 });
    const trig = await stack.api('POST', `/api/marketing/campaigns/${c.id}/trigger`);
    const mailed = () => stack.mail.list().filter((m) => m.to.some((t) => t.includes(tag)));
    await waitFor(() => mailed().length >= 3, 'the first emails');
    const cancelled = await stack.api('POST', `/api/marketing/campaigns/${c.id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    const done = await result(c.id, trig.body.execution_id);
    expect(done).toMatchObject({ state: 'cancelled', stopReason: 'cancelled' });
    expect(done.sent).toBeLessThan(40);
    const rows = await records(c.id);
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(0);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(mailed().length);
    expect(await status(c.id)).toBe('cancelled');
    // The execution's end is kept on the campaign though the API set its status first.
    const [row] = await stack.database.db.select().from(marketingCampaigns).where(eq(marketingCampaigns.id, c.id));
    expect(row!.actualEndTime).not.toBeNull();
    expect(row!.stats).toMatchObject({ state: 'cancelled', sent: done.sent, processed: rows.length });
    expect((await stack.api('POST', `/api/marketing/campaigns/${c.id}/resume`)).status).toBe(409);
  });
});
