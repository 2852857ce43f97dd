// The customer-intelligence endpoints under /api/ai-ops/customer/: segment, tags, refresh,
// settings — on a database of the file's own, since refreshes and settings concern every customer.
import { eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerInsights, customers, orders } from '../src/db/schema.js';
import { rowsOf } from '../src/db/sql-helpers.js';
import { RFM_GROUPS } from '../src/intelligence/rfm.js';
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

async function customer(days: number[], amount: number, extra: Partial<typeof customers.$inferInsert> = {}): Promise<string> {
  const id = uid('api');
  await stack.database.db.insert(customers).values({ id, createdAt: ago(500), ...extra });
  if (days.length) {
    await stack.database.db.insert(orders).values(
      days.map((d, i) => ({
        id: `${id}-${i}`,
        customerId: id,
        amount,
        items: [{ sku: 'IPA', category: 'beer', price: amount, quantity: 3 }],
        occurredAt: ago(d),
      })),
    );
  }
  return id;
}

describe('GET /api/ai-ops/customer/segment', () => {
  it('computes on first use and lists all six segments, zeros included, with their rules', async () => {
    const vip = await customer([5, 40, 50, 60, 70, 80], 200);
    const churn = await customer([100, 200], 20);
    const res = await stack.api('GET', '/api/ai-ops/customer/segment');
    expect(res.status).toBe(200);
    expect(res.body.segments.map((s: { id: string }) => s.id)).toEqual([...RFM_GROUPS]);
    const count = (id: string) => res.body.segments.find((s: { id: string }) => s.id === id).customerCount;
    expect([count('vip'), count('churn_risk'), count('loyal'), count('potential'), count('new'), count('regular')]).toEqual([
      1, 1, 0, 0, 0, 0,
    ]);
    expect(res.body).toMatchObject({ method: 'threshold', windowDays: 365, totalCustomers: 2, source: 'stored' });
    expect(res.body.segments[0]).toMatchObject({
      name: 'VIP',
      description: expect.any(String),
      rule: expect.stringContaining('> 5 orders'),
    });
    const [row] = await stack.database.db.select().from(customerInsights).where(eq(customerInsights.customerId, churn));
    expect(row?.segment).toBe('churn_risk');

    // Counted from the stored insights until a refresh: a new customer shows after ?refresh=true.
    await customer([10, 20], 20, { createdAt: ago(10) });
    expect((await stack.api('GET', '/api/ai-ops/customer/segment')).body.totalCustomers).toBe(2);
    const refreshed = await stack.api('GET', '/api/ai-ops/customer/segment?refresh=true');
    expect(refreshed.body.totalCustomers).toBe(3);
    expect(refreshed.body.segments.find((s: { id: string }) => s.id === 'new').customerCount).toBe(1);
    expect(vip).toBeTruthy();
  });

  it('by another method: computed on the fly, nothing stored', async () => {
    const res = await stack.api('GET', '/api/ai-ops/customer/segment?method=quintile');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: 'quintile', source: 'computed', totalCustomers: 3 });
    expect(res.body.segments.find((s: { id: string }) => s.id === 'vip').rule).toContain('score ≥ 4');
    const methods = await stack.database.db.selectDistinct({ m: customerInsights.rfmMethod }).from(customerInsights);
    expect(methods).toEqual([{ m: 'threshold' }]);
  });

  it('400 for a bad query parameter', async () => {
    const res = await stack.api('GET', '/api/ai-ops/customer/segment?method=ntile');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_query', field: 'method' });
    expect((await stack.api('GET', '/api/ai-ops/customer/segment?refresh=yes')).status).toBe(400);
  });
});

