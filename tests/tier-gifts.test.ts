// Tier rewards beyond points and coupons, through the real stack: a tier rule's gift becomes a gift record
// with a fulfilment status (made in the upgrade's transaction, once), announced once to the workspace's
// signed gift webhook, polled and moved along by the CRM through /api/gifts; a tier's standing discount is
// part of the upgrade's rewards and of its congratulation.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, gifts, upgradeHistory } from '../src/db/schema.js';
import { DEFAULT_TIER_RULES, type TierRules } from '../src/domain/tiers.js';
import { type ProviderServer, startProvider } from './helpers/http-provider.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const SECRET = 'gift-webhook-secret-0123456789';
let stack: Stack;
let crm: ProviderServer;

beforeAll(async () => {
  // Its own database: the tier_upgrade configuration changes.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
  crm = await startProvider({ secret: SECRET });
  const rules: TierRules = structuredClone(DEFAULT_TIER_RULES);
  rules.rules[1]!.rewards = {
    points: 200,
    coupon: { percentOff: 10, validDays: 30 },
    gift: { sku: 'GIFT-TEA-01', name: '龙井茶礼盒' },
    discount: { percentOff: 5 },
  };
  const put = await stack.api('PUT', '/api/journeys/tier_upgrade', { settings: rules });
  expect(put.status).toBe(200);
  expect((await stack.api('PUT', '/api/settings', { gift_webhook: { url: `${crm.url}/gifts`, secret: SECRET } })).status).toBe(200);
});
afterAll(async () => {
  await stack?.close();
  await crm?.close();
});

const db = () => stack.database.db;

async function customerWithOrder(amount: number, name = '李雷') {
  const id = uid('gift');
  const email = `${id}@example.com`;
  expect((await stack.api('PUT', `/api/customers/${id}`, { email, name })).status).toBe(201);
  const res = await stack.api('POST', '/api/events', {
    id: uid('evt'),
    type: 'order_completed',
    customerId: id,
    properties: { order_id: uid('o'), amount, currency: 'CNY' },
  });
  expect(res.status).toBe(202);
  return { id, email, mail: () => stack.mail.list().filter((m) => m.to.includes(email)) };
}

const giftsOf = (customerId: string) => db().select().from(gifts).where(eq(gifts.customerId, customerId));

