// Analytics through the real stack: a campaign's records step forward as its customers open, click, get a
// delivery receipt and order, and never back; rates name their bases with and without receipts; funnels by
// campaign, journey step, flow, channel, time range and experiment variant; the channel comparison; cohorts.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { customers, messages, orders } from '../src/db/schema.js';
import { useFeedbackStack } from './helpers/feedback.js';
import { uid } from './helpers/stack.js';

const feedback = useFeedbackStack();
const { webhook, db, mailTo, customer, broadcast, clickPath, pixelPath } = feedback;
const api = (path: string) => feedback.stack.api('GET', path);
const request = (path: string) => feedback.stack.app.request(path);
const row = async (id: string) => (await db().select().from(messages).where(eq(messages.id, id)))[0]!;
const stage = (group: { stages: Array<{ stage: string }> }, name: string) => group.stages.find((s) => s.stage === name) as any;

/** Customers sharing one tag, and a broadcast to them run to its end; each customer's record and mail. */
async function campaignTo(n: number) {
  const tag = uid('tag');
  const people = [];
  for (let i = 0; i < n; i++) people.push(await customer({ tags: [tag] }));
  const campaign = await broadcast(tag);
  const records = await db().select().from(messages).where(eq(messages.campaignId, campaign.id));
  return {
    id: campaign.id,
    people: people.map((p) => ({ ...p, record: records.find((r) => r.customerId === p.id)!, mail: mailTo(p.email)[0]! })),
  };
}

describe('record statuses follow the customer', () => {
  it('step forward on open, click, receipt and order, never back; status=clicked finds the clicked record', async () => {
    const { id, people } = await campaignTo(3);
    const [ada, bo, cy] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
    expect(people.map((p) => p.record.status)).toEqual(['sent', 'sent', 'sent']);

    // Ada opens twice (the second changes only the count), clicks, and then a late receipt arrives.
    expect((await request(pixelPath(ada.mail))).status).toBe(200);
    const opened = await row(ada.record.id);
    expect(opened).toMatchObject({ status: 'opened', openCount: 1 });
    expect(opened.response).toMatchObject({ smtp: expect.stringMatching(/^250/), interaction: { action: 'open' } });
    expect((await request(pixelPath(ada.mail))).status).toBe(200);
    expect(await row(ada.record.id)).toMatchObject({ status: 'opened', openCount: 2, openedAt: opened.openedAt });
    expect((await request(clickPath(ada.mail))).status).toBe(302);
    const clicked = await row(ada.record.id);
    expect(clicked).toMatchObject({ status: 'clicked', clickCount: 1, openedAt: opened.openedAt });
    expect(clicked.response).toMatchObject({
      smtp: expect.stringMatching(/^250/),
      interaction: { action: 'click', link_id: 0, url: 'https://shop.example.com/sale' },
    });
    expect((await webhook({ events: [{ type: 'delivered', message_id: ada.record.providerMessageId }] })).status).toBe(200);
    const late = await row(ada.record.id);
    expect(late.status).toBe('clicked');
    expect(late.deliveredAt).toBeInstanceOf(Date);

    // Bo's receipt comes first: delivered, then opened.
    await webhook({ events: [{ type: 'delivered', message_id: bo.record.providerMessageId }] });
    expect((await row(bo.record.id)).status).toBe('delivered');
    expect((await request(pixelPath(bo.mail))).status).toBe(200);
    expect((await row(bo.record.id)).status).toBe('opened');

    const listed = async (status: string) =>
      (await api(`/api/marketing/records?campaign_id=${id}&status=${status}`)).body.records.map(
        (r: { customer_id: string }) => r.customer_id,
      );
    expect(await listed('clicked')).toEqual([ada.id]);
    expect(await listed('opened')).toEqual([bo.id]);
    expect(await listed('sent')).toEqual([cy.id]);

    // Ada orders: converted, each step's time kept; a later open does not take her back.
    const order = { id: uid('evt'), type: 'order_completed', customerId: ada.id, properties: { order_id: uid('order'), amount: 42.5 } };
    expect((await feedback.stack.api('POST', '/api/events', order)).status).toBe(202);
    expect((await request(pixelPath(ada.mail))).status).toBe(200);
    const converted = await row(ada.record.id);
    expect(converted).toMatchObject({
      status: 'converted',
      revenue: 42.5,
      openCount: 3,
      clickedAt: clicked.clickedAt,
      deliveredAt: late.deliveredAt,
    });
    expect(converted.sentAt).toBeInstanceOf(Date);
    expect(await listed('converted')).toEqual([ada.id]);
    expect(await listed('clicked')).toEqual([]);

    // Counted as sent whatever became of them: 3 sent, 2 receipts (Cy has none, but the campaign has receipts).
    const perf = (await api(`/api/ai-ops/customer/performance?campaign_id=${id}`)).body;
    expect(perf).toMatchObject({ sent: 3, delivered: 2, delivered_basis: 'receipts', opened: 2, clicked: 1, converted: 1, revenue: 42.5 });
    expect(perf.rates.open_rate).toEqual({ value: 100, base: 'delivered', numerator: 2, denominator: 2 });
    const funnel = (await api(`/api/analytics/funnel?campaign_id=${id}`)).body;
    expect(funnel.groups).toHaveLength(1);
    expect(funnel.groups[0].stages.map((s: { count: number }) => s.count)).toEqual([3, 2, 2, 1, 1]);
    expect(stage(funnel.groups[0], 'converted').of_previous).toEqual({ value: 100, base: 'clicked', numerator: 1, denominator: 1 });
    expect(funnel.groups[0].revenue).toBe(42.5);
  });
});

