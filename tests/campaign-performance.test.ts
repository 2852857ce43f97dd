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
  /** A provider's delivery receipt. */
  delivered?: boolean;
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
      deliveredAt: r.delivered ? at : null,
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
      { status: 'delivered', sent: true, delivered: true }, // 2 sent, delivered
      { status: 'opened', sent: true, delivered: true, opened: true }, // 3 sent, delivered, opened
      { status: 'clicked', sent: true, delivered: true, opened: true, clicked: true }, // 4 sent, delivered, opened, clicked
      { status: 'converted', sent: true, delivered: true, clicked: true, converted: 30 }, // 5 sent, delivered, clicked, converted (no open tracked)
      { status: 'converted', sent: true, delivered: true, opened: true, converted: 19.99 }, // 6 sent, delivered, opened, converted
      { status: 'opened', sent: true, opened: true }, // 7 sent, opened: an open is no delivery receipt
      { status: 'sent' }, // 8 sent by its status alone
      { status: 'failed', sent: true }, // 9 sent (a bounce after the send)
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
    // sent 9 (1–9), delivered 5 (2–6: their receipts), opened 4 (3, 4, 6, 7), clicked 2 (4, 5), opened or
    // clicked 5 (3–7), converted 2 (5, 6), revenue 30 + 19.99; cost 9 × 0.001; ROI (49.99 − 0.009) / 0.009 × 100.
    // Rates per delivered record (5): response 5/5, conversion 2/5, open 4/5, click 2/5.
    expect(res.body).toEqual({
      campaign_id: id,
      sent: 9,
      delivered: 5,
      opened: 4,
      clicked: 2,
      converted: 2,
      revenue: 49.99,
      cost: 0.009,
      roi: 555344.44,
      responseRate: 100,
      conversionRate: 40,
      openRate: 80,
      clickRate: 40,
      rateBase: 'delivered',
      delivered_basis: 'receipts',
      rates: {
        delivery_rate: { value: 55.56, base: 'sent', numerator: 5, denominator: 9 },
        open_rate: { value: 80, base: 'delivered', numerator: 4, denominator: 5 },
        click_rate: { value: 40, base: 'delivered', numerator: 2, denominator: 5 },
        response_rate: { value: 100, base: 'delivered', numerator: 5, denominator: 5 },
        conversion_rate: { value: 40, base: 'delivered', numerator: 2, denominator: 5 },
      },
    });
  });

  it('costs SMS at their price and, with no receipt at all, counts delivered as sent − bounces', async () => {
    const id = await campaign('sms');
    await records(id, 'sms', [
      { status: 'sent', sent: true },
      { status: 'sent', sent: true },
      // A conversion attributed to a touch whose delivery nobody reported.
      { status: 'sent', sent: true, converted: 12 },
      { status: 'skipped' },
    ]);
    // cost 3 × 0.05 = 0.15; ROI (12 − 0.15) / 0.15 × 100 = 7 900 %; conversion 1/3 of the delivered (= sent, no bounce).
    expect((await stack.api('GET', `${PATH}?campaign_id=${id}`)).body).toEqual({
      campaign_id: id,
      sent: 3,
      delivered: 3,
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
      delivered_basis: 'sent_minus_bounces',
      rates: {
        delivery_rate: { value: 100, base: 'sent', numerator: 3, denominator: 3 },
        open_rate: { value: 0, base: 'delivered', numerator: 0, denominator: 3 },
        click_rate: { value: 0, base: 'delivered', numerator: 0, denominator: 3 },
        response_rate: { value: 0, base: 'delivered', numerator: 0, denominator: 3 },
        conversion_rate: { value: 33.33, base: 'delivered', numerator: 1, denominator: 3 },
      },
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
      delivered_basis: 'sent_minus_bounces',
      rates: {
        delivery_rate: { value: null, base: 'sent', numerator: 0, denominator: 0 },
        open_rate: { value: null, base: 'delivered', numerator: 0, denominator: 0 },
        click_rate: { value: null, base: 'delivered', numerator: 0, denominator: 0 },
        response_rate: { value: null, base: 'delivered', numerator: 0, denominator: 0 },
        conversion_rate: { value: null, base: 'delivered', numerator: 0, denominator: 0 },
      },
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