describe('tier rewards: gifts and discounts', () => {
  it('an upgrade to a tier with a gift makes one pending gift, announces it once (signed), and the congratulation names it and the discount', async () => {
    crm.script('/gifts', [503]); // the CRM is briefly down: the announcement is retried
    const c = await customerWithOrder(1020);
    await waitFor(() => c.mail().length === 1, 'the congratulation');
    const [mail] = c.mail();
    expect(mail!.subject).toBe('Congratulations, 李雷: you are now Potential');
    expect(mail!.text).toContain('A present is on its way to you: 龙井茶礼盒.');
    expect(mail!.text).toContain('As Potential you save 5% on every order.');

    const rows = await giftsOf(c.id);
    expect(rows).toHaveLength(1);
    const [gift] = rows;
    expect(gift).toMatchObject({ sku: 'GIFT-TEA-01', name: '龙井茶礼盒', status: 'pending', source: 'tier_upgrade' });
    const [upgrade] = await db().select().from(upgradeHistory).where(eq(upgradeHistory.customerId, c.id));
    expect(gift!.upgradeId).toBe(upgrade!.id);
    expect(upgrade!.rewards).toMatchObject({
      points: 200,
      coupon: { percent_off: 10 },
      gift: { id: gift!.id, sku: 'GIFT-TEA-01', name: '龙井茶礼盒' },
      discount: { percent_off: 5 },
    });

    // The announcement: refused once with 503, then delivered once, signed, with the gift.
    await waitFor(async () => (await giftsOf(c.id))[0]!.webhookDeliveredAt !== null, 'the gift announced');
    const calls = crm.received('/gifts').filter((r) => r.body.gift.id === gift!.id);
    expect(calls.map((r) => r.status)).toEqual([503, 200]);
    expect(calls.every((r) => r.verified)).toBe(true);
    expect(calls[1]!.headers['idempotency-key']).toBe(`gift/${gift!.id}`);
    expect(calls[1]!.body).toMatchObject({
      type: 'gift.created',
      gift: { id: gift!.id, customer_id: c.id, status: 'pending', name: '龙井茶礼盒' },
    });

    // A further order re-evaluates (no upgrade): still one gift, no second announcement.
    await stack.api('POST', '/api/events', {
      id: uid('evt'),
      type: 'order_completed',
      customerId: c.id,
      properties: { order_id: uid('o'), amount: 10 },
    });
    await waitFor(
      async () => ((await db().select().from(customers).where(eq(customers.id, c.id)))[0]!.orderCount === 2 ? true : null),
      'order 2',
    );
    expect(await giftsOf(c.id)).toHaveLength(1);
    expect(crm.received('/gifts').filter((r) => r.body.gift.id === gift!.id && r.status === 200)).toHaveLength(1);
  });

  it('the CRM polls pending gifts and moves each along its fulfilment; moves its status forbids are refused naming the field', async () => {
    const c = await customerWithOrder(1500, 'Hanna');
    const gift = await waitFor(async () => (await giftsOf(c.id))[0] ?? null, 'the gift row');

    const pending = await stack.api('GET', `/api/gifts?status=pending&customer_id=${c.id}`);
    expect(pending.status).toBe(200);
    expect(pending.body.gifts.map((g: { id: string }) => g.id)).toEqual([gift.id]);
    expect(pending.body.pagination).toEqual({ total: 1, page: 1, page_size: 50 });

    const patch = (body: unknown) => stack.api('PATCH', `/api/gifts/${gift.id}`, body);
    expect(await patch({ status: 'shipped', tracking_number: 'SF1234567890', note: '顺丰速运' })).toMatchObject({
      status: 200,
      body: { status: 'shipped', tracking_number: 'SF1234567890' },
    });
    // The same status again (a retried call): accepted, no second history entry.
    expect((await patch({ status: 'shipped' })).status).toBe(200);
    expect(await patch({ status: 'pending' })).toMatchObject({
      status: 409,
      body: { error: { code: 'invalid_transition', field: 'status', message: 'a shipped gift can move to delivered, not to pending' } },
    });
    expect((await patch({ status: 'delivered' })).body.status).toBe('delivered');
    expect(await patch({ status: 'cancelled' })).toMatchObject({ status: 409, body: { error: { code: 'invalid_transition' } } });

    const read = await stack.api('GET', `/api/gifts/${gift.id}`);
    expect(read.status).toBe(200);
    expect(read.body.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'shipped', 'delivered']);
    expect(read.body.history[1].note).toBe('顺丰速运');
    expect((await stack.api('GET', `/api/gifts?status=pending&customer_id=${c.id}`)).body.gifts).toEqual([]);

    // Bad input: 422 (a body) or 400 (a query) naming the field; unknown ids 404, whatever their shape.
    expect(await patch({ status: 'lost' })).toMatchObject({ status: 422, body: { error: { field: 'status' } } });
    expect(await patch({ status: 'shipped', extra: 1 })).toMatchObject({ status: 422 });
    expect(await stack.api('GET', '/api/gifts/not-a-uuid')).toMatchObject({ status: 404, body: { error: { code: 'gift_not_found' } } });
    expect(await stack.api('PATCH', '/api/gifts/00000000-0000-4000-8000-000000000000', { status: 'shipped' })).toMatchObject({
      status: 404,
    });
    expect(await stack.api('GET', '/api/gifts?status=lost')).toMatchObject({ status: 400, body: { error: { field: 'status' } } });
  });

  it('an upgrade through the API makes the gift too; a gift webhook URL must be http(s)', async () => {
    const id = uid('gift');
    expect((await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` })).status).toBe(201);
    await db().update(customers).set({ orderCount: 1, totalSpend: 1200, visitCount: 1 }).where(eq(customers.id, id));
    const executed = await stack.api('POST', '/api/ai-ops/customer/upgrade/execute', { customer_id: id });
    expect(executed.status).toBe(200);
    expect(executed.body.upgrade.rewards).toMatchObject({ gift: { sku: 'GIFT-TEA-01' }, discount: { percent_off: 5 } });
    expect(executed.body.message).toMatch(/and a gift \(龙井茶礼盒\) and a standing 5% discount$/);
    expect((await giftsOf(id)).map((g) => g.id)).toEqual([executed.body.upgrade.rewards.gift.id]);

    expect(await stack.api('PUT', '/api/settings', { gift_webhook: { url: 'ftp://crm.example', secret: SECRET } })).toMatchObject({
      status: 422,
      body: { error: { field: 'gift_webhook.url' } },
    });
    expect(
      await stack.api('PUT', '/api/journeys/tier_upgrade', {
        settings: {
          ...DEFAULT_TIER_RULES,
          rules: [{ ...DEFAULT_TIER_RULES.rules[0]!, rewards: { points: 1, gift: { sku: '', name: 'x' } } }],
        },
      }),
    ).toMatchObject({
      status: 422,
      body: { error: { field: 'settings.rules[0].rewards.gift.sku' } },
    });
  });
});