describe('rates with honest bases', () => {
  it('gives 5 sent and 2 clicks without receipts a click rate of 40 % of delivered (sent − bounces); a bounce takes one off', async () => {
    const { id, people } = await campaignTo(5);
    for (const p of people.slice(0, 2)) expect((await request(clickPath(p.mail))).status).toBe(302);
    const perf = (await api(`/api/ai-ops/customer/performance?campaign_id=${id}`)).body;
    expect(perf).toMatchObject({
      sent: 5,
      delivered: 5,
      clicked: 2,
      clickRate: 40,
      delivered_basis: 'sent_minus_bounces',
      rateBase: 'sent',
    });
    expect(perf.rates.click_rate).toEqual({ value: 40, base: 'delivered', numerator: 2, denominator: 5 });
    const funnel = (await api(`/api/analytics/funnel?campaign_id=${id}`)).body.groups[0];
    expect(funnel.delivered_basis).toBe('sent_minus_bounces');
    expect(stage(funnel, 'clicked').of_sent).toEqual({ value: 40, base: 'sent', numerator: 2, denominator: 5 });

    await webhook({ events: [{ type: 'bounced', message_id: people[4]!.record.providerMessageId, bounce_type: 'hard' }] });
    const after = (await api(`/api/ai-ops/customer/performance?campaign_id=${id}`)).body;
    expect(after).toMatchObject({ sent: 5, delivered: 4, clickRate: 50, delivered_basis: 'sent_minus_bounces' });
    expect((await row(people[4]!.record.id)).status).toBe('sent');
  });
});

