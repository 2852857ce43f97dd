// The recommendation strategies through the real stack (API, worker, PostgreSQL): a small catalogue where
// each strategy's answer follows from who bought and viewed what, the cold start, a bad strategy, and a
// template preview that lists what a send would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, events, orders } from '../src/db/schema.js';
import { inWorkspace } from '../src/db/workspace.js';
import { RRF_K } from '../src/recommendations/blend.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: every strategy reads every order of the workspace.
  stack = await startStack({ timeSkipping: false, isolatedDatabase: true });
  await seed();
  expect((await stack.api('POST', '/api/recommendations/refresh')).status).toBe(200);
});
afterAll(async () => {
  await stack?.close();
});

const category: Record<string, string> = {
  GREEN: 'tea',
  BLACK: 'tea',
  OOLONG: 'tea',
  MUG: 'cups',
  ESPRESSO: 'coffee',
  LATTE: 'coffee',
  RETRO: 'vintage',
};
const line = (sku: string) => ({ sku, name: `${sku.toLowerCase()} ☕`, category: category[sku], price: 3, quantity: 1 });
const c = Object.fromEntries(['t', 'n1', 'n2', 'n3', 'n4', 'n5', 'old', 'erased', 'viewer', 'fresh'].map((k) => [k, uid(`strat-${k}`)]));

/**
 * Who bought what, all in the last days but OLD's (100 days ago), and the views:
 *   T: GREEN, BLACK; viewed ESPRESSO (coffee)     N1: GREEN, BLACK, OOLONG     N2: GREEN, MUG
 *   N3: ESPRESSO, LATTE     N4: ESPRESSO, MUG, LATTE     N5: BLACK, LATTE     OLD: RETRO
 *   ERASED: GREEN, OOLONG — never counted          VIEWER: viewed MUG (no category in the view)     FRESH: nothing
 * T's neighbours (cosine of item sets): N1 2/√(2·3) = 0.816497, N2 and N5 1/√(2·2) = 0.5.
 * Item similarities from T's items: OOLONG 1/√3 (GREEN) + 1/√3 (BLACK), MUG 1/√(3·2) (GREEN), LATTE 1/√(3·3) (BLACK).
 * T's profile: tea 2 of 3 touched items (GREEN, BLACK), coffee 1 of 3 (ESPRESSO, viewed).
 * Buyers in the last 30 days: GREEN, BLACK, LATTE 3; MUG, ESPRESSO 2; OOLONG 1 (RETRO is older).
 */
async function seed() {
  const db = stack.database.db;
  await db.insert(customers).values([
    ...Object.entries(c)
      .filter(([k]) => k !== 'erased')
      .map(([, id]) => ({ id, email: `${id}@example.com`, name: 'Strategy Tester' })),
    { id: c.erased!, erasedAt: new Date() },
  ]);
  const bought: Array<[string, string[], number]> = [
    [c.t!, ['GREEN', 'BLACK'], 3],
    [c.n1!, ['GREEN', 'BLACK', 'OOLONG'], 2],
    [c.n2!, ['GREEN', 'MUG'], 2],
    [c.n3!, ['ESPRESSO', 'LATTE'], 1],
    [c.n4!, ['ESPRESSO', 'MUG', 'LATTE'], 1],
    [c.n5!, ['BLACK', 'LATTE'], 1],
    [c.old!, ['RETRO'], 100],
    [c.erased!, ['GREEN', 'OOLONG'], 1],
  ];
  await db.insert(orders).values(
    bought.map(([customerId, skus, daysAgo]) => ({
      id: uid('ord'),
      customerId,
      amount: 10,
      items: skus.map(line),
      occurredAt: new Date(Date.now() - daysAgo * 86_400_000),
    })),
  );
  await db.insert(events).values([
    {
      id: uid('evt'),
      type: 'product_viewed',
      customerId: c.t!,
      properties: { sku: 'ESPRESSO', category: 'coffee' },
      occurredAt: new Date(),
    },
    { id: uid('evt'), type: 'product_viewed', customerId: c.viewer!, properties: { sku: 'MUG' }, occurredAt: new Date() },
  ]);
}

