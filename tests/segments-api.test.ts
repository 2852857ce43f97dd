// Dynamic segments through the real stack (Temporal dev server, PostgreSQL, SMTP, worker): rules of every
// kind compiled to SQL and evaluated, nesting, injection attempts, validation, paging, refresh, deletion
// guarded by campaigns, a campaign reaching exactly a segment's members, and the personalised campaign.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignWorkflowId } from '../src/temporal/workflow-ids.js';
import { customerInsights, customers, events, messages, orders, segments } from '../src/db/schema.js';
import { rowsOf } from '../src/db/sql-helpers.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: the personalised campaign's system segments span every customer of an insights segment.
  stack = await startStack({ timeSkipping: false, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

async function createSegment(rules: unknown, name = uid('segment')) {
  const res = await stack.api('POST', '/api/segments', { name, rules });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; count: number; rules: unknown; refreshed_at: string };
}

/** Every member id of a segment, through the paged API. */
async function memberIds(id: string): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; ; page++) {
    const res = await stack.api('GET', `/api/segments/${id}/members?page=${page}&page_size=500`);
    expect(res.status).toBe(200);
    ids.push(...res.body.members.map((m: { customer_id: string }) => m.customer_id));
    if (res.body.members.length < 500) return ids;
  }
}

const tableCount = async (table: string) =>
  Number(rowsOf<{ n: number }>(await stack.database.db.execute(sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n);

describe('rules of every kind', () => {
  const run = uid('run');
  const id = (k: string) => `${run}-${k}`;
  const only = (condition: unknown) => ({ all: [{ attribute: 'attributes.run', op: 'eq', value: run }, condition] });
  const members = async (condition: unknown) => {
    const segment = await createSegment(only(condition));
    const ids = await memberIds(segment.id);
    expect(segment.count).toBe(ids.length);
    return ids.map((m) => m.slice(run.length + 1)).sort();
  };

  beforeAll(async () => {
    const db = stack.database.db;
    await db.insert(customers).values([
      {
        id: id('a'),
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        points: 500,
        totalSpend: 1200,
        orderCount: 6,
        tier: 'vip',
        tags: ['manual_vip'],
        birthday: '1990-06-01',
        createdAt: new Date('2025-01-01T00:00:00Z'),
        lastActivityAt: ago(1),
        attributes: { run, plan: 'pro', age: 42, langs: ['de', 'en'], beta: true, score: '17' },
      },
      {
        id: id('b'),
        email: 'bob@Example.com',
        name: 'Bob',
        phone: '+4915100000000',
        points: 50,
        totalSpend: 80,
        tier: 'regular',
        attributes: { run, plan: 'free', age: 25 },
      },
      { id: id('c'), attributes: { run, age: 'unknown' } },
      // Erased: matches almost everything, and is never a member.
      {
        id: id('erased'),
        email: null,
        points: 900,
        totalSpend: 5000,
        tier: 'vip',
        tags: ['manual_vip'],
        erasedAt: new Date(),
        attributes: { run, plan: 'pro', age: 50 },
      },
    ]);
    await db.insert(customerInsights).values([
      { customerId: id('a'), rScore: 3, fScore: 3, mScore: 3, rfmMethod: 'threshold', segment: 'vip', tags: ['high_value'] },
      { customerId: id('b'), rScore: 2, fScore: 1, mScore: 1, rfmMethod: 'threshold', segment: 'regular', tags: ['dormant'] },
      { customerId: id('erased'), rScore: 3, fScore: 3, mScore: 3, rfmMethod: 'threshold', segment: 'vip', tags: ['dormant'] },
    ]);
    const login = (customer: string, n: number, daysAgo: number) => ({
      id: uid('evt'),
      type: 'login',
      customerId: id(customer),
      occurredAt: ago(daysAgo + n / 100),
    });
    await db
      .insert(events)
      .values([login('a', 1, 1), login('a', 2, 5), login('a', 3, 10), login('a', 4, 60), login('b', 1, 2), login('erased', 1, 1)]);
  });

  it('compares customer columns by kind (numbers, text, lists, substrings, presence, dates)', async () => {
    expect(await members({ attribute: 'points', op: 'gt', value: 100 })).toEqual(['a']);
    expect(await members({ attribute: 'total_spend', op: 'gte', value: 80 })).toEqual(['a', 'b']);
    expect(await members({ attribute: 'tier', op: 'in', value: ['vip', 'loyal'] })).toEqual(['a']);
    expect(await members({ attribute: 'tier', op: 'not_in', value: ['vip'] })).toEqual(['b', 'c']);
    expect(await members({ attribute: 'email', op: 'contains', value: '@EXAMPLE' })).toEqual(['a', 'b']);
    // ne is the negation of eq: a customer without an email is not equal to it.
    expect(await members({ attribute: 'email', op: 'ne', value: 'ada@example.com' })).toEqual(['b', 'c']);
    expect(await members({ attribute: 'phone', op: 'exists' })).toEqual(['b']);
    expect(await members({ attribute: 'phone', op: 'not_exists' })).toEqual(['a', 'c']);
    expect(await members({ attribute: 'created_at', op: 'lt', value: '2025-06-01' })).toEqual(['a']);
    expect(await members({ attribute: 'last_activity_at', op: 'gte', value: ago(7).toISOString() })).toEqual(['a']);
    expect(await members({ attribute: 'birthday', op: 'eq', value: '1990-06-01' })).toEqual(['a']);
  });

  it('compares attributes.<key>: strings, numbers (also numeric strings), booleans, arrays, presence', async () => {
    expect(await members({ attribute: 'attributes.plan', op: 'eq', value: 'pro' })).toEqual(['a']);
    expect(await members({ attribute: 'attributes.plan', op: 'not_in', value: ['pro'] })).toEqual(['b', 'c']);
    expect(await members({ attribute: 'attributes.plan', op: 'exists' })).toEqual(['a', 'b']);
    // "unknown" is not a number: no match, and no error.
    expect(await members({ attribute: 'attributes.age', op: 'gt', value: 30 })).toEqual(['a']);
    expect(await members({ attribute: 'attributes.age', op: 'lte', value: 30 })).toEqual(['b']);
    expect(await members({ attribute: 'attributes.age', op: 'in', value: [25, 42] })).toEqual(['a', 'b']);
    expect(await members({ attribute: 'attributes.score', op: 'eq', value: 17 })).toEqual(['a']);
    expect(await members({ attribute: 'attributes.beta', op: 'eq', value: true })).toEqual(['a']);
    expect(await members({ attribute: 'attributes.langs', op: 'contains', value: 'de' })).toEqual(['a']);
    expect(await members({ attribute: 'attributes.plan', op: 'contains', value: 'RO' })).toEqual(['a']);
  });

  it('matches manual and computed tags, recent events, RFM scores and the insights segment', async () => {
    expect(await members({ has_tag: 'manual_vip' })).toEqual(['a']);
    expect(await members({ has_tag: 'dormant' })).toEqual(['b']);
    expect(await members({ event: 'login', count: { op: 'gte', value: 3 }, within_days: 30 })).toEqual(['a']);
    expect(await members({ event: 'login', count: { op: 'gte', value: 4 }, within_days: 90 })).toEqual(['a']);
    expect(await members({ event: 'login', count: { op: 'gte', value: 1 }, within_days: 30 })).toEqual(['a', 'b']);
    expect(await members({ event: 'login', count: { op: 'eq', value: 0 }, within_days: 30 })).toEqual(['c']);
    expect(await members({ event: 'login', count: { op: 'lt', value: 2 }, within_days: 30 })).toEqual(['b', 'c']);
    expect(await members({ rfm: 'r', op: 'eq', value: 3 })).toEqual(['a']);
    expect(await members({ rfm: 'm', op: 'lt', value: 2 })).toEqual(['b']);
    // Without insights, a customer has no score equal to 3.
    expect(await members({ rfm: 'f', op: 'ne', value: 3 })).toEqual(['b', 'c']);
    expect(await members({ segment: 'vip' })).toEqual(['a']);
    expect(await members({ segment: 'regular' })).toEqual(['b']);
  });

  it('nests all / any / not over three levels and more', async () => {
    // (points < 100 and not (no phone)) or not (vip or dormant)  →  b by the first branch, c by the second.
    const nested = {
      any: [
        { all: [{ attribute: 'points', op: 'lt', value: 100 }, { not: { attribute: 'phone', op: 'not_exists' } }] },
        { not: { any: [{ segment: 'vip' }, { has_tag: 'dormant' }] } },
      ],
    };
    expect(await members(nested)).toEqual(['b', 'c']);
    expect(await members({ not: nested })).toEqual(['a']);
    expect(await members({ all: [{ any: [{ has_tag: 'nobody-has-this' }] }] })).toEqual([]);
  });

  it('finds nobody: count 0 and an empty first page', async () => {
    const segment = await createSegment(only({ attribute: 'points', op: 'gt', value: 1_000_000 }));
    expect(segment.count).toBe(0);
    const res = await stack.api('GET', `/api/segments/${segment.id}/members`);
    expect(res.body).toEqual({ members: [], pagination: { total: 0, page: 1, page_size: 20 } });
  });

  it('keeps injection attempts as values: no match, nothing dropped', async () => {
    const customersBefore = await tableCount('customers');
    expect((await createSegment({ attribute: 'attributes.plan', op: 'eq', value: "x'); drop table customers; --" })).count).toBe(0);
    expect((await createSegment({ attribute: 'name', op: 'eq', value: "x' or '1'='1" })).count).toBe(0);
    expect((await createSegment({ attribute: "attributes.a'b", op: 'eq', value: 1 })).count).toBe(0);
    expect((await createSegment({ event: "login'); drop table events; --", count: { op: 'gte', value: 1 }, within_days: 30 })).count).toBe(
      0,
    );
    const named = await stack.api('POST', '/api/segments', {
      name: 'x',
      rules: { attribute: 'email; drop table customers', op: 'exists' },
    });
    expect(named.status).toBe(422);
    expect(named.body.error.field).toBe('rules.attribute');
    // A tag is letters, digits and _ : . - (src/domain/tags.ts): a quote is refused before any SQL.
    const tagged = await stack.api('POST', '/api/segments', { name: 'x', rules: { has_tag: "'; delete from customers; --" } });
    expect(tagged.status).toBe(422);
    expect(tagged.body.error.field).toBe('rules.has_tag');
    expect(await tableCount('customers')).toBe(customersBefore);
    expect(await tableCount('events')).toBeGreaterThan(0);
  });
});

describe('validation', () => {
  it('refuses bad rules with a 422 naming the path, and writes nothing', async () => {
    const before = await tableCount('segments');
    const post = (body: unknown) => stack.api('POST', '/api/segments', body);
    const cases: Array<[unknown, string]> = [
      [
        { name: 'x', rules: { all: [{ has_tag: 'a' }, { any: [{ attribute: 'email', op: 'like', value: 'x' }] }] } },
        'rules.all[1].any[0].op',
      ],
      [
        { name: 'x', rules: { all: [{ has_tag: 'a' }, { any: [{ not: { rfm: 'r', op: 'gt', value: 'high' } }] }] } },
        'rules.all[1].any[0].not.value',
      ],
      [{ name: 'x', rules: { event: 'login', count: { op: 'gte', value: 1 } } }, 'rules.within_days'],
      [{ name: 'x', rules: { segment: 'gold' } }, 'rules.segment'],
      [{ name: 'x', rules: { attribute: 'password', op: 'exists' } }, 'rules.attribute'],
      [{ name: 'x', rules: { any: [] } }, 'rules.any'],
      [{ name: 'x', rules: { has_tag: 'a', extra: true } }, 'rules.extra'],
      [{ name: 'x' }, 'rules'],
      [{ name: '', rules: { has_tag: 'a' } }, 'name'],
      [{ name: 'x', rules: { has_tag: 'a' }, owner: 'me' }, 'owner'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'validation_error', field });
    }
    let deep: unknown = { has_tag: 'a' };
    for (let i = 0; i < 9; i++) deep = { not: deep };
    expect((await post({ name: 'x', rules: deep })).body.error.message).toMatch(/at most 8 levels/);
    expect(await tableCount('segments')).toBe(before);
  });

  it('answers 400 for bad query parameters and 404 for unknown segments', async () => {
    const segment = await createSegment({ has_tag: uid('nobody') });
    for (const q of ['page_size=0', 'page_size=501', 'page=0', 'page=x']) {
      const res = await stack.api('GET', `/api/segments/${segment.id}/members?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('invalid_query');
    }
    expect((await stack.api('GET', '/api/segments?page_size=1000')).status).toBe(400);
    for (const [method, path] of [
      ['GET', '/api/segments/seg_missing'],
      ['GET', '/api/segments/seg_missing/members'],
      ['POST', '/api/segments/seg_missing/refresh'],
      ['DELETE', '/api/segments/seg_missing'],
    ] as const) {
      const res = await stack.api(method, path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('segment_not_found');
    }
    expect((await stack.api('PUT', '/api/segments/seg_missing', { name: 'x' })).status).toBe(404);
    expect((await stack.api('PUT', `/api/segments/${segment.id}`, {})).status).toBe(422);
  });
});

describe('segments and their members', () => {
  /** `n` customers with a tag of their own. */
  async function tagged(n: number) {
    const tag = uid('tag');
    const rows = Array.from({ length: n }, (_, i) => ({
      id: `${tag}-${i}`,
      email: `${tag}-${i}@example.com`,
      name: `Member${i} Test`,
      tags: [tag],
    }));
    await stack.database.db.insert(customers).values(rows);
    return { tag, ids: rows.map((r) => r.id).sort() };
  }

  it('creates, gets and lists a segment with its count', async () => {
    const { tag } = await tagged(2);
    const name = uid('Tagged');
    const res = await stack.api('POST', '/api/segments', { name, description: 'Two tagged', rules: { has_tag: tag } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^seg_[0-9a-f]{16}$/),
      name,
      description: 'Two tagged',
      rules: { has_tag: tag },
      count: 2,
      refreshed_at: expect.any(String),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await stack.api('GET', `/api/segments/${res.body.id}`)).body).toEqual(res.body);
    const list = await stack.api('GET', '/api/segments?page_size=1');
    expect(list.body.segments).toEqual([res.body]);
    expect(list.body.pagination).toMatchObject({ page: 1, page_size: 1, total: expect.any(Number) });
  });

  it('pages members by customer id', async () => {
    const { tag, ids } = await tagged(7);
    const segment = await createSegment({ has_tag: tag });
    const page = async (n: number) => (await stack.api('GET', `/api/segments/${segment.id}/members?page=${n}&page_size=3`)).body;
    const first = await page(1);
    expect(first.pagination).toEqual({ total: 7, page: 1, page_size: 3 });
    expect(first.members[0]).toEqual({ customer_id: ids[0], email: `${ids[0]}@example.com`, name: 'Member0 Test' });
    const all = [...first.members, ...(await page(2)).members, ...(await page(3)).members].map((m) => m.customer_id);
    expect(all).toEqual(ids);
    expect((await page(3)).members).toHaveLength(1);
    expect((await page(4)).members).toEqual([]);
  });

  it('refreshes after data changes: on demand, on edit, and leaves erased customers out', async () => {
    const { tag, ids } = await tagged(3);
    const segment = await createSegment({ has_tag: tag });
    expect(segment.count).toBe(3);
    const db = stack.database.db;
    // One loses the tag, one is erased, a new one gains it (through computed tags).
    await db.execute(sql`update customers set tags = '{}' where id = ${ids[0]}`);
    await db.execute(sql`update customers set erased_at = now() where id = ${ids[1]}`);
    const newcomer = uid('newcomer');
    await db.insert(customers).values({ id: newcomer, email: `${newcomer}@example.com` });
    await db
      .insert(customerInsights)
      .values({ customerId: newcomer, rScore: 1, fScore: 1, mScore: 1, rfmMethod: 'threshold', segment: 'churn_risk', tags: [tag] });
    // Until the refresh the members stay as they were (an erased one is hidden from the listing).
    expect(await memberIds(segment.id)).toEqual([ids[0], ids[2]]);

    const refreshed = await stack.api('POST', `/api/segments/${segment.id}/refresh`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({ id: segment.id, count: 2, added: 1, removed: 2, refreshed_at: expect.any(String) });
    expect(Date.parse(refreshed.body.refreshed_at)).toBeGreaterThanOrEqual(Date.parse(segment.refreshed_at));
    expect(await memberIds(segment.id)).toEqual([ids[2], newcomer].sort());
    expect((await stack.api('GET', `/api/segments/${segment.id}`)).body.count).toBe(2);
    const again = await stack.api('POST', `/api/segments/${segment.id}/refresh`);
    expect(again.body).toMatchObject({ count: 2, added: 0, removed: 0 });

    const edited = await stack.api('PUT', `/api/segments/${segment.id}`, {
      rules: { all: [{ has_tag: tag }, { attribute: 'email', op: 'eq', value: `${newcomer}@example.com` }] },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ count: 1, rules: { all: [{ has_tag: tag }, expect.any(Object)] } });
    expect(await memberIds(segment.id)).toEqual([newcomer]);
    const renamed = await stack.api('PUT', `/api/segments/${segment.id}`, { name: 'Renamed', description: null });
    expect(renamed.body).toMatchObject({ name: 'Renamed', description: null, count: 1 });
    const bad = await stack.api('PUT', `/api/segments/${segment.id}`, { rules: { all: [{ has_tag: 1 }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('rules.all[0].has_tag');
  });

  it('refuses to refresh a segment whose members are kept by hand (no rules)', async () => {
    const id = uid('manual');
    await stack.database.db.insert(segments).values({ id, name: 'Manual' });
    const res = await stack.api('POST', `/api/segments/${id}/refresh`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('segment_without_rules');
  });

  it('reaches exactly its members with a campaign, and is deleted only once no live campaign targets it', async () => {
    const { tag, ids } = await tagged(5);
    // Members: the tagged customers whose number is even.
    const segment = await createSegment({
      all: [{ has_tag: tag }, { attribute: 'name', op: 'in', value: ['Member0 Test', 'Member2 Test', 'Member4 Test'] }],
    });
    expect(segment.count).toBe(3);
    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('segment campaign'),
      type: 'email',
      target_segment_id: segment.id,
      content: { subject: 'For {{ customer.first_name }}', text: 'Hello {{ customer.first_name }}' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaignId = created.body.id as string;

    const refused = await stack.api('DELETE', `/api/segments/${segment.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'segment_in_use' }, campaigns: [{ id: campaignId, status: 'draft' }] });

    const trig = await stack.api('POST', `/api/marketing/campaigns/${campaignId}/trigger`, { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    const done = await stack.client.workflow.getHandle(campaignWorkflowId(campaignId, trig.body.execution_id)).result();
    expect(done).toMatchObject({ state: 'completed', sent: 3 });
    const records = await stack.api('GET', `/api/marketing/records?campaign_id=${campaignId}&page_size=100`);
    expect(records.body.records.map((r: { customer_id: string }) => r.customer_id).sort()).toEqual([ids[0], ids[2], ids[4]]);
    expect(records.body.records.every((r: { status: string }) => r.status === 'sent')).toBe(true);
    await stack.mail.waitFor((m) => m.to.includes(`${ids[4]}@example.com`) && m.subject === 'For Member4');

    expect((await stack.api('DELETE', `/api/segments/${segment.id}`)).status).toBe(409);
    expect((await stack.api('POST', `/api/marketing/campaigns/${campaignId}/archive`)).status).toBe(200);
    const deleted = await stack.api('DELETE', `/api/segments/${segment.id}`);
    expect(deleted.status).toBe(204);
    expect((await stack.api('GET', `/api/segments/${segment.id}`)).status).toBe(404);
    const left = await stack.database.db.execute(sql`select count(*)::int as n from segment_members where segment_id = ${segment.id}`);
    expect((left as Array<{ n: number }>)[0]!.n).toBe(0);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await stack.api('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/segments',
        '/api/segments/{id}',
        '/api/segments/{id}/members',
        '/api/segments/{id}/refresh',
        '/api/ai-ops/customer/campaign',
      ]),
    );
  });
});

describe('POST /api/ai-ops/customer/campaign', () => {
  async function insightCustomers(segment: string, names: string[]) {
    const rows = names.map((name) => ({ id: uid(segment), email: `${uid(name.toLowerCase())}@example.com`, name: `${name} Tester` }));
    await stack.database.db.insert(customers).values(rows);
    await stack.database.db
      .insert(customerInsights)
      .values(rows.map((r) => ({ customerId: r.id, rScore: 2, fScore: 2, mScore: 2, rfmMethod: 'threshold', segment })));
    return rows;
  }

  it('without history: a draft with the coupon pack to segment_new, default rates, and its email greets by first name', async () => {
    const rows = await insightCustomers('new', ['Nia', 'Omar', 'Pia']);
    const res = await stack.api('POST', '/api/ai-ops/customer/campaign', { segment: 'new' }, await stack.authAs('marketer-7'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const revenue = 3 * 0.02 * 50;
    expect(res.body).toMatchObject({
      campaign: {
        status: 'draft',
        type: 'email',
        target_segment_id: 'segment_new',
        created_by: 'key:marketer-7',
        content: { subject: expect.stringContaining('{{ customer.first_name') },
      },
      offer: { segment: 'new', kind: 'coupon_pack' },
      audience: { segment_id: 'segment_new', size: 3 },
      expected: {
        responseRate: 20,
        conversionRate: 2,
        avgOrderValue: 50,
        revenue,
        cost: 0.003,
        roi: Math.round(((revenue - 0.003) / 0.003) * 1000) / 10,
        basis: { rates: 'defaults', avgOrderValue: 'defaults' },
      },
      history: { sent: 0, responded: 0, converted: 0, orders: 0, orderRevenue: 0, costPerMessage: 0.001 },
    });
    const system = (await stack.api('GET', '/api/segments/segment_new')).body;
    expect(system).toMatchObject({ rules: { segment: 'new' }, count: 3 });

    const campaignId = res.body.campaign.id as string;
    const trig = await stack.api('POST', `/api/marketing/campaigns/${campaignId}/trigger`, {});
    expect(trig.status).toBe(202);
    await stack.client.workflow.getHandle(campaignWorkflowId(campaignId, trig.body.execution_id)).result();
    const mail = await stack.mail.waitFor((m) => m.to.includes(rows[0]!.email));
    expect(mail.subject).toBe('Nia, your welcome coupon pack');
    expect(mail.text).toMatch(/^Hi Nia, welcome!/);
  });

  it("with history: rates from messages sent to the segment's members, the order value from their orders", async () => {
    const rows = await insightCustomers('loyal', ['Quin', 'Rae', 'Sol', 'Tao']);
    const outsider = await insightCustomers('regular', ['Uma']);
    const [q, r, s] = rows.map((x) => x.id) as [string, string, string];
    const now = new Date();
    const message = (customerId: string, status: string, extra: Partial<typeof messages.$inferInsert> = {}) => ({
      idempotencyKey: uid('history'),
      customerId,
      stepKey: 'history',
      channel: 'email' as const,
      status: status as 'sent',
      sentAt: now,
      ...extra,
    });
    await stack.database.db.insert(messages).values([
      // Ten sent: four opened (one also clicked), one only clicked, two converted.
      message(q, 'opened', { openedAt: now }),
      message(q, 'clicked', { openedAt: now, clickedAt: now, convertedAt: now, revenue: 100 }),
      message(r, 'opened', { openedAt: now }),
      message(r, 'clicked', { clickedAt: now }),
      message(s, 'converted', { openedAt: now, convertedAt: now, revenue: 300 }),
      message(s, 'sent'),
      message(s, 'delivered'),
      message(q, 'sent'),
      message(r, 'sent'),
      message(s, 'sent'),
      // Ninety more sent to members: a hundred, the least history whose rates are taken (MIN_HISTORY_MESSAGES).
      ...Array.from({ length: 90 }, (_, i) => message([q, r, s][i % 3]!, 'sent')),
      // Not sent, transactional, or not members: none of these count.
      message(q, 'opened', { transactional: true, openedAt: now }),
      message(q, 'failed', { sentAt: null }),
      message(r, 'skipped', { sentAt: null }),
      message(s, 'simulated', { openedAt: now }),
      message(outsider[0]!.id, 'opened', { openedAt: now, convertedAt: now }),
    ]);
    const order = (customerId: string, amount: number) => ({ id: uid('order'), customerId, amount, occurredAt: now });
    await stack.database.db.insert(orders).values([order(q, 100), order(s, 300), order(outsider[0]!.id, 5000)]);

    const res = await stack.api('POST', '/api/ai-ops/customer/campaign', { segment: 'loyal', channel: 'sms' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // 4 members × 2 % conversion × 200 average order = 16; cost 4 × 0.05 = 0.2; ROI (16 − 0.2) / 0.2 × 100.
    expect(res.body).toMatchObject({
      campaign: {
        status: 'draft',
        type: 'sms',
        target_segment_id: 'segment_loyal',
        content: { text: expect.stringMatching(/^Hi \{\{ customer\.first_name/) },
      },
      offer: { segment: 'loyal', kind: 'double_points' },
      audience: { segment_id: 'segment_loyal', size: 4 },
      expected: {
        responseRate: 5,
        conversionRate: 2,
        avgOrderValue: 200,
        revenue: 16,
        cost: 0.2,
        roi: 7900,
        basis: { rates: 'history', avgOrderValue: 'history', messages: 100, min_messages: 100 },
      },
      history: { sent: 100, responded: 5, converted: 2, orders: 2, orderRevenue: 400, costPerMessage: 0.05 },
    });

    // Asked again: the same system segment, refreshed, and a second draft.
    await insightCustomers('loyal', ['Vik']);
    const again = await stack.api('POST', '/api/ai-ops/customer/campaign', { segment: 'loyal', channel: 'push_notification' });
    expect(again.body).toMatchObject({
      audience: { segment_id: 'segment_loyal', size: 5 },
      campaign: { type: 'push_notification' },
      history: { costPerMessage: 0.0005 },
    });
    expect(again.body.campaign.id).not.toBe(res.body.campaign.id);
    expect((await stack.api('DELETE', '/api/segments/segment_loyal')).status).toBe(409);
  });

  it('takes the default rates when the history is one transactional email and fewer than 100 marketing messages', async () => {
    const [a, b] = (await insightCustomers('churn_risk', ['Wen', 'Xia'])).map((x) => x.id) as [string, string];
    const now = new Date();
    const sent = (customerId: string, extra: Partial<typeof messages.$inferInsert>) => ({
      idempotencyKey: uid('thin'),
      customerId,
      stepKey: 'history',
      channel: 'email' as const,
      status: 'clicked' as const,
      sentAt: now,
      openedAt: now,
      clickedAt: now,
      ...extra,
    });
    // The welcome email (transactional), clicked and converted: before, it alone made a 100 % response rate.
    await stack.database.db.insert(messages).values(sent(a, { transactional: true, convertedAt: now, revenue: 80 }));
    const first = await stack.api('POST', '/api/ai-ops/customer/campaign', { segment: 'churn_risk' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.expected).toMatchObject({
      responseRate: 20,
      conversionRate: 2,
      basis: { rates: 'defaults', messages: 0, min_messages: 100 },
    });
    expect(first.body.history).toMatchObject({ sent: 0, responded: 0 });
    // 99 marketing messages, every one clicked: still short of the minimum, still the defaults.
    await stack.database.db.insert(messages).values(Array.from({ length: 99 }, (_, i) => sent(i % 2 ? a : b, {})));
    const thin = await stack.api('POST', '/api/ai-ops/customer/campaign', { segment: 'churn_risk' });
    expect(thin.body.expected).toMatchObject({ responseRate: 20, basis: { rates: 'defaults', messages: 99 } });
    // The draft carries the design's names of its expectation.
    expect(thin.body.campaign).toMatchObject({
      expectedROI: thin.body.expected.roi,
      roi: thin.body.expected.roi,
      responseRate: 20,
    });
    // The hundredth: the history's own rates.
    await stack.database.db.insert(messages).values(sent(b, {}));
    const enough = await stack.api('POST', '/api/ai-ops/customer/campaign', { segment: 'churn_risk' });
    expect(enough.body.expected).toMatchObject({ responseRate: 100, conversionRate: 0, basis: { rates: 'history', messages: 100 } });
  });

  it('offers gift and upgrade plan to potential customers, and refuses unknown segments and channels', async () => {
    const res = await stack.api('POST', '/api/ai-ops/customer/campaign', { segment: 'potential' });
    expect(res.status).toBe(201);
    expect(res.body.offer.kind).toBe('gift_and_upgrade_plan');
    expect(res.body.campaign.content.text).toMatch(/gift.*upgrade plan/s);
    expect(res.body.audience.size).toBe(0);
    expect(res.body.expected.roi).toBeNull();
    const bad = await stack.api('POST', '/api/ai-ops/customer/campaign', { segment: 'gold' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('segment');
    expect((await stack.api('POST', '/api/ai-ops/customer/campaign', { segment: 'vip', channel: 'webhook' })).body.error.field).toBe(
      'channel',
    );
  });
});
