// Campaign performance through the API on PostgreSQL: a hand-built set of records with
// every status, counted by GET /api/ai-ops/customer/performance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CampaignType, marketingCampaigns, type MessageStatus, messages } from '../src/db/schema.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, worker: false });
});
afterAll(async () => {
  await stack?.close();
});

const PATH = '/api/ai-ops/customer/performance';
const at = new Date('2026-06-01T10:00:00Z');

async function campaign(type: CampaignType): Promise<string> {
  const [row] = await stack.database.db
    .insert(marketingCampaigns)
    .values({ name: uid('perf'), type, targetTags: ['x'], content: 'Hi', status: 'completed' })
    .returning({ id: marketingCampaigns.id });
  return row!.id;
}

interface Record {
  status: MessageStatus;
  sent?: boolean;
  opened?: boolean;
  clicked?: boolean;
  converted?: number;
}

async function records(campaignId: string | null, channel: 'email' | 'sms', list: Record[]) {
  await stack.database.db.insert(messages).values(
    list.map((r, i) => ({
      idempotencyKey: uid(`perf-${i}`),
      customerId: `perf-cust-${i}`,
      campaignId,
      executionId: campaignId ? (r.status === 'simulated' ? 'sim-1' : 'exec-1') : null,
      stepKey: 'campaign',
      channel,
      status: r.status,
      sentAt: r.sent ? at : null,
      openedAt: r.opened ? at : null,
      clickedAt: r.clicked ? at : null,
      convertedAt: r.converted !== undefined ? at : null,
      revenue: r.converted ?? null,
    })),
  );
}

describe('GET /api/ai-ops/customer/performance', () => {
  it('counts the funnel, revenue, cost and ROI of an email campaign from its records', async () => {
    const id = await campaign('email');
    await records(id, 'email', [
      { status: 'sent', sent: true }, // 1 sent
      { status: 'delivered', sent: true }, // 2 sent, delivered
      { status: 'opened', sent: true, opened: true }, // 3 sent, delivered, opened
      { status: 'clicked', sent: true, opened: true, clicked: true }, // 4 sent, delivered, opened, clicked
      { status: 'converted', sent: true, clicked: true, converted: 30 }, // 5 sent, delivered, clicked, converted (no open tracked)
      { status: 'converted', sent: true, opened: true, converted: 19.99 }, // 6 sent, delivered, opened, converted
      { status: 'sent' }, // 7 sent by its status alone
      { status: 'failed', sent: true }, // 8 sent (a bounce after the send)
      { status: 'failed' }, // not sent
      { status: 'skipped' }, // not sent
      { status: 'pending' }, // not sent
      { status: 'simulated', sent: true, opened: true, clicked: true, converted: 100 }, // a simulation: not counted
    ]);
    // Another campaign's and a journey's records are not this campaign's.
    await records(await campaign('email'), 'email', [{ status: 'converted', sent: true, opened: true, converted: 5 }]);
    await records(null, 'email', [{ status: 'opened', sent: true, opened: true }]);

    const res = await stack.api('GET', `${PATH}?campaign_id=${id}`);
    expect(res.status).toBe(200);
    // sent 8 (1–8), delivered 5 (2–6), opened 3 (3, 4, 6), clicked 2 (4, 5), opened or clicked 4 (3–6),
    // converted 2 (5, 6), revenue 30 + 19.99; cost 8 × 0.001; ROI (49.99 − 0.008) / 0.008 × 100 = 624 775 %.
    // Rates per delivered record (5): response 4/5, conversion 2/5, open 3/5, click 2/5.
    expect(res.body).toEqual({
      campaign_id: id,
      sent: 8,
      delivered: 5,
      opened: 3,
      clicked: 2,
      converted: 2,
      revenue: 49.99,
      cost: 0.008,
      roi: 624775,
      responseRate: 80,
      conversionRate: 40,
      openRate: 60,
      clickRate: 40,
      rateBase: 'delivered',
    });
  });

  it('costs SMS at their price and takes rates per sent record when none is marked delivered', async () => {
    const id = await campaign('sms');
    await records(id, 'sms', [
      { status: 'sent', sent: true },
      { status: 'sent', sent: true },
      // A conversion attributed to a touch whose delivery nobody reported.
      { status: 'sent', sent: true, converted: 12 },
      { status: 'skipped' },
    ]);
    // cost 3 × 0.05 = 0.15; ROI (12 − 0.15) / 0.15 × 100 = 7 900 %; conversion 1/3 of the sent records.
    expect((await stack.api('GET', `${PATH}?campaign_id=${id}`)).body).toEqual({
      campaign_id: id,
      sent: 3,
      delivered: 0,
      opened: 0,
      clicked: 0,
      converted: 1,
      revenue: 12,
      cost: 0.15,
      roi: 7900,
      responseRate: 0,
      conversionRate: 33.33,
      openRate: 0,
      clickRate: 0,
      rateBase: 'sent',
    });
  });

  it('answers zeros, and null ROI and rates, for a campaign with no records', async () => {
    const id = await campaign('webhook');
    expect((await stack.api('GET', `${PATH}?campaign_id=${id}`)).body).toEqual({
      campaign_id: id,
      sent: 0,
      delivered: 0,
      opened: 0,
      clicked: 0,
      converted: 0,
      revenue: 0,
      cost: 0,
      roi: null,
      responseRate: null,
      conversionRate: null,
      openRate: null,
      clickRate: null,
      rateBase: 'sent',
    });
  });

  it('is a 400 without campaign_id and a 404 for an unknown campaign', async () => {
    const missing = await stack.api('GET', PATH);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_query', field: 'campaign_id' });
    expect((await stack.api('GET', `${PATH}?campaign_id=`)).status).toBe(400);
    for (const id of ['7d3f2c1a-9b8e-4c6d-a5f4-3e2d1c0b9a87', 'not-a-uuid']) {
      const res = await stack.api('GET', `${PATH}?campaign_id=${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'campaign_not_found', message: `no campaign "${id}"` });
    }
  });
});