const get = (id: string, query: string) => stack.api('GET', `/api/customers/${id}/recommendations${query}`);
const item = (sku: string, score: number, because: string[], source: string) => ({
  sku,
  name: `${sku.toLowerCase()} ☕`,
  category: category[sku],
  score,
  because,
  source,
});
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const rrf = (...ranks: number[]) => round6(ranks.reduce((s, r) => s + 1 / (RRF_K + r), 0));
const popular = [
  item('BLACK', 1, [], 'popular'),
  item('GREEN', 1, [], 'popular'),
  item('LATTE', 1, [], 'popular'),
  item('ESPRESSO', 0.666667, [], 'popular'),
  item('MUG', 0.666667, [], 'popular'),
  item('OOLONG', 0.333333, [], 'popular'),
];

describe('GET /api/customers/:id/recommendations?strategy=', () => {
  it('item (the default): the item similarities, as before', async () => {
    const expected = [
      item('OOLONG', 1.1547, ['BLACK', 'GREEN'], 'item'),
      item('MUG', 0.408248, ['GREEN'], 'item'),
      item('LATTE', 0.333333, ['BLACK'], 'item'),
    ];
    const res = await get(c.t!, '');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ customer_id: c.t, strategy: 'item', basis: 'similar_items', items: expected });
    expect((await get(c.t!, '?strategy=item')).body.items).toEqual(expected);
  });

  it('user: what the most similar customers bought, by the sum of their similarities', async () => {
    const res = await get(c.t!, '?strategy=user');
    expect(res.body).toEqual({
      customer_id: c.t,
      strategy: 'user',
      basis: 'similar_customers',
      items: [item('OOLONG', 0.816497, [], 'user'), item('LATTE', 0.5, [], 'user'), item('MUG', 0.5, [], 'user')],
    });
  });

  it('content: items of the categories bought or viewed, by the category’s share (a viewed item may come back)', async () => {
    expect((await get(c.t!, '?strategy=content')).body).toEqual({
      customer_id: c.t,
      strategy: 'content',
      basis: 'same_category',
      // Coffee ties: LATTE has 3 buyers, ESPRESSO 2. MUG (cups) is nowhere in T's profile.
      items: [
        item('OOLONG', 0.666667, ['BLACK', 'GREEN'], 'content'),
        item('LATTE', 0.333333, ['ESPRESSO'], 'content'),
        item('ESPRESSO', 0.333333, ['ESPRESSO'], 'content'),
      ],
    });
    // A view without a category takes the one the orders give its sku.
    expect((await get(c.viewer!, '?strategy=content')).body.items).toEqual([item('MUG', 1, ['MUG'], 'content')]);
  });

  it('blend: the three lists by reciprocal-rank fusion, each item from the list that ranked it best', async () => {
    // Ranks — item: OOLONG MUG LATTE; user: OOLONG LATTE MUG; content: OOLONG LATTE ESPRESSO.
    expect((await get(c.t!, '?strategy=blend')).body).toEqual({
      customer_id: c.t,
      strategy: 'blend',
      basis: 'blend',
      items: [
        item('OOLONG', rrf(1, 1, 1), ['BLACK', 'GREEN'], 'item'),
        item('LATTE', rrf(3, 2, 2), [], 'user'),
        item('MUG', rrf(2, 3), ['GREEN'], 'item'),
        item('ESPRESSO', rrf(3), ['ESPRESSO'], 'content'),
      ],
    });
    expect((await get(c.t!, '?strategy=blend&limit=2')).body.items.map((i: { sku: string }) => i.sku)).toEqual(['OOLONG', 'LATTE']);
  });

  it('cold start: the best sellers of the last 30 days, said as such', async () => {
    for (const strategy of ['user', 'content', 'blend', 'popular']) {
      const res = await get(c.fresh!, `?strategy=${strategy}`);
      expect(res.body, strategy).toEqual({ customer_id: c.fresh, strategy, basis: 'popular', items: popular });
    }
    // One who only viewed has a profile for content, none for user.
    expect((await get(c.viewer!, '?strategy=user&limit=2')).body).toMatchObject({ basis: 'popular', items: popular.slice(0, 2) });
    // Asked for by a customer with history: without what they bought.
    expect((await get(c.t!, '?strategy=popular')).body.items).toEqual(popular.filter((i) => !['BLACK', 'GREEN'].includes(i.sku)));
    // item keeps its all-time cold start (item_similarity's buyers): RETRO, bought 100 days ago, is in it.
    const itemCold = await get(c.fresh!, '?limit=10');
    expect(itemCold.body.basis).toBe('popular');
    expect(itemCold.body.items.map((i: { sku: string; source: string }) => `${i.sku}:${i.source}`)).toContain('RETRO:popular');
  });

  it.each(['random', 'ITEM', ''])('refuses strategy=%j with 400 naming the field', async (strategy) => {
    const res = await get(c.t!, `?strategy=${encodeURIComponent(strategy)}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_query', field: 'strategy' });
  });
});

describe('another workspace', () => {
  it('gets its own best sellers and neighbours, never this one’s orders', async () => {
    const id = uid('ws-rec').toLowerCase();
    const created = await stack.api('POST', '/api/workspaces', { id, name: `Shop ${id}` });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const auth = { authorization: `Bearer ${created.body.admin_key.key}` };
    const [buyer, neighbour, fresh] = ['b', 'n', 'f'].map((k) => uid(`ws-${k}`));
    await inWorkspace(id, async () => {
      const db = stack.database.db;
      await db.insert(customers).values([buyer!, neighbour!, fresh!].map((cid) => ({ id: cid })));
      await db.insert(orders).values([
        { id: uid('ord'), customerId: buyer!, amount: 1, items: [line('GREEN')], occurredAt: new Date() },
        { id: uid('ord'), customerId: neighbour!, amount: 1, items: [line('GREEN'), line('RETRO')], occurredAt: new Date() },
      ]);
    });
    const ask = (cid: string, strategy: string) =>
      stack.api('GET', `/api/customers/${cid}/recommendations?strategy=${strategy}`, undefined, auth);
    expect((await ask(buyer!, 'user')).body.items).toEqual([item('RETRO', 0.707107, [], 'user')]);
    expect((await ask(buyer!, 'content')).body.items).toEqual([]);
    expect((await ask(fresh!, 'blend')).body.items).toEqual([item('GREEN', 1, [], 'popular'), item('RETRO', 0.5, [], 'popular')]);
  });
});

describe('template preview', () => {
  it('lists the recommendations a send would, by the strategy the variable names', async () => {
    const parts = {
      subject: 'For {{ customer.first_name }}',
      text: 'user:{% for i in recommendations_user %} {{ i.sku }}/{{ i.source }}{% endfor %}\nitem:{% for i in recommendations %} {{ i.name }}{% endfor %}',
    };
    const created = await stack.api('POST', '/api/templates', { name: uid('rec-tpl'), channel: 'email', parts });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const preview = (customerId: string) => stack.api('POST', `/api/templates/${created.body.id}/preview`, { customer_id: customerId });
    const t = await preview(c.t!);
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    expect(t.body.parts.text).toBe('user: OOLONG/user LATTE/user MUG/user\nitem: oolong ☕ mug ☕ latte ☕');
    // Cold start: three best sellers for user, the all-time most bought for item (RETRO ties with OOLONG: 1 buyer each, so it is not in the top 3).
    expect((await preview(c.fresh!)).body.parts.text).toBe(
      'user: BLACK/popular GREEN/popular LATTE/popular\nitem: black ☕ green ☕ latte ☕',
    );
  });
});
