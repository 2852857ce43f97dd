// The CRM views through the real stack: the customer list (Unicode search, manual and computed tags, tier,
// RFM group and segment filters, pages), a customer's upgrades and timeline, and the behaviour data a
// refresh computes, shown in the profile — on a database of the file's own, since a refresh concerns all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, events, messages, orders, segmentMembers, segments, upgradeHistory } from '../src/db/schema.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, worker: false, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
/** `days` UTC days before today at `hour`:00 UTC. */
const dayAt = (days: number, hour: number) => {
  const d = new Date(Date.now() - days * DAY);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour));
};

async function customer(values: Partial<typeof customers.$inferInsert> = {}): Promise<string> {
  const id = values.id ?? uid('crm');
  await stack.database.db.insert(customers).values({ createdAt: ago(400), ...values, id });
  return id;
}
const order = (customerId: string, at: Date, items: Array<Record<string, unknown>> = []) =>
  stack.database.db.insert(orders).values({ id: uid('o'), customerId, amount: 30, items, occurredAt: at });
const visit = (customerId: string, type: string, at: Date) =>
  stack.database.db.insert(events).values({ id: uid('e'), type, customerId, occurredAt: at, dispatchedAt: at });
const message = (customerId: string, m: Partial<typeof messages.$inferInsert>) =>
  stack.database.db
    .insert(messages)
    .values({ idempotencyKey: uid('m'), customerId, stepKey: 'test', channel: 'email', status: 'sent', ...m });
const refresh = async () => expect((await stack.api('POST', '/api/ai-ops/customer/refresh')).status).toBe(200);
const ids = (res: { body: { customers: Array<{ id: string }> } }) => res.body.customers.map((c) => c.id);

