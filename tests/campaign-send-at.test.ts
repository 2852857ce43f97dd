// A campaign's own send time (`send_at`) through the real stack, on the time-skipping server: each
// recipient's record waits for their own clock — a fixed local time, or their best hour (their opens and
// clicks, else the workspace's) — and is sent once then; the send time is not an A/B test of its own.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignProgress } from '../src/campaigns/campaign.workflow.js';
import { customers, messages } from '../src/db/schema.js';
import { localParts } from '../src/domain/local-time.js';
import { campaignWorkflowId } from '../src/temporal/workflow-ids.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: the best hour falls back on every open of the workspace.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;
const records = (campaignId: string) => stack.database.db.select().from(messages).where(eq(messages.campaignId, campaignId));
const mailOf = (id: string) => stack.mail.list().filter((m) => m.to.includes(`${id}@example.com`));

async function skipTo(at: number): Promise<void> {
  for (let now = await stack.env.currentTimeMs(); now < at; now = await stack.env.currentTimeMs()) {
    await stack.env.sleep(Math.min(at - now, 60 * 60_000));
  }
}

/** Customers with the tag, one per zone (null: the workspace's default zone, UTC). */
async function audience(tag: string, zones: Array<string | null>) {
  const ids = zones.map((_, i) => `${tag}-${i}`);
  await stack.database.db
    .insert(customers)
    .values(ids.map((id, i) => ({ id, email: `${id}@example.com`, name: `顾客 ${i}`, tags: [tag], timezone: zones[i] })));
  return ids;
}

async function sendAtCampaign(tag: string, sendAt: unknown) {
  const created = await stack.api('POST', '/api/marketing/campaigns', {
    name: uid('send-at'),
    type: 'email',
    target_tags: [tag],
    content: { subject: '早上好 {{ customer.name }}', text: 'Hi' },
    send_at: sendAt,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; send_at: unknown };
}

/** Triggers it and waits until every record waits for its send time. */
async function triggerAndWait(campaignId: string, n: number) {
  const started = await stack.env.currentTimeMs();
  const trigger = await stack.api('POST', `/api/marketing/campaigns/${campaignId}/trigger`, { execution_type: 'actual' });
  expect(trigger.status).toBe(202);
  const waiting = await waitFor(async () => {
    const rows = await records(campaignId);
    return rows.length === n && rows.every((r) => r.status === 'pending' && r.errorMessage === 'send_time') ? rows : null;
  }, 'every record waiting for its send time');
  return { started, waiting, executionId: trigger.body.execution_id as string };
}

describe('a campaign with send_at', () => {
  it('sends each customer once, at 09:00 on their own clock', async () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'Europe/Berlin', null];
    const tag = uid('nine');
    const ids = await audience(tag, zones);
    const campaign = await sendAtCampaign(tag, { local_time: '09:00' });
    expect(campaign.send_at).toEqual({ local_time: '09:00' });

    const { started, waiting, executionId } = await triggerAndWait(campaign.id, ids.length);
    for (const [i, id] of ids.entries()) {
      const at = waiting.find((r) => r.customerId === id)!.leaseUntil!.getTime();
      const local = localParts(zones[i] ?? 'UTC', at);
      expect([local.hour, local.minute], `${zones[i]}`).toEqual([9, 0]);
      expect(at).toBeGreaterThan(started - 60_000);
      expect(at).toBeLessThanOrEqual(started + DAY + 60_000);
    }
    expect(ids.flatMap(mailOf)).toEqual([]);

    await skipTo(started + DAY + 2 * 3600_000);
    const done = (await stack.env.client.workflow.getHandle(campaignWorkflowId(campaign.id, executionId)).result()) as CampaignProgress;
    expect(done).toMatchObject({ state: 'completed', sent: ids.length, failed: 0 });
    for (const [i, id] of ids.entries()) expect(mailOf(id).map((m) => m.subject)).toEqual([`早上好 顾客 ${i}`]);

    // Its send time is the campaign's, not an experiment to read or steer.
    expect((await stack.api('GET', `/api/experiments?campaign_id=${campaign.id}`)).body.experiments).toEqual([]);
  });

  it("sends at each customer's best hour: their most frequent open hour, else the workspace's", async () => {
    const tag = uid('best');
    const [fan, fresh] = await audience(tag, ['Asia/Shanghai', 'Europe/Berlin']);
    // Three opens at 20:xx Shanghai time (12:xx UTC) on earlier days.
    const base = Date.parse('2026-01-05T12:15:00Z');
    await stack.database.db.insert(messages).values(
      [0, 1, 2].map((d) => ({
        idempotencyKey: uid('opened'),
        customerId: fan!,
        stepKey: 'earlier',
        channel: 'email' as const,
        status: 'opened' as const,
        sentAt: new Date(base + d * DAY - 3600_000),
        openedAt: new Date(base + d * DAY),
      })),
    );
    const campaign = await sendAtCampaign(tag, { best_hour: true });
    const { started, waiting, executionId } = await triggerAndWait(campaign.id, 2);
    const hourOf = (id: string, zone: string) => localParts(zone, waiting.find((r) => r.customerId === id)!.leaseUntil!.getTime()).hour;
    expect(hourOf(fan!, 'Asia/Shanghai')).toBe(20);
    // Without opens of their own: the workspace's best hour (the opens above, on their own clock: 20).
    expect(hourOf(fresh!, 'Europe/Berlin')).toBe(20);

    await skipTo(started + DAY + 2 * 3600_000);
    await stack.env.client.workflow.getHandle(campaignWorkflowId(campaign.id, executionId)).result();
    expect(mailOf(fan!)).toHaveLength(1);
    expect(mailOf(fresh!)).toHaveLength(1);
  });

  it('refuses send_at where it cannot hold, naming the field', async () => {
    const tag = uid('refused');
    await audience(tag, [null]);
    const post = (body: Record<string, unknown>) =>
      stack.api('POST', '/api/marketing/campaigns', { name: uid('x'), type: 'email', target_tags: [tag], content: 'Hi', ...body });
    expect(await post({ send_at: { local_time: '25:00' } })).toMatchObject({
      status: 422,
      body: { error: { field: 'send_at.local_time' } },
    });
    expect(await post({ send_at: { best_hour: false } })).toMatchObject({ status: 422 });
    expect(
      await post({ type: undefined, channels: ['email', 'sms'], content: { email: 'Hi', sms: 'Hi' }, send_at: { best_hour: true } }),
    ).toMatchObject({ status: 422, body: { error: { field: 'send_at' } } });

    // A campaign with send_at takes no A/B test; one with an A/B test takes no send_at.
    const timed = await sendAtCampaign(tag, { local_time: '10:00' });
    const experiment = { name: uid('exp'), campaign_id: timed.id, goal: 'open_rate', variants: [{ key: 'A' }, { key: 'B', subject: 'B' }] };
    expect(await stack.api('POST', '/api/experiments', experiment)).toMatchObject({
      status: 409,
      body: { error: { code: 'campaign_send_at' } },
    });
    const plain = (await post({})).body as { id: string };
    expect((await stack.api('POST', '/api/experiments', { ...experiment, campaign_id: plain.id })).status).toBe(201);
    expect(await stack.api('PUT', `/api/marketing/campaigns/${plain.id}`, { send_at: { best_hour: true } })).toMatchObject({
      status: 409,
      body: { error: { code: 'experiment_exists', field: 'send_at' } },
    });
    // Cleared by an edit: at once again.
    expect(await stack.api('PUT', `/api/marketing/campaigns/${timed.id}`, { send_at: null })).toMatchObject({
      status: 200,
      body: { send_at: null },
    });
  });
});