describe('funnels and the channel comparison', () => {
  // Records of a week of 2024 nobody else writes to: the period makes these tests' figures their own.
  const from = '2024-03-04T00:00:00Z';
  const to = '2024-03-11T00:00:00Z';
  const day = (d: number, hour = 10) => new Date(Date.UTC(2024, 2, 4 + d, hour));
  const experiment = uid('exp');
  const flowId = uid('flow');

  async function seed() {
    const record = (channel: 'email' | 'sms', status: string, extra: Partial<typeof messages.$inferInsert> = {}) => ({
      idempotencyKey: uid('seed'),
      customerId: uid('cust'),
      stepKey: 'offer',
      journeyKey: `flow:${flowId}`,
      channel,
      status: status as 'sent',
      sentAt: day(0),
      ...extra,
    });
    await db()
      .insert(messages)
      .values([
        // Email, variant a: 3 sent on day 0, 2 receipts, 2 opened, 1 clicked and converted (30).
        record('email', 'converted', {
          experimentId: experiment,
          variant: 'a',
          deliveredAt: day(0),
          openedAt: day(0),
          clickedAt: day(0),
          convertedAt: day(1),
          revenue: 30,
        }),
        record('email', 'opened', { experimentId: experiment, variant: 'a', deliveredAt: day(0), openedAt: day(0) }),
        record('email', 'sent', { experimentId: experiment, variant: 'a' }),
        // Email, variant b: 2 sent on day 1, 1 receipt, nothing else.
        record('email', 'delivered', { experimentId: experiment, variant: 'b', sentAt: day(1), deliveredAt: day(1) }),
        record('email', 'sent', { experimentId: experiment, variant: 'b', sentAt: day(1) }),
        // SMS, another step: 4 sent on day 1, no receipts, 1 bounced, 1 clicked and converted (12.5).
        record('sms', 'converted', { stepKey: 'reminder', sentAt: day(1), clickedAt: day(1), convertedAt: day(2), revenue: 12.5 }),
        record('sms', 'sent', { stepKey: 'reminder', sentAt: day(1), bouncedAt: day(1), bounceType: 'hard' }),
        record('sms', 'sent', { stepKey: 'reminder', sentAt: day(1) }),
        record('sms', 'sent', { stepKey: 'reminder', sentAt: day(1) }),
        // Outside the period, simulated, or never sent: none of these count.
        record('email', 'clicked', { sentAt: day(7), clickedAt: day(7) }),
        record('email', 'simulated', { openedAt: day(0) }),
        record('sms', 'failed', { sentAt: null }),
      ]);
  }

  it('counts a funnel by experiment variant, channel, step, flow and day within the period', async () => {
    await seed();
    const period = `from=${from}&to=${to}`;
    const byVariant = (await api(`/api/analytics/funnel?experiment_id=${experiment}&${period}`)).body;
    expect(byVariant.group_by).toBe('variant');
    expect(byVariant.groups.map((g: any) => [g.key, g.delivered_basis, g.revenue, ...g.stages.map((s: any) => s.count)])).toEqual([
      ['a', 'receipts', 30, 3, 2, 2, 1, 1],
      ['b', 'receipts', 0, 2, 1, 0, 0, 0],
    ]);
    const a = byVariant.groups[0];
    expect(stage(a, 'opened').of_previous).toEqual({ value: 100, base: 'delivered', numerator: 2, denominator: 2 });
    expect(stage(a, 'clicked').of_sent).toEqual({ value: 33.33, base: 'sent', numerator: 1, denominator: 3 });

    const sms = (await api(`/api/analytics/funnel?channel=sms&${period}`)).body.groups[0];
    expect(sms.delivered_basis).toBe('sent_minus_bounces');
    expect(sms.stages.map((s: any) => s.count)).toEqual([4, 3, 0, 1, 1]);
    expect(stage(sms, 'delivered').of_previous).toEqual({ value: 75, base: 'sent', numerator: 3, denominator: 4 });

    const step = (await api(`/api/analytics/funnel?flow_id=${flowId}&step_key=reminder&${period}`)).body.groups[0];
    expect(step.stages[0].count).toBe(4);
    const journeyStep = (await api(`/api/analytics/funnel?journey_key=flow:${flowId}&step_key=offer&${period}`)).body.groups[0];
    expect(journeyStep.stages[0].count).toBe(5);

    const flow = (await api(`/api/analytics/funnel?flow_id=${flowId}&${period}&group_by=step`)).body;
    expect(flow.groups.map((g: any) => [g.key, g.stages[0].count, g.delivered_basis])).toEqual([
      [`flow:${flowId}/offer`, 5, 'receipts'],
      [`flow:${flowId}/reminder`, 4, 'sent_minus_bounces'],
    ]);
    const byDay = (await api(`/api/analytics/funnel?flow_id=${flowId}&${period}&group_by=day`)).body;
    expect(byDay.groups.map((g: any) => [g.key, g.stages[0].count])).toEqual([
      ['2024-03-04', 3],
      ['2024-03-05', 6],
    ]);
    // The whole flow over the period: both channels, each counted its own way.
    const all = (await api(`/api/analytics/funnel?flow_id=${flowId}&${period}`)).body.groups[0];
    expect(all).toMatchObject({ key: null, delivered_basis: 'mixed', revenue: 42.5 });
    expect(all.stages.map((s: any) => s.count)).toEqual([9, 6, 2, 2, 2]);
    // Without the period the later click counts too.
    expect((await api(`/api/analytics/funnel?flow_id=${flowId}`)).body.groups[0].stages[0].count).toBe(10);
  });

  it('compares the channels of the period: volume, cost, rates with their bases, revenue and ROI', async () => {
    const res = await api(`/api/analytics/channels?from=2024-03-04T00:00:00Z&to=2024-03-11T00:00:00Z`);
    expect(res.status).toBe(200);
    const [email, sms] = res.body.channels;
    // Email: 5 sent × 0.001 = 0.005; revenue 30; ROI (30 − 0.005) / 0.005 × 100 = 599 900 %.
    expect(email).toMatchObject({
      channel: 'email',
      sent: 5,
      delivered: 3,
      delivered_basis: 'receipts',
      cost: 0.005,
      revenue: 30,
      roi: 599900,
    });
    expect(email.rates).toEqual({
      delivery_rate: { value: 60, base: 'sent', numerator: 3, denominator: 5 },
      open_rate: { value: 66.67, base: 'delivered', numerator: 2, denominator: 3 },
      click_rate: { value: 33.33, base: 'delivered', numerator: 1, denominator: 3 },
      conversion_rate: { value: 33.33, base: 'delivered', numerator: 1, denominator: 3 },
    });
    // SMS: 4 × 0.05 = 0.2; revenue 12.5; ROI (12.5 − 0.2) / 0.2 × 100 = 6 150 %.
    expect(sms).toMatchObject({
      channel: 'sms',
      sent: 4,
      delivered: 3,
      delivered_basis: 'sent_minus_bounces',
      cost: 0.2,
      revenue: 12.5,
      roi: 6150,
    });
    expect(sms.rates.click_rate).toEqual({ value: 33.33, base: 'delivered', numerator: 1, denominator: 3 });
    expect(res.body.channels).toHaveLength(2);
  });
});