describe('POST /api/ai-ops/customer/tags', () => {
  it("computes and stores the customer's tags with evidence, and lists the manual ones as such", async () => {
    const id = await customer([5, 40], 300, { tags: ['newsletter'], lastActivityAt: ago(2) });
    const res = await stack.api('POST', '/api/ai-ops/customer/tags', { customer_id: id });
    expect(res.status).toBe(200);
    expect(res.body.customer_id).toBe(id);
    expect(res.body.tags).toEqual([
      { tag: 'active', kind: 'behaviour', evidence: { days_since_activity: 2, below: 30 } },
      {
        tag: 'beer_lover',
        kind: 'preference',
        evidence: { category: 'beer', items: 6, total_items: 6, share: 1, min_items: 3, min_share: 0.4, window_days: 365 },
      },
      { tag: 'medium_value', kind: 'value', evidence: { monetary: 600, from: 500, to: 1000, window_days: 365 } },
      {
        tag: 'potential',
        kind: 'value',
        evidence: { orders: 2, average_order: 300, min_average_order: 200, max_orders: 5, window_days: 365 },
      },
      { tag: 'newsletter', kind: 'manual', evidence: null },
    ]);
    expect(res.body).toMatchObject({
      segment: 'regular',
      rfm: { method: 'threshold', recency_days: 5, frequency: 2, monetary: 600, r_score: 3, f_score: 2, m_score: 2 },
    });
    const [row] = await stack.database.db.select().from(customerInsights).where(eq(customerInsights.customerId, id));
    expect(row?.tags).toEqual(['active', 'beer_lover', 'medium_value', 'potential']);
  });

  it('404 for an unknown customer, 410 for an erased one', async () => {
    const missing = await stack.api('POST', '/api/ai-ops/customer/tags', { customer_id: 'nobody-here' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('customer_not_found');
    const id = await customer([5], 10, { erasedAt: new Date() });
    const gone = await stack.api('POST', '/api/ai-ops/customer/tags', { customer_id: id });
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('customer_erased');
  });

  it('422 naming the field, 415 without JSON, 400 for JSON that does not parse', async () => {
    const empty = await stack.api('POST', '/api/ai-ops/customer/tags', {});
    expect(empty.status).toBe(422);
    expect(empty.body.error).toMatchObject({ code: 'validation_error', field: 'customer_id' });
    const extra = await stack.api('POST', '/api/ai-ops/customer/tags', { customer_id: 'x', colour: 'red' });
    expect(extra.status).toBe(422);
    expect(extra.body.error.field).toBe('colour');
    expect((await stack.api('POST', '/api/ai-ops/customer/tags', 'customer_id=x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await stack.api('POST', '/api/ai-ops/customer/tags', '{"customer_id":')).status).toBe(400);
  });
});

describe('POST /api/ai-ops/customer/refresh and the settings', () => {
  it('refreshes everyone but the erased and answers counts and duration', async () => {
    const res = await stack.api('POST', '/api/ai-ops/customer/refresh');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customers: 4, method: 'threshold', windowDays: 365 });
    expect(res.body.durationMs).toBeGreaterThanOrEqual(0);
    expect(Object.keys(res.body.segments).sort()).toEqual([...RFM_GROUPS].sort());
    expect(Object.values(res.body.segments as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('reads and changes settings; a bad value is a 422 naming it; a new method refreshes before counting', async () => {
    const before = await stack.api('GET', '/api/ai-ops/customer/settings');
    expect(before.body.settings.rfm).toMatchObject({
      method: 'threshold',
      windowDays: 365,
      thresholds: { recency: { highBelowDays: 30, lowAboveDays: 90 } },
    });
    const bad = await stack.api('PUT', '/api/ai-ops/customer/settings', { rfm: { windowDays: 0 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'validation_error', field: 'rfm.windowDays' });
    const unknown = await stack.api('PUT', '/api/ai-ops/customer/settings', { rfm: { colour: 'red' } });
    expect(unknown.body.error.field).toBe('rfm.colour');

    const put = await stack.api('PUT', '/api/ai-ops/customer/settings', { rfm: { method: 'quintile' } });
    expect(put.status).toBe(200);
    expect(put.body.settings.rfm).toMatchObject({ method: 'quintile', windowDays: 365 });
    const segments = await stack.api('GET', '/api/ai-ops/customer/segment');
    expect(segments.body).toMatchObject({ method: 'quintile', source: 'stored', totalCustomers: 4 });
    const methods = await stack.database.db.selectDistinct({ m: customerInsights.rfmMethod }).from(customerInsights);
    expect(methods).toEqual([{ m: 'quintile' }]);
    await stack.api('PUT', '/api/ai-ops/customer/settings', { rfm: { method: 'threshold' } });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await stack.api('GET', '/openapi.json');
    for (const path of ['segment', 'tags', 'refresh', 'settings'])
      expect(Object.keys(doc.body.paths)).toContain(`/api/ai-ops/customer/${path}`);
  });
});

describe('orders ingested through POST /api/events', () => {
  it('count their items once however often they are delivered, and tag at the preference threshold', async () => {
    const customerId = uid('api');
    const send = (body: unknown) => stack.api('POST', '/api/events', body);
    const order = (orderId: string, quantity: number) => ({
      id: uid('evt'),
      type: 'order_completed',
      customerId,
      timestamp: ago(10).toISOString(),
      properties: { order_id: orderId, items: [{ sku: 'IPA', name: 'IPA', category: 'beer', price: 4, quantity }] },
    });
    const first = order(`${customerId}-1`, 2);
    expect((await send(first)).status).toBe(202);
    expect((await send(first)).body.results[0].status).toBe('duplicate');
    await send({ ...first, id: uid('evt') }); // the same order under a new event id
    const tags = async () =>
      (await stack.api('POST', '/api/ai-ops/customer/tags', { customer_id: customerId })).body.tags as Array<{
        tag: string;
        evidence: unknown;
      }>;
    // 2 beers, not 6: one short of the 3 the tag needs.
    expect((await tags()).map((t) => t.tag)).not.toContain('beer_lover');
    await send([order(`${customerId}-2`, 1), order(`${customerId}-2`, 1)]); // twice in one batch
    expect((await tags()).find((t) => t.tag === 'beer_lover')?.evidence).toMatchObject({
      category: 'beer',
      items: 3,
      total_items: 3,
      share: 1,
    });
  });
});

describe('GET /api/ai-ops/customer/tags/distribution', () => {
  it('counts the customers of each tag, manual and computed, the erased left out; by kind, limited', async () => {
    const manual = uid('dist').toLowerCase();
    await customer([5, 40], 300, { tags: [manual, 'newsletter'] });
    await customer([], 0, { tags: [manual] });
    await customer([5], 10, { tags: [manual], erasedAt: new Date() });
    await stack.api('POST', '/api/ai-ops/customer/refresh');
    const res = await stack.api('GET', '/api/ai-ops/customer/tags/distribution?limit=500');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const count = (tag: string, kind: string) =>
      res.body.tags.find((t: { tag: string; kind: string }) => t.tag === tag && t.kind === kind)?.customers;
    expect(count(manual, 'manual')).toBe(2);
    // Computed tags as the stored insights hold them, for customers not erased.
    const [{ n: beerLovers } = { n: 0 }] = rowsOf<{ n: number }>(
      await stack.database.db.execute(
        sql`select count(*)::int as n from customer_insights i join customers c on c.workspace_id = i.workspace_id and c.id = i.customer_id
             where 'beer_lover' = any(i.tags) and c.erased_at is null`,
      ),
    );
    expect(beerLovers).toBeGreaterThan(0);
    expect(count('beer_lover', 'preference')).toBe(beerLovers);
    expect(count('medium_value', 'value')).toBeGreaterThan(0);
    expect(res.body.tags.map((t: { kind: string }) => t.kind)).toContain('behaviour');
    const counts = res.body.tags.map((t: { customers: number }) => t.customers);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(res.body.total_tags).toBe(res.body.tags.length);
    const [all] = await stack.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(customers)
      .where(isNull(customers.erasedAt));
    expect(res.body.total_customers).toBe(all!.n);

    const manualOnly = await stack.api('GET', '/api/ai-ops/customer/tags/distribution?kind=manual');
    expect(manualOnly.body.tags.every((t: { kind: string }) => t.kind === 'manual')).toBe(true);
    expect(manualOnly.body.tags).toContainEqual({ tag: manual, kind: 'manual', customers: 2 });
    const one = await stack.api('GET', '/api/ai-ops/customer/tags/distribution?limit=1');
    expect(one.body.tags).toHaveLength(1);
    expect(one.body.total_tags).toBe(res.body.total_tags);

    const bad = await stack.api('GET', '/api/ai-ops/customer/tags/distribution?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_query', field: 'limit' });
    expect((await stack.api('GET', '/api/ai-ops/customer/tags/distribution?kind=colour')).body.error.field).toBe('kind');
  });

  it("answers a workspace's own customers only, for a read key", async () => {
    const created = await stack.api('POST', '/api/workspaces', { id: uid('tagws').toLowerCase(), name: 'Tag shop' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const other = { authorization: `Bearer ${created.body.admin_key.key}` };
    const theirs = uid('theirs').toLowerCase();
    expect((await stack.api('PUT', `/api/customers/${uid('b')}`, { tags: [theirs] }, other)).status).toBeLessThan(300);
    const inOther = await stack.api('GET', '/api/ai-ops/customer/tags/distribution?kind=manual', undefined, other);
    expect(inOther.body).toMatchObject({ tags: [{ tag: theirs, kind: 'manual', customers: 1 }], total_customers: 1 });
    const reader = await stack.authAs('tag-reader', ['read']);
    const inDefault = await stack.api('GET', '/api/ai-ops/customer/tags/distribution?kind=manual&limit=500', undefined, reader);
    expect(inDefault.status).toBe(200);
    expect(inDefault.body.tags.map((t: { tag: string }) => t.tag)).not.toContain(theirs);
    const doc = await stack.api('GET', '/openapi.json');
    expect(Object.keys(doc.body.paths)).toContain('/api/ai-ops/customer/tags/distribution');
  });
});
