// Webhooks go only to the internet (src/channels/outbound.ts), through the real stack with an EMPTY
// allow-list: campaign and flow webhook URLs that name this machine or its network, however written, are
// refused at save (422 url_not_allowed); a name that resolved to a public address when it was saved and
// resolves to 127.0.0.1 at send time is recorded failed, and the loopback server behind it never hears a
// thing. DNS is the stack's injected resolver, so nothing here depends on real DNS, and the only address
// ever connected to is loopback.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ResolveHost, createOutbound } from '../src/channels/outbound.js';
import { marketingCampaigns, messages } from '../src/db/schema.js';
import { parseAllowList } from '../src/domain/outbound-address.js';
import { campaignWorkflowId, cartRecoveryWorkflowId, flowWorkflowId } from '../src/temporal/workflow-ids.js';
import { seedAudience } from './helpers/audience.js';
import { type ProviderServer, startProvider } from './helpers/http-provider.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

/** A public address (never connected to: names resolve to it only while nothing is sent). */
const PUBLIC = '93.184.215.14';

/** The stack's DNS: name → addresses; an unknown name does not resolve. */
const zone = new Map<string, string[]>();
const resolve: ResolveHost = async (host) => {
  const addresses = zone.get(host);
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};
const name = (prefix: string, ...addresses: string[]) => {
  const host = `${uid(prefix)}.test`;
  zone.set(host, addresses);
  return host;
};

let stack: Stack;
/** What an internal service would be: on loopback, answering with a secret. */
let internal: ProviderServer;
let port: string;
beforeAll(async () => {
  internal = await startProvider();
  port = new URL(internal.url).port;
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true, outbound: { allowList: [], resolve } });
});
afterAll(async () => {
  await stack?.close();
  await internal?.close();
});

const CAMPAIGNS = '/api/marketing/campaigns';
const webhookCampaign = (webhook_url: string, target_tags = [uid('nobody')]) => ({
  name: uid('hook-campaign'),
  type: 'webhook',
  target_tags,
  content: 'Hi {{ customer.first_name }}',
  webhook_url,
});
const webhookFlow = (url: string, trigger = uid('go').replace('-', '_')) => ({
  name: uid('hook-flow'),
  trigger_event: trigger,
  actions: [{ type: 'send_webhook', url, template: '{{ customer.id }}' }],
});