describe('GET /api/customers', () => {
  it('searches id, email and name in any case and script; % is taken literally', async () => {
    const wang = await customer({ name: '王小明', email: 'xm@example.cn' });
    const zoe = await customer({ name: 'ZOË Ämber', email: 'zoe@example.com' });
    const pct = await customer({ name: '100% Müller' });
    expect(ids(await stack.api('GET', `/api/customers?q=${encodeURIComponent('小明')}`))).toEqual([wang]);
    expect(ids(await stack.api('GET', `/api/customers?q=${encodeURIComponent('zoë ä')}`))).toEqual([zoe]);
    expect(ids(await stack.api('GET', `/api/customers?q=${encodeURIComponent('ZOE@EXAMPLE')}`))).toEqual([zoe]);
    expect(ids(await stack.api('GET', `/api/customers?q=${encodeURIComponent(wang.slice(-6))}`))).toEqual([wang]);
    expect(ids(await stack.api('GET', `/api/customers?q=${encodeURIComponent('0% m')}`))).toEqual([pct]);
    expect(ids(await stack.api('GET', `/api/customers?q=${encodeURIComponent('%')}`))).toEqual([pct]);
    const [item] = (await stack.api('GET', `/api/customers?q=${encodeURIComponent('小明')}`)).body.customers;
    expect(item).toEqual({
      id: wang,
      email: 'xm@example.cn',
      name: '王小明',
      tier: 'new',
      points: 0,
      tags: [],
      rfm_segment: null,
      created_at: expect.any(String),
    });
  });

  it('filters by a manual tag, pages newest first without overlap', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push(await customer({ tags: ['新用户'], createdAt: ago(10 - i) }));
    const page1 = await stack.api('GET', `/api/customers?tag=${encodeURIComponent('新用户')}&page_size=2`);
    const page2 = await stack.api('GET', `/api/customers?tag=${encodeURIComponent('新用户')}&page_size=2&page=2`);
    expect(page1.body.pagination).toEqual({ total: 3, page: 1, page_size: 2 });
    expect([...ids(page1), ...ids(page2)]).toEqual([...made].reverse());
  });

  it('filters by tier, by RFM group and by dynamic segment; an unknown segment is a 404 naming it', async () => {
    const vip = await customer({ tier: 'vip', points: 500 });
    const lapsed = await customer();
    await order(lapsed, ago(200));
    await order(lapsed, ago(150));
    const member = await customer();
    const segmentId = uid('seg');
    await stack.database.db.insert(segments).values({ id: segmentId, name: segmentId });
    await stack.database.db.insert(segmentMembers).values({ segmentId, customerId: member });
    await refresh();
    const byTier = await stack.api('GET', '/api/customers?tier=vip');
    expect(ids(byTier)).toContain(vip);
    expect(byTier.body.customers.every((c: { tier: string }) => c.tier === 'vip')).toBe(true);
    const churn = await stack.api('GET', '/api/customers?segment=churn_risk&page_size=200');
    expect(ids(churn)).toContain(lapsed);
    expect(churn.body.customers.every((c: { rfm_segment: string }) => c.rfm_segment === 'churn_risk')).toBe(true);
    expect(ids(await stack.api('GET', `/api/customers?segment=${segmentId}`))).toEqual([member]);
    const unknown = await stack.api('GET', '/api/customers?segment=no-such-segment');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'segment_not_found', field: 'segment' });
  });

  it('400 invalid_query naming the parameter', async () => {
    for (const [query, field] of [
      ['page_size=0', 'page_size'],
      ['page_size=201', 'page_size'],
      ['page=x', 'page'],
      ['tier=gold', 'tier'],
      ['q=', 'q'],
    ]) {
      const res = await stack.api('GET', `/api/customers?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatchObject({ code: 'invalid_query', field });
    }
  });
});

describe('GET /api/customers/{id}/upgrades and /timeline', () => {
  it('upgrades newest first; 404 for an unknown customer', async () => {
    const id = await customer({ tier: 'loyal' });
    const row = (from: string, to: string, at: Date) => ({
      idempotencyKey: uid('up'),
      customerId: id,
      fromTier: from,
      toTier: to,
      rewards: { points: 100, coupon: null },
      source: 'automatic',
      createdAt: at,
    });
    await stack.database.db.insert(upgradeHistory).values([row('new', 'regular', ago(30)), row('regular', 'loyal', ago(2))]);
    const res = await stack.api('GET', `/api/customers/${id}/upgrades`);
    expect(res.status).toBe(200);
    expect(res.body.upgrades.map((u: { from_tier: string; to_tier: string }) => `${u.from_tier}>${u.to_tier}`)).toEqual([
      'regular>loyal',
      'new>regular',
    ]);
    expect(res.body.upgrades[0]).toMatchObject({ rewards: { points: 100, coupon: null }, source: 'automatic' });
    expect(Date.parse(res.body.upgrades[0].created_at)).toBeGreaterThan(Date.parse(res.body.upgrades[1].created_at));
    expect((await stack.api('GET', `/api/customers/${id}x/upgrades`)).body.error).toMatchObject({ code: 'customer_not_found' });
    expect((await stack.api('GET', `/api/customers/${id}x/upgrades`)).status).toBe(404);
  });

  it('the timeline: events and touches newest first, each touch with its funnel times, by page', async () => {
    const id = await customer();
    await visit(id, 'page_view', ago(3));
    await visit(id, 'login', ago(1));
    await message(id, {
      campaignId: 'camp-春节',
      subject: '欢迎回来',
      status: 'clicked',
      sentAt: ago(2),
      deliveredAt: ago(1.9),
      openedAt: ago(1.8),
      clickedAt: ago(1.7),
    });
    const res = await stack.api('GET', `/api/customers/${id}/timeline`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { kind: string; event?: { type: string } }) => i.event?.type ?? i.kind)).toEqual([
      'login',
      'touch',
      'page_view',
    ]);
    expect(res.body.items[1]).toEqual({
      kind: 'touch',
      at: expect.any(String),
      touch: {
        message_id: expect.any(String),
        channel: 'email',
        status: 'clicked',
        campaign_id: 'camp-春节',
        journey: null,
        subject: '欢迎回来',
        sent_at: res.body.items[1].at,
        delivered_at: expect.any(String),
        opened_at: expect.any(String),
        clicked_at: expect.any(String),
        converted_at: null,
      },
    });
    const t = res.body.items[1].touch;
    expect([t.sent_at, t.delivered_at, t.opened_at, t.clicked_at].map(Date.parse)).toEqual(
      [t.sent_at, t.delivered_at, t.opened_at, t.clicked_at].map(Date.parse).sort((a, b) => a - b),
    );
    const page2 = await stack.api('GET', `/api/customers/${id}/timeline?page=2&page_size=2`);
    expect(page2.body.pagination).toEqual({ total: 3, page: 2, page_size: 2 });
    expect(page2.body.items.map((i: { event: { type: string } }) => i.event.type)).toEqual(['page_view']);
    expect((await stack.api('GET', `/api/customers/${id}/timeline?page_size=abc`)).body.error).toMatchObject({
      code: 'invalid_query',
      field: 'page_size',
    });
    expect((await stack.api('GET', '/api/customers/nobody-here/timeline')).status).toBe(404);
  });
});

describe('behaviour data after a refresh, in the profile', () => {
  it('preferred time slots, the response rate with its base, churn risk; package_buyer and night_visitor', async () => {
    // Shanghai is UTC+8: orders at 11:00 UTC are 19:00 there (evening), opens at 01:00 UTC 09:00 (morning).
    const habit = await customer({ timezone: 'Asia/Shanghai' });
    for (const d of [10, 11, 12, 13]) await order(habit, dayAt(d, 11));
    await message(habit, { status: 'clicked', sentAt: dayAt(5, 0), openedAt: dayAt(5, 1), clickedAt: dayAt(5, 1) });
    await message(habit, { status: 'sent', sentAt: dayAt(5, 0) });
    // A transactional message: its open counts as a touch, not in the response rate.
    await message(habit, { status: 'opened', transactional: true, sentAt: dayAt(4, 0), openedAt: dayAt(4, 1) });
    // Every 10 days, last 20 days ago, active then: half overdue (0.5), 20 of 90 quiet days.
    const due = await customer({ lastActivityAt: ago(20) });
    await order(due, ago(30));
    await order(due, ago(20));
    const never = await customer();
    // Night visits without a single order; a gift box (礼盒) bought three times.
    const owl = await customer();
    for (const d of [3, 4, 5]) await visit(owl, 'page_view', dayAt(d, 23));
    const gifts = await customer({ tags: ['新用户'] });
    await order(gifts, ago(3), [{ sku: 'G1', name: '中秋礼盒', category: '礼盒', price: 30, quantity: 3 }]);
    await refresh();

    const profile = async (id: string) => (await stack.api('GET', `/api/customers/${id}`)).body.insights;
    const h = await profile(habit);
    expect(h.behaviour).toEqual({
      preferred_time_slots: [
        { slot: 'evening', hours: '18:00-24:00', touches: 4 },
        { slot: 'morning', hours: '06:00-12:00', touches: 3 },
      ],
      response_rate: { value: 50, base: 'sent', numerator: 1, denominator: 2 },
      churn_risk: expect.any(Number),
    });
    expect(h).toMatchObject({ tier: 'new', points: 0, rfm_segment: expect.any(String), computed_at: expect.any(String) });
    // The full refresh wrote the customer's revenue to date (too few repeat buyers here for a fitted model).
    expect(h.clv).toMatchObject({ historic: expect.any(Number) });
    // 0.7 × (20 ÷ 10 − 1) ÷ 2 + 0.3 × 20 ÷ 90
    expect((await profile(due)).behaviour.churn_risk).toBe(0.4167);
    expect((await profile(never)).behaviour).toMatchObject({ churn_risk: null, preferred_time_slots: [], response_rate: { value: null } });
    expect((await profile(owl)).tags).toContainEqual({ tag: 'night_visitor', kind: 'behaviour' });
    expect((await profile(gifts)).tags).toEqual(
      expect.arrayContaining([
        { tag: '新用户', kind: 'manual' },
        { tag: 'package_buyer', kind: 'preference' },
      ]),
    );
    expect(ids(await stack.api('GET', '/api/customers?tag=package_buyer'))).toEqual([gifts]);
    expect(ids(await stack.api('GET', '/api/customers?tag=night_visitor'))).toEqual([owl]);

    // The tags' evidence names what they counted.
    const tags = (await stack.api('POST', '/api/ai-ops/customer/tags', { customer_id: owl })).body.tags;
    expect(tags.find((t: { tag: string }) => t.tag === 'night_visitor').evidence).toMatchObject({
      night_orders: 0,
      orders: 0,
      night_visits: 3,
      visits: 3,
      share: 1,
    });
    const gift = (await stack.api('POST', '/api/ai-ops/customer/tags', { customer_id: gifts })).body.tags;
    expect(gift.find((t: { tag: string }) => t.tag === 'package_buyer').evidence).toMatchObject({ package_items: 3, min_items: 3 });
  });

  it('a profile never refreshed shows no insights but its tier and manual tags; 404 and 410 as before', async () => {
    const id = await customer({ tier: 'regular', points: 40, tags: ['vip_candidate'] });
    const res = await stack.api('GET', `/api/customers/${id}`);
    expect(res.body.insights).toEqual({
      tier: 'regular',
      points: 40,
      tags: [{ tag: 'vip_candidate', kind: 'manual' }],
      rfm_segment: null,
      behaviour: null,
      clv: null,
      computed_at: null,
    });
    await stack.api('DELETE', `/api/customers/${id}`);
    expect((await stack.api('GET', `/api/customers/${id}/timeline`)).status).toBe(410);
    expect((await stack.api('GET', `/api/customers/${id}/upgrades`)).status).toBe(410);
    expect(ids(await stack.api('GET', `/api/customers?q=${id}`))).toEqual([]);
  });
});
