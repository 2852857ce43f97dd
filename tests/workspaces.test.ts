// Workspaces and API keys through the real stack: no route but the public ones answers without a key, a
// key's scopes decide what it may call, and two workspaces on one installation see nothing of each other —
// at the API (every route of the OpenAPI document, asked with the other workspace's ids) and in the
// database (row-level security stops a statement that forgets the workspace).
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createDatabase } from '../src/db/client.js';
import { rowsOf } from '../src/db/sql-helpers.js';
import { apiKeys, customers, events, gifts, holidayCampaigns, messages, socialPosts, workspaces } from '../src/db/schema.js';
import { asInstallation, inWorkspace, outsideAnyWorkspace } from '../src/db/workspace.js';
import { createServices } from '../src/services.js';
import { WorkspaceIdKey } from '../src/temporal/search-attributes.js';
import { signWebhook } from '../src/domain/webhook-signature.js';
import { type Stack, startStack, TEST_API_LIMITS, TEST_WEBHOOK_SECRETS, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
});
afterAll(async () => {
  await stack?.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A new workspace (created by the default workspace's admin key) and its admin key. */
async function newWorkspace(): Promise<{ id: string; key: string }> {
  const id = uid('ws').toLowerCase();
  const res = await stack.api('POST', '/api/workspaces', { id, name: `Shop ${id}` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.admin_key.key).toMatch(/^tp_[a-z0-9]{8}_/);
  return { id, key: res.body.admin_key.key };
}

/** The first mail to `address` (the welcome journey's first step sends at once). */
const welcomeMailTo = (address: string) => stack.mail.waitFor((m) => m.to.includes(address));

describe('API keys', () => {
  it('answers 401 without a key or with an unknown one, and serves the public routes without one', async () => {
    for (const [method, path] of [
      ['GET', '/api/customers/x'],
      ['POST', '/api/events'],
      ['GET', '/api/marketing/campaigns'],
      ['GET', '/api/keys'],
      ['GET', '/dev/mail'],
    ] as const) {
      const none = await stack.api(method, path, method === 'POST' ? {} : undefined, { authorization: '' });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      const unknown = await stack.api(method, path, method === 'POST' ? {} : undefined, bearer('tp_nobody00_secret'));
      expect(unknown.status).toBe(401);
    }
    expect((await stack.app.request('/healthz')).status).toBe(200);
    expect((await stack.app.request('/openapi.json')).status).toBe(200);
  });

  it("declares the key and each route's scope in the OpenAPI document", async () => {
    const doc = (await (await stack.app.request('/openapi.json')).json()) as {
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
      paths: Record<string, Record<string, { security: unknown[]; 'x-scope'?: string }>>;
    };
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/marketing/campaigns']!.post).toMatchObject({ security: [{ apiKey: [] }], 'x-scope': 'marketing:write' });
    expect(doc.paths['/api/events']!.post!['x-scope']).toBe('events:write');
    expect(doc.paths['/api/keys']!.get!['x-scope']).toBe('admin');
    expect(doc.paths['/api/customers/{id}']!.delete!['x-scope']).toBe('admin');
    expect(doc.paths['/api/customers/{id}']!.get!['x-scope']).toBe('read');
    expect(doc.paths['/t/o/{token}']!.get!.security).toEqual([]);
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) expect(op.security, `${method} ${path}`).toBeDefined();
  });

  it('refuses a key without the scope with 403 naming it; admin includes every scope', async () => {
    const reader = await stack.authAs('reader', ['read']);
    const res = await stack.api(
      'POST',
      '/api/marketing/campaigns',
      { name: 'x', type: 'email', target_tags: ['t'], content: 'Hi' },
      reader,
    );
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('marketing:write') });
    expect(res.body.scope).toBe('marketing:write');
    expect((await stack.api('GET', '/api/marketing/campaigns', undefined, reader)).status).toBe(200);

    const backend = await stack.authAs('backend', ['events:write']);
    const id = uid('scoped');
    expect((await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` }, backend)).status).toBe(201);
    expect((await stack.api('GET', `/api/customers/${id}`, undefined, backend)).status).toBe(403);
    expect((await stack.api('DELETE', `/api/customers/${id}`, undefined, backend)).body.scope).toBe('admin');
    expect((await stack.api('GET', '/api/keys', undefined, reader)).status).toBe(403);
  });

  it('shows a key once, keeps only its hash, lists it by prefix with its last use, and a revoked key stops at once', async () => {
    const created = await stack.api('POST', '/api/keys', { name: 'ci', scopes: ['read'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { key, id, prefix } = created.body;
    expect(key.startsWith(`${prefix}_`)).toBe(true);
    const rows = await stack.database.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/);

    expect((await stack.api('GET', '/api/marketing/campaigns', undefined, bearer(key))).status).toBe(200);
    const listed = (await stack.api('GET', '/api/keys')).body.items.find((k: { id: string }) => k.id === id);
    expect(listed).toMatchObject({ name: 'ci', prefix, scopes: ['read'], last_used_at: expect.any(String), revoked_at: null });
    expect(JSON.stringify(listed)).not.toContain(key);

    expect((await stack.api('DELETE', `/api/keys/${id}`)).status).toBe(200);
    const after = await stack.api('GET', '/api/marketing/campaigns', undefined, bearer(key));
    expect(after.status).toBe(401);
  });

  it('limits requests per key (429 with Retry-After) and bodies on every route (413)', async () => {
    const services = createServices(stack.database.db, stack.client, stack.servicesConfig);
    const app = createApp({ ...services, mailCapture: null, api: { rateLimit: { perSecond: 1, burst: 2 }, bodyLimitBytes: 2048 } });
    const get = () => app.request('/api/marketing/campaigns', { headers: bearer(stack.key) });
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');

    const big = await app.request('/u/some-token', { method: 'POST', body: 'x'.repeat(4096) });
    expect(big.status).toBe(413);
    expect(TEST_API_LIMITS.rateLimit.perSecond).toBe(0);
  });
});

describe('two workspaces on one installation', () => {
  it('keeps the same customer id as two customers with their own journeys, workflow ids and mail', async () => {
    const b = await newWorkspace();
    const customerId = uid('twin');
    const emailA = `${customerId}-a@example.com`;
    const emailB = `${customerId}-b@example.com`;
    expect((await stack.api('PUT', `/api/customers/${customerId}`, { email: emailA, name: 'Ada A' })).status).toBe(201);
    expect((await stack.api('PUT', `/api/customers/${customerId}`, { email: emailB, name: 'Ada B' }, bearer(b.key))).status).toBe(201);
    const eventId = uid('evt');
    // The same event id in both: each workspace has its own idempotency store.
    for (const key of [stack.key, b.key]) {
      const res = await stack.api('POST', '/api/events', { id: eventId, type: 'user_signup', customerId }, bearer(key));
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.results[0].status).toBe('accepted');
    }
    await welcomeMailTo(emailA);
    await welcomeMailTo(emailB);

    const runA = stack.client.workflow.getHandle(`welcome/${customerId}`);
    const runB = stack.client.workflow.getHandle(`${b.id}/welcome/${customerId}`);
    expect((await runA.describe()).typedSearchAttributes.get(WorkspaceIdKey)).toBe('default');
    expect((await runB.describe()).typedSearchAttributes.get(WorkspaceIdKey)).toBe(b.id);

    const a = (await stack.api('GET', `/api/customers/${customerId}`)).body;
    const inB = (await stack.api('GET', `/api/customers/${customerId}`, undefined, bearer(b.key))).body;
    expect(a.customer.email).toBe(emailA);
    expect(inB.customer.email).toBe(emailB);
    const bMessages = await inWorkspace(b.id, () => stack.database.db.select().from(messages).where(eq(messages.customerId, customerId)));
    expect(bMessages.length).toBeGreaterThan(0);
    expect(bMessages.every((m) => m.recipient === emailB && m.workflowId?.startsWith(`${b.id}/`))).toBe(true);
  });

  it('stores concurrent events and broadcast records of two workspaces each in its own (group commits never mix them)', async () => {
    const b = await newWorkspace();
    const tag = uid('both');
    const ids = Array.from({ length: 12 }, (_, i) => uid(`c${i}`));
    for (const key of [stack.key, b.key]) {
      await Promise.all(
        ids.map((id) => stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com`, tags: [tag] }, bearer(key))),
      );
    }
    // The same event ids from both workspaces at once: each request lands in a group commit of its own workspace.
    const sends = ids.flatMap((id) =>
      [stack.key, b.key].map((key) =>
        stack.api('POST', '/api/events', { id: `evt-${id}`, type: 'page_view', customerId: id }, bearer(key)),
      ),
    );
    for (const res of await Promise.all(sends)) expect(res.body.results[0].status, JSON.stringify(res.body)).toBe('accepted');
    for (const ws of ['default', b.id]) {
      const rows = await inWorkspace(ws, () =>
        stack.database.db.select({ id: events.id, ws: events.workspaceId }).from(events).where(inArray(events.customerId, ids)),
      );
      expect(rows.length, ws).toBe(ids.length);
      expect(rows.every((r) => r.ws === ws)).toBe(true);
    }
    // Two broadcasts at once, one per workspace: each record is its own workspace's (written in groups too).
    const campaignOf = async (key: string) =>
      (
        await stack.api(
          'POST',
          '/api/marketing/campaigns',
          { name: uid('both'), type: 'email', target_tags: [tag], content: 'Hi' },
          bearer(key),
        )
      ).body.id as string;
    const [inA, inB] = [await campaignOf(stack.key), await campaignOf(b.key)];
    await Promise.all([
      stack.api('POST', `/api/marketing/campaigns/${inA}/trigger`, { execution_type: 'actual' }, bearer(stack.key)),
      stack.api('POST', `/api/marketing/campaigns/${inB}/trigger`, { execution_type: 'actual' }, bearer(b.key)),
    ]);
    for (const [ws, campaign] of [
      ['default', inA],
      [b.id, inB],
    ] as const) {
      const sent = await waitFor(async () => {
        const rows = await inWorkspace(ws, () => stack.database.db.select().from(messages).where(eq(messages.campaignId, campaign)));
        return rows.length === ids.length && rows.every((r) => r.status === 'sent') ? rows : null;
      }, `the ${ws} broadcast's records`);
      expect(sent.every((r) => r.workspaceId === ws)).toBe(true);
    }
  });

  it("never reaches another workspace's data through any route of the OpenAPI document (404, never 403)", async () => {
    const b = await newWorkspace();
    // What the default workspace holds, by the path parameter that names it.
    const customerId = uid('owned');
    await stack.api('PUT', `/api/customers/${customerId}`, { email: `${customerId}@example.com`, tags: ['vip'] });
    await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId });
    await welcomeMailTo(`${customerId}@example.com`);
    const campaign = (
      await stack.api('POST', '/api/marketing/campaigns', { name: uid('c'), type: 'email', target_tags: ['vip'], content: 'Hi' })
    ).body;
    const template = (await stack.api('POST', '/api/templates', { name: uid('t'), channel: 'email', parts: { subject: 'S', text: 'T' } }))
      .body;
    const segment = (await stack.api('POST', '/api/segments', { name: uid('VIPs'), rules: { attribute: 'points', op: 'gte', value: 0 } }))
      .body;
    const flow = (
      await stack.api('POST', '/api/flows', {
        name: uid('flow'),
        trigger_event: 'page_view',
        actions: [{ type: 'send_email', template: { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' } }],
      })
    ).body.flow;
    const experiment = (
      await stack.api('POST', '/api/experiments', {
        name: uid('exp'),
        campaign_id: campaign.id,
        variants: [{ key: 'A' }, { key: 'B', subject: 'B' }],
        goal: 'open_rate',
      })
    ).body;
    const key = (await stack.api('POST', '/api/keys', { name: 'victim', scopes: ['read'] })).body;
    await stack.api('POST', '/api/suppressions', { channel: 'email', address: `${customerId}@example.com` });
    const holiday = (await stack.api('POST', '/api/holidays', { name: uid('店庆日'), month_day: '08-18' })).body;
    // Saved directly: the time-skipping server keeps no Schedules for the API's create.
    const [holidayCampaign] = await stack.database.db
      .insert(holidayCampaigns)
      .values({ name: uid('店庆'), holidayId: holiday.id, type: 'email', targetTags: ['vip'], content: 'Happy 店庆日', sendTime: '10:00' })
      .returning();
    const [gift] = await stack.database.db
      .insert(gifts)
      .values({ idempotencyKey: uid('gift'), customerId, source: 'tier_upgrade', sku: 'GIFT-1', name: '礼盒' })
      .returning();
    const [post] = await stack.database.db
      .insert(socialPosts)
      .values({ account: 'weibo:@victim', text: '只给自己的账号', scheduledAt: new Date(Date.now() + 86_400_000) })
      .returning();
    for (const [what, made] of Object.entries({
      campaign,
      template,
      segment,
      flow,
      key,
      experiment,
      holiday,
      holidayCampaign: holidayCampaign!,
      gift: gift!,
      post: post!,
    }))
      expect(made.id, what).toBeTruthy();

    const ids: Record<string, Record<string, string>> = {
      '/api/customers/': { id: customerId },
      '/api/marketing/campaigns/': { id: campaign.id },
      '/api/templates/': { id: template.id },
      '/api/segments/': { id: segment.id },
      '/api/flows/': { id: flow.id },
      '/api/keys/': { id: key.id },
      '/api/experiments/': { id: experiment.id },
      '/api/ai-ops/customer/clv/': { customer_id: customerId },
      '/api/holidays/': { id: holiday.id },
      '/api/holiday-campaigns/': { id: holidayCampaign!.id },
      '/api/journeys/runs/': { workflowId: `welcome/${customerId}` },
      '/api/suppressions/': { channel: 'email', address: `${customerId}@example.com` },
      '/api/gifts/': { id: gift!.id },
      '/api/social/posts/': { id: post!.id },
    };
    const doc = (await (await stack.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const checked: string[] = [];
    for (const [template_, operations] of Object.entries(doc.paths)) {
      const params = [...template_.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      // Public routes name no workspace's ids (tokens are signed; providers are the installation's); a
      // journey by key is the workspace's own configuration of a journey every workspace has.
      if (/^\/(t|u)\/|^\/api\/webhooks\//.test(template_) || template_.startsWith('/api/journeys/{key}')) continue;
      if (params.length === 0) continue;
      const family = Object.keys(ids).find((prefix) => template_.startsWith(prefix));
      expect(family, `no id of the other workspace for ${template_}: add one to this test`).toBeDefined();
      const path = template_.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(ids[family!]![p]!));
      for (const method of Object.keys(operations)) {
        // An upsert: B would get a customer of its own under that id (checked after the loop).
        if (method === 'put' && template_ === '/api/customers/{id}') continue;
        const res = await stack.api(method.toUpperCase(), path, method === 'get' || method === 'delete' ? undefined : {}, bearer(b.key));
        checked.push(`${method} ${template_}`);

        // 404 (or a body refused before anything is looked up); never the resource, never a 403 that confirms it exists.
        expect([404, 422], `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
        if (res.status === 422) expect(JSON.stringify(res.body)).not.toContain(customerId);
      }
    }
    expect(checked.length).toBeGreaterThan(20);
    // PUT creates B's own customer under the same id; the default workspace's stays as it was (below).
    expect((await stack.api('PUT', `/api/customers/${customerId}`, { name: 'B' }, bearer(b.key))).status).toBe(201);

    // Lists in B show none of the default workspace's rows.
    // B's customer list: its own customer of that id (made above), never the default workspace's profile.
    const listed = await stack.api('GET', `/api/customers?q=${encodeURIComponent(customerId)}`, undefined, bearer(b.key));
    expect(listed.body.customers.map((c: { id: string; name: string | null }) => [c.id, c.name])).toEqual([[customerId, 'B']]);
    for (const path of [
      '/api/marketing/campaigns',
      '/api/templates',
      '/api/segments',
      '/api/flows',
      '/api/keys',
      '/api/suppressions',
      '/api/experiments',
    ]) {
      const res = await stack.api('GET', path, undefined, bearer(b.key));
      expect(res.status, path).toBe(200);
      const text = JSON.stringify(res.body);
      for (const id of [campaign.id, template.id, segment.id, flow.id, key.id, experiment.id, customerId])
        expect(text, path).not.toContain(id);
    }
    // And nothing of the default workspace changed.
    expect((await stack.api('GET', `/api/customers/${customerId}`)).body.customer.email).toBe(`${customerId}@example.com`);
    expect((await stack.api('GET', `/api/customers/${customerId}`)).body.customer.erased_at ?? null).toBeNull();
    expect((await stack.api('GET', `/api/marketing/campaigns/${campaign.id}`)).body.status).toBe('draft');
    expect((await stack.api('GET', `/api/experiments/${experiment.id}`)).body).toMatchObject({ status: 'running', winner: null });
    expect((await stack.api('GET', '/api/keys')).body.items.find((k: { id: string }) => k.id === key.id).revoked_at).toBeNull();
  });

  it("applies a delivery report in the workspace of the message it names, and a tracking link in its message's", async () => {
    const b = await newWorkspace();
    const id = uid('bounce');
    const email = `${id}@example.com`;
    await stack.api('PUT', `/api/customers/${id}`, { email }, bearer(b.key));
    await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id }, bearer(b.key));
    const mail = await welcomeMailTo(email);
    // The open pixel of B's email counts on B's message (its token names no workspace).
    const pixel = new URL(mail.html.match(/<img src="([^"]+\/t\/o\/[^"]+)"/)![1]!).pathname;
    expect((await stack.app.request(pixel)).status).toBe(200);
    const [sent] = await inWorkspace(b.id, () => stack.database.db.select().from(messages).where(eq(messages.customerId, id)));
    const body = JSON.stringify({ events: [{ type: 'bounced', bounce_type: 'hard', message_id: sent!.providerMessageId }] });
    const res = await stack.app.request('/api/webhooks/delivery/acme-mail', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(TEST_WEBHOOK_SECRETS.get('acme-mail'), body, Date.now()) },
      body,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const listed = async (key: string) => JSON.stringify((await stack.api('GET', '/api/suppressions', undefined, bearer(key))).body);
    expect(await listed(b.key)).toContain(email);
    expect(await listed(stack.key)).not.toContain(email);
    const [bounced] = await inWorkspace(b.id, () => stack.database.db.select().from(messages).where(eq(messages.id, sent!.id)));
    expect(bounced?.bounceType).toBe('hard');
    expect(bounced?.openCount).toBe(1);
  });

  it('only the default workspace manages workspaces; a workspace id must be a valid, unreserved name', async () => {
    const b = await newWorkspace();
    expect((await stack.api('POST', '/api/workspaces', { id: uid('x'), name: 'x' }, bearer(b.key))).status).toBe(403);
    expect((await stack.api('GET', '/api/workspaces', undefined, bearer(b.key))).status).toBe(403);
    expect((await stack.api('POST', '/api/workspaces', { id: 'welcome', name: 'x' })).body.error.field).toBe('id');
    expect((await stack.api('POST', '/api/workspaces', { id: 'Bad Name', name: 'x' })).status).toBe(422);
    expect((await stack.api('POST', '/api/workspaces', { id: b.id, name: 'again' })).status).toBe(409);
    const listed = (await stack.api('GET', '/api/workspaces')).body.items.map((w: { id: string }) => w.id);
    expect(listed).toEqual(expect.arrayContaining(['default', b.id]));
  });
});

describe('row-level security', () => {
  it('shows a statement that forgets the workspace only its own rows, and refuses a row of another workspace', async () => {
    const b = await newWorkspace();
    const id = uid('rls');
    await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` });
    await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@b.example.com` }, bearer(b.key));
    const db = stack.database.db;
    // No workspace filter in these statements: the policy is what keeps them in their workspace.
    const inB = await inWorkspace(b.id, () => db.select({ workspace: customers.workspaceId, email: customers.email }).from(customers));
    expect(inB).toEqual([{ workspace: b.id, email: `${id}@b.example.com` }]);
    const counted = await inWorkspace(b.id, () =>
      db.execute<{ n: number }>(sql`select count(*)::int as n from customers where id = ${id}`),
    );
    expect(rowsOf<{ n: number }>(counted)[0]?.n).toBe(1);
    await expect(inWorkspace(b.id, () => db.insert(customers).values({ workspaceId: 'default', id: uid('sneak') }))).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/row-level security/) },
    });
    const updated = await inWorkspace(b.id, () =>
      db.execute(sql`update customers set name = 'changed by b' where workspace_id = 'default' and id = ${id} returning id`),
    );
    expect(JSON.stringify(updated)).not.toContain(id);
    const [a] = await db.select().from(customers).where(eq(customers.id, id));
    expect(a?.name ?? null).toBeNull();
  });
});

describe('row-level security on PGlite (the embedded database)', () => {
  it('keeps a statement without a workspace filter in its workspace, and refuses a row of another', async () => {
    const pglite = createDatabase({ kind: 'pglite', dataDir: 'memory://' });
    try {
      await pglite.migrate();
      const db = pglite.db;
      const id = uid('same');
      await inWorkspace('default', () => db.insert(customers).values({ id, email: 'a@example.com' }));
      await asInstallation(() => db.insert(workspaces).values({ id: 'shop-b', name: 'B' }));
      await inWorkspace('shop-b', () => db.insert(customers).values({ id, email: 'b@example.com' }));
      const seen = await inWorkspace('shop-b', () =>
        db.select({ workspace: customers.workspaceId, email: customers.email }).from(customers),
      );
      expect(seen).toEqual([{ workspace: 'shop-b', email: 'b@example.com' }]);
      await expect(
        inWorkspace('shop-b', () => db.insert(customers).values({ workspaceId: 'default', id: uid('sneak') })),
      ).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/row-level security/) },
      });
      // Outside any workspace a statement does not run at all.
      await expect(outsideAnyWorkspace(() => db.select().from(customers))).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/outside any workspace/) },
      });
      expect(await asInstallation(async () => (await db.select().from(customers)).length)).toBe(2);
    } finally {
      await pglite.close();
    }
  });
});