/** Internal targets as an attacker would write them (the internal server's port, so a leak would reach it). */
const refusedAtSave = (): Array<[string, string, RegExp]> => [
  ['127.0.0.1', `http://127.0.0.1:${port}/internal/admin`, /127\.0\.0\.1 is a loopback address/],
  ['10.0.0.1', 'http://10.0.0.1/hook', /10\.0\.0\.1 is a private address/],
  ['the metadata address', 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
  ['[::1]', `http://[::1]:${port}/hook`, /::1 is a loopback address/],
  ['0x7f000001', `http://0x7f000001:${port}/hook`, /127\.0\.0\.1 is a loopback address/],
  ['2130706433', `http://2130706433:${port}/hook`, /127\.0\.0\.1 is a loopback address/],
  ['0177.0.0.1', `http://0177.0.0.1:${port}/hook`, /127\.0\.0\.1 is a loopback address/],
  ['[::ffff:127.0.0.1]', `http://[::ffff:127.0.0.1]:${port}/hook`, /\(127\.0\.0\.1\) is a loopback address/],
  ['localhost', `http://localhost:${port}/hook`, /localhost names this machine/],
  ['a name resolving to loopback', `http://${name('loop', '127.0.0.1')}:${port}/hook`, /resolves to 127\.0\.0\.1, a loopback address/],
  [
    'a name with one private address',
    `https://${name('mixed', PUBLIC, '192.168.1.20')}/hook`,
    /resolves to 192\.168\.1\.20, a private address/,
  ],
];

describe('at save, without an allow-list', () => {
  it('refuses a campaign webhook_url to this machine or its network, however written, and keeps nothing', async () => {
    for (const [what, url, reason] of refusedAtSave()) {
      const body = webhookCampaign(url);
      const res = await stack.api('POST', CAMPAIGNS, body);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'url_not_allowed', field: 'webhook_url' });
      expect(res.body.error.message, what).toMatch(/^webhook_url: not allowed: /);
      expect(res.body.error.message, what).toMatch(reason);
      const kept = await stack.database.db.select().from(marketingCampaigns).where(eq(marketingCampaigns.name, body.name));
      expect(kept, what).toHaveLength(0);
    }
    expect(internal.requests).toHaveLength(0);
  });

  it('refuses an edit of a campaign to an internal URL', async () => {
    const created = await stack.api('POST', CAMPAIGNS, webhookCampaign(`https://${name('fine', PUBLIC)}/hook`));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const res = await stack.api('PUT', `${CAMPAIGNS}/${created.body.id}`, { webhook_url: 'http://169.254.169.254/' });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'url_not_allowed', field: 'webhook_url' });
    expect((await stack.api('GET', `${CAMPAIGNS}/${created.body.id}`)).body.webhook_url).toBe(created.body.webhook_url);
  });

  it('refuses a flow send_webhook URL the same way, naming the action, in a new flow and in a new version', async () => {
    for (const [what, url, reason] of refusedAtSave()) {
      const res = await stack.api('POST', '/api/flows', webhookFlow(url));
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(422);
      expect(res.body.error, what).toMatchObject({ code: 'url_not_allowed', field: 'actions[0].url' });
      expect(res.body.error.message, what).toMatch(reason);
    }
    const saved = await stack.api('POST', '/api/flows', webhookFlow(`https://${name('flow-ok', PUBLIC)}/hook`));
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const again = await stack.api('PUT', `/api/flows/${saved.body.flow.id}`, webhookFlow(`http://[::1]:${port}/hook`));
    expect(again.status).toBe(422);
    expect(again.body.error).toMatchObject({ code: 'url_not_allowed', field: 'actions[0].url' });
    expect((await stack.api('GET', `/api/flows/${saved.body.flow.id}`)).body.flow.version).toBe(1);
    expect(internal.requests).toHaveLength(0);
  });

  it("refuses a journey's CRM task webhook the same way, naming the step", async () => {
    const steps = (webhookUrl: string) => [{ key: 'callback', offset: 0, channel: 'crm_task', task: { title: 'Call back', webhookUrl } }];
    for (const url of [`http://127.0.0.1:${port}/tasks`, 'http://169.254.169.254/', `http://${name('crm-loop', '::1')}/tasks`]) {
      const res = await stack.api('PUT', '/api/journeys/cart_recovery', { steps: steps(url) });
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'url_not_allowed', field: 'steps[0].task.webhookUrl' });
    }
  });

  it('refuses what is not http(s) before any of that', async () => {
    const res = await stack.api('POST', CAMPAIGNS, webhookCampaign('file:///etc/passwd'));
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('webhook_url');
  });
});