describe('cohorts', () => {
  it('groups customers by signup week (Monday, UTC) and accumulates the share with a first order', async () => {
    const monday = Date.UTC(2023, 0, 2); // 2023-01-02, ISO week 2023-W01
    const at = (days: number, hours = 0) => new Date(monday + days * 86_400_000 + hours * 3_600_000);
    const people = [
      { id: uid('coh'), createdAt: at(0, 1), firstOrder: at(1) }, // week 0
      { id: uid('coh'), createdAt: at(6, 23), firstOrder: at(8) }, // Sunday signup, order in week 1
      { id: uid('coh'), createdAt: at(3), firstOrder: at(20) }, // week 2
      { id: uid('coh'), createdAt: at(2), firstOrder: null },
      { id: uid('coh'), createdAt: at(7), firstOrder: at(7, 5) }, // the next Monday: the next cohort, week 0
    ];
    await db()
      .insert(customers)
      .values(people.map((p) => ({ id: p.id, createdAt: p.createdAt })));
    const bought = people.filter((p) => p.firstOrder);
    await db()
      .insert(orders)
      .values([
        ...bought.map((p) => ({ id: uid('order'), customerId: p.id, amount: 10, occurredAt: p.firstOrder! })),
        // A second order of the first customer changes nothing.
        { id: uid('order'), customerId: people[0]!.id, amount: 10, occurredAt: at(15) },
      ]);

    const res = await api('/api/analytics/cohorts?from=2023-01-02T00:00:00Z&to=2023-01-16T00:00:00Z&weeks=3');
    expect(res.status).toBe(200);
    expect(res.body.cohorts.map((c: any) => [c.week_start, c.iso_week, c.size, ...c.weeks.map((w: any) => w.converted)])).toEqual([
      ['2023-01-02', '2023-W01', 4, 1, 2, 3],
      ['2023-01-09', '2023-W02', 1, 1, 1, 1],
    ]);
    expect(res.body.cohorts[0].weeks[1]).toEqual({
      week: 1,
      converted: 2,
      rate: { value: 50, base: 'cohort_size', numerator: 2, denominator: 4 },
      complete: true,
    });
  });
});

describe('bad queries and the document', () => {
  it('refuses bad values with 400 invalid_query naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['/api/analytics/funnel?from=yesterday', 'from'],
      ['/api/analytics/funnel?to=2024-13-01T00:00:00Z', 'to'],
      ['/api/analytics/funnel?from=2024-03-05T00:00:00Z&to=2024-03-04T00:00:00Z', 'to'],
      ['/api/analytics/funnel?step_key=offer', 'step_key'],
      ['/api/analytics/funnel?flow_id=x&journey_key=y', 'flow_id'],
      ['/api/analytics/funnel?group_by=week', 'group_by'],
      ['/api/analytics/funnel?channel=fax', 'channel'],
      ['/api/analytics/channels?from=2024-03-04', 'from'],
      ['/api/analytics/cohorts?weeks=0', 'weeks'],
      ['/api/analytics/cohorts?weeks=abc', 'weeks'],
    ];
    for (const [path, field] of cases) {
      const res = await api(path);
      expect([path, res.status, res.body.error?.code, res.body.error?.field]).toEqual([path, 400, 'invalid_query', field]);
      expect(res.body.error.message).toContain(field);
    }
  });

  it('takes the read scope, and is in the OpenAPI document', async () => {
    const writer = await feedback.stack.authAs(uid('backend'), ['events:write']);
    expect((await feedback.stack.api('GET', '/api/analytics/channels', undefined, writer)).status).toBe(403);
    const reader = await feedback.stack.authAs(uid('reader'), ['read']);
    expect((await feedback.stack.api('GET', '/api/analytics/channels', undefined, reader)).status).toBe(200);
    const doc = (await api('/openapi.json')).body;
    for (const path of ['/api/analytics/funnel', '/api/analytics/channels', '/api/analytics/cohorts'])
      expect(doc.paths[path].get['x-scope']).toBe('read');
  });
});