describe('at send, after DNS', () => {
  it('records a campaign webhook whose name now resolves to loopback as failed, and sends nothing', async () => {
    const host = name('rebind', PUBLIC);
    const { tag, ids } = await seedAudience(stack.database.db, 2);
    const created = await stack.api('POST', CAMPAIGNS, webhookCampaign(`http://${host}:${port}/internal/admin`, [tag]));
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    zone.set(host, ['127.0.0.1']);
    const trigger = await stack.api('POST', `${CAMPAIGNS}/${created.body.id}/trigger`, { execution_type: 'actual' });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(202);
    const done = await stack.client.workflow.getHandle(campaignWorkflowId(created.body.id, trigger.body.execution_id)).result();
    expect(done).toMatchObject({ processed: 2, sent: 0, failed: 2 });

    const records = (await stack.api('GET', `/api/marketing/records?campaign_id=${created.body.id}`)).body.records;
    expect(records.map((r: { customer_id: string }) => r.customer_id).sort()).toEqual(ids);
    for (const r of records) {
      expect(r).toMatchObject({
        status: 'failed',
        error_message: `webhook URL not allowed: ${host} resolves to 127.0.0.1, a loopback address`,
        response: null,
      });
    }
    expect(internal.requests).toHaveLength(0);
  });

  it('records a flow send_webhook whose name now resolves to loopback as failed, and sends nothing', async () => {
    const host = name('rebind-flow', PUBLIC);
    const def = webhookFlow(`http://${host}:${port}/hook`);
    const saved = await stack.api('POST', '/api/flows', def);
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect((await stack.api('POST', `/api/flows/${saved.body.flow.id}/activate`)).status).toBe(200);

    zone.set(host, ['::1']);
    const customerId = uid('hook-cust');
    expect((await stack.api('PUT', `/api/customers/${customerId}`, { email: `${customerId}@example.com` })).status).toBe(201);
    const event = await stack.api('POST', '/api/events', { id: uid('evt'), type: def.trigger_event, customerId });
    expect(event.status, JSON.stringify(event.body)).toBe(202);
    const run = await stack.client.workflow.getHandle(flowWorkflowId(saved.body.flow.id, customerId)).result();
    const reason = `webhook URL not allowed: ${host} resolves to ::1, a loopback address`;
    expect(run).toMatchObject({ steps: [{ step: '0-send_webhook', status: 'failed', reason }] });
    const rows = await stack.database.db.select().from(messages).where(eq(messages.customerId, customerId));
    expect(rows).toMatchObject([{ channel: 'webhook', status: 'failed', errorMessage: reason, attempts: 1 }]);
    expect(internal.requests).toHaveLength(0);
  });

  it("fails a CRM task's webhook whose name now resolves to loopback, and sends nothing", async () => {
    const host = name('rebind-crm', PUBLIC);
    const steps = [
      { key: 'callback', offset: 0, channel: 'crm_task', task: { title: 'Call back', webhookUrl: `http://${host}:${port}/tasks` } },
    ];
    const saved = await stack.api('PUT', '/api/journeys/cart_recovery', { steps });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);

    zone.set(host, ['127.0.0.1']);
    const customerId = uid('crm-cust');
    expect((await stack.api('PUT', `/api/customers/${customerId}`, { email: `${customerId}@example.com` })).status).toBe(201);
    const cart = {
      id: uid('evt'),
      type: 'cart_abandoned',
      customerId,
      properties: { cart_id: 'c1', items: [{ sku: 'MUG-1', name: 'Blue mug', price: 12.5, quantity: 1 }] },
    };
    expect((await stack.api('POST', '/api/events', cart)).status).toBe(202);
    expect(await stack.client.workflow.getHandle(cartRecoveryWorkflowId(customerId, 'c1')).result()).toMatchObject({
      steps: [
        { step: 'callback', status: 'failed', reason: `CRM webhook URL not allowed: ${host} resolves to 127.0.0.1, a loopback address` },
      ],
    });
    expect(internal.received('/tasks')).toHaveLength(0);
  });
});

describe('the connection goes to the checked address', () => {
  // Without the stack: the same guard, to show that its resolver is the one connections use (else the
  // refusals above could come from a name that simply does not resolve).
  const request = { headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2000 };

  it('reaches loopback through a name only when the allow-list names it', async () => {
    const host = name('trusted', '127.0.0.1');
    const trusted = createOutbound({ allowList: parseAllowList(host), resolve });
    const before = internal.requests.length;
    await expect(trusted.post(`http://${host}:${port}/trusted`, request)).resolves.toMatchObject({ status: 401 });
    expect(internal.received('/trusted')).toHaveLength(1);

    const guarded = createOutbound({ allowList: [], resolve });
    await expect(guarded.post(`http://${host}:${port}/guarded`, request)).rejects.toThrow(
      `${host} resolves to 127.0.0.1, a loopback address`,
    );
    expect(internal.received('/guarded')).toHaveLength(0);
    expect(internal.requests.length).toBe(before + 1);
  });
});
