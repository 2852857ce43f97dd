// Each workspace's settings (PUT /api/settings) take effect for that workspace alone, through the real stack
// (API → Temporal → PostgreSQL, SMTP, HTTP providers): its brand and sender in its email, its quiet hours,
// zone and caps in its journeys and broadcasts, its own SMS provider and signing secrets, its channel costs.
// The `default` workspace keeps the installation's values throughout.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CampaignProgress, progressQuery } from '../src/campaigns/campaign.workflow.js';
import { marketingCampaigns, messages } from '../src/db/schema.js';
import { DEFAULT_WORKSPACE, inWorkspace } from '../src/db/workspace.js';
import { statusQuery } from '../src/steps/steps.js';
import { campaignWorkflowId, flowWorkflowId, welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { endRun } from './helpers/end-run.js';
import { type ProviderServer, startProvider } from './helpers/http-provider.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const HOUR = 3_600_000;

let stack: Stack;
/** The installation's SMS provider (and a webhook receiver holding the installation's secret). */
let installationProvider: ProviderServer;
beforeAll(async () => {
  installationProvider = await startProvider();
  // Its own database: the workspaces and active flows here are this file's alone.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true, providers: { smsUrl: `${installationProvider.url}/sms` } });
});
afterAll(async () => {
  await stack?.close();
  await installationProvider?.close();
});

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
interface Workspace {
  id: string;
  api: Api;
}

/** A new workspace (created by the default workspace's admin key) and its own admin key's API; its settings saved. */
async function workspace(settings?: Record<string, unknown>): Promise<Workspace> {
  const id = uid('ws');
  const created = await stack.api('POST', '/api/workspaces', { id, name: `Shop ${id}` });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const authorization = `Bearer ${created.body.admin_key.key as string}`;
  const api: Api = (method, path, body) => stack.api(method, path, body, { authorization });
  if (settings) {
    const saved = await api('PUT', '/api/settings', settings);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  }
  return { id, api };
}

/** The default workspace, through the stack's own key. */
const installation: Workspace = { id: DEFAULT_WORKSPACE, api: (method, path, body) => stack.api(method, path, body) };

let phones = 0;
async function customer(ws: Workspace, profile: Record<string, unknown> = {}) {
  const id = uid('set-cust');
  const email = `${id}@example.com`;
  const phone = `+1555${String(3_000_000 + ++phones * 7919).slice(-7)}`;
  const res = await ws.api('PUT', `/api/customers/${id}`, { email, phone, name: 'Ada Lovelace', ...profile });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id, email, phone, mail: () => stack.mail.list().filter((m) => m.to.includes(email)) };
}

/** An active flow of the workspace on a trigger of its own. */
async function flow(ws: Workspace, actions: unknown[]) {
  const trigger = uid('go').replace('-', '_');
  const created = await ws.api('POST', '/api/flows', { name: uid('flow'), trigger_event: trigger, exit_on: [], actions });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const flowId = created.body.flow.id as string;
  expect((await ws.api('POST', `/api/flows/${flowId}/activate`)).status).toBe(200);
  return {
    async trigger(customerId: string) {
      expect((await ws.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId })).status).toBe(202);
      return stack.client.workflow.getHandle(await inWorkspace(ws.id, () => flowWorkflowId(flowId, customerId)));
    },
  };
}

/** A broadcast of the workspace to the customers tagged `tag`, triggered; its run's handle. */
async function broadcast(ws: Workspace, type: 'email' | 'sms', tag: string, content: string) {
  const created = await ws.api('POST', '/api/marketing/campaigns', { name: uid('campaign'), type, target_tags: [tag], content });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const trig = await ws.api('POST', `/api/marketing/campaigns/${created.body.id}/trigger`, { execution_type: 'actual' });
  expect(trig.status, JSON.stringify(trig.body)).toBe(202);
  const workflowId = await inWorkspace(ws.id, () => campaignWorkflowId(created.body.id, trig.body.execution_id));
  return { id: created.body.id as string, handle: stack.client.workflow.getHandle(workflowId) };
}

/** A fixed-offset zone in which the instant `at` reads `hour`:xx on the local clock (as in tests/pacing.test.ts). */
function zoneWhere(at: number, hour: number): string {
  let offset = (hour - new Date(at).getUTCHours() + 24) % 24;
  if (offset > 14) offset -= 24;
  return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

const localTime = (at: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

describe('brand and mail_from', () => {
  it('sends a workspace’s welcome from its own sender under its brand, and the default workspace’s as the installation’s', async () => {
    const shop = await workspace({ brand: 'Shop B', mail_from: 'Shop B <hello@shop-b.example>' });
    const theirs = await customer(shop);
    const ours = await customer(installation);
    for (const [ws, c] of [
      [shop, theirs],
      [installation, ours],
    ] as const) {
      expect((await ws.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: c.id })).status).toBe(202);
    }

    const mail = await stack.mail.waitFor((m) => m.to.includes(theirs.email));
    expect(mail.subject).toBe('Welcome to Shop B, Ada Lovelace!');
    expect(mail.from).toBe('hello@shop-b.example');
    expect(mail.headers.from).toContain('Shop B <hello@shop-b.example>');
    expect(mail.headers['message-id']).toMatch(/@shop-b\.example>$/);
    expect(mail.text).toContain('signed up to Shop B');

    const installationMail = await stack.mail.waitFor((m) => m.to.includes(ours.email));
    expect(installationMail.subject).toBe('Welcome to Touchpoint, Ada Lovelace!');
    expect(installationMail.from).toBe('hello@touchpoint.test');
    expect(installationMail.headers.from).not.toContain('shop-b');

    for (const [ws, c] of [
      [shop, theirs],
      [installation, ours],
    ] as const) {
      await endRun(stack.client.workflow.getHandle(await inWorkspace(ws.id, () => welcomeWorkflowId(c.id))));
    }
  });

  it('previews templates under the workspace’s brand, and a saved change shows at once', async () => {
    const shop = await workspace({ brand: 'Shop C' });
    const parts = { subject: 'News from {{ brand }}', html: '<p>{{ brand }}</p>', text: '{{ brand }}' };
    const preview = async (ws: Workspace) => {
      const tpl = await ws.api('POST', '/api/templates', { name: uid('tpl'), channel: 'email', parts });
      expect(tpl.status, JSON.stringify(tpl.body)).toBe(201);
      const c = await customer(ws);
      return async () => {
        const res = await ws.api('POST', `/api/templates/${tpl.body.id}/preview`, { customer_id: c.id });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.parts.subject as string;
      };
    };
    const theirs = await preview(shop);
    const ours = await preview(installation);
    expect(await theirs()).toBe('News from Shop C');
    expect(await ours()).toBe('News from Touchpoint');

    // Read (and kept) just above; saving forgets the kept copy, so the next preview has the new brand.
    expect((await shop.api('PUT', '/api/settings', { brand: 'Shop C, renamed' })).status).toBe(200);
    expect(await theirs()).toBe('News from Shop C, renamed');
    // Left out again: the installation's.
    expect((await shop.api('PUT', '/api/settings', {})).status).toBe(200);
    expect(await theirs()).toBe('News from Touchpoint');
  });
});

describe('quiet hours, time zone and caps', () => {
  it('holds a flow’s email only in the workspace whose quiet hours (in its default zone) it falls in', async () => {
    const now = await stack.env.currentTimeMs();
    // 23:xx in the workspace's default zone; the installation has no quiet hours in this stack.
    const zone = zoneWhere(now, 23);
    const shop = await workspace({ quiet_hours: '21:00-08:00', default_time_zone: zone });
    const action = { type: 'send_email', template: { subject: 'Night owl', html: '<p>Hi</p>', text: 'Hi' } };
    const theirs = await customer(shop);
    const ours = await customer(installation);
    const theirRun = await (await flow(shop, [action])).trigger(theirs.id);
    const ourRun = await (await flow(installation, [action])).trigger(ours.id);

    // The installation's customer has it at once; the workspace's waits in the step until 08:00 in its zone.
    expect(await ourRun.result()).toMatchObject({ outcome: 'completed' });
    await stack.mail.waitFor((m) => m.to.includes(ours.email));
    const wake = await waitFor(async () => {
      const s = await theirRun.query(statusQuery);
      return s.currentStep === '0-send_email' && s.nextWakeUp && Date.parse(s.nextWakeUp) > now + HOUR ? Date.parse(s.nextWakeUp) : null;
    }, 'the workspace’s run held by its quiet hours');
    expect(localTime(wake, zone)).toBe('08:00');
    expect(theirs.mail()).toHaveLength(0);
    await endRun(theirRun);
  });

  it('holds a broadcast’s recipients in the night and skips those at the cap only in the workspace that set them', async () => {
    const now = await stack.env.currentTimeMs();
    const zone = zoneWhere(now, 23);
    const shop = await workspace({ quiet_hours: '21:00-08:00', default_time_zone: zone, caps: { day: 1 }, cap_mode: 'skip' });
    const tag = uid('night');
    const run = async (ws: Workspace) => {
      const night = await customer(ws, { tags: [tag] });
      // Busy had a marketing message an hour ago; the workspace allows one a day.
      const busy = await customer(ws, { tags: [tag], timezone: zoneWhere(now, 14) });
      await inWorkspace(ws.id, () =>
        stack.database.db.insert(messages).values({
          idempotencyKey: uid('earlier'),
          customerId: busy.id,
          stepKey: 'earlier',
          channel: 'email',
          status: 'sent',
          createdAt: new Date(now - HOUR),
        }),
      );
      const campaign = await broadcast(ws, 'email', tag, 'Hi {{ customer.first_name }}');
      return { night, busy, campaign };
    };

    const ours = await run(installation);
    expect(await ours.campaign.handle.result()).toMatchObject({ state: 'completed', sent: 2, skipped: 0, deferred: 0 });

    const theirs = await run(shop);
    const progress = await waitFor(async () => {
      const p: CampaignProgress = await theirs.campaign.handle.query(progressQuery);
      return p.deferred === 1 && p.deferredUntil !== null ? p : null;
    }, 'the night recipient waiting');
    expect(progress).toMatchObject({ processed: 1, skipped: 1, reasons: { frequency_cap: 1 } });
    expect(localTime(progress.deferredUntil!, zone)).toBe('08:00');
    const records = await inWorkspace(shop.id, () =>
      stack.database.db.select().from(messages).where(eq(messages.campaignId, theirs.campaign.id)),
    );
    expect(records.map((r) => [r.customerId, r.status, r.errorMessage]).sort()).toEqual(
      [
        [theirs.night.id, 'pending', 'quiet_hours'],
        [theirs.busy.id, 'skipped', 'frequency_cap'],
      ].sort(),
    );
    expect(theirs.night.mail()).toHaveLength(0);
    expect(theirs.busy.mail()).toHaveLength(0);
    expect((await shop.api('POST', `/api/marketing/campaigns/${theirs.campaign.id}/cancel`)).status).toBe(200);
    await theirs.campaign.handle.result();
  });
});

describe('providers', () => {
  const smsSecret = 'shop-d-sms-secret-0123456789';
  const hookSecret = 'shop-d-hook-secret-0123456789';
  let own: ProviderServer;
  /** A webhook receiver holding the workspace's signing secret. */
  let ownHooks: ProviderServer;
  beforeAll(async () => {
    own = await startProvider({ secret: smsSecret });
    ownHooks = await startProvider({ secret: hookSecret });
  });
  afterAll(async () => {
    await own?.close();
    await ownHooks?.close();
  });

  it('posts a workspace’s SMS to its own provider signed with its secret, and signs its webhooks with its own', async () => {
    const shop = await workspace({
      brand: 'Shop D',
      providers: { sms: { url: `${own.url}/sms`, secret: smsSecret }, webhook: { secret: hookSecret } },
    });
    const actions = (hooks: ProviderServer) => [
      { type: 'send_sms', template: { text: 'Hi {{ customer.first_name }}, from {{ brand }}' } },
      { type: 'send_webhook', url: `${hooks.url}/hook` },
    ];
    const theirs = await customer(shop);
    const ours = await customer(installation);
    expect(await (await (await flow(shop, actions(ownHooks))).trigger(theirs.id)).result()).toMatchObject({ outcome: 'completed' });
    expect(await (await (await flow(installation, actions(installationProvider))).trigger(ours.id)).result()).toMatchObject({
      outcome: 'completed',
    });

    // Each signature checked by a server holding only its own secret.
    expect(own.received(theirs.phone)).toMatchObject([
      { path: '/sms', verified: true, body: { content: { text: 'Hi Ada, from Shop D' } } },
    ]);
    expect(installationProvider.received(theirs.phone)).toHaveLength(0);
    expect(ownHooks.received('/hook')).toMatchObject([{ verified: true, body: { channel: 'webhook', customer_id: theirs.id } }]);

    expect(installationProvider.received(ours.phone)).toMatchObject([
      { path: '/sms', verified: true, body: { content: { text: 'Hi Ada, from Touchpoint' } } },
    ]);
    expect(own.received(ours.phone)).toHaveLength(0);
    expect(installationProvider.received('/hook')).toMatchObject([{ verified: true, body: { customer_id: ours.id } }]);
    const rows = await inWorkspace(shop.id, () =>
      stack.database.db
        .select()
        .from(messages)
        .where(and(eq(messages.customerId, theirs.id), eq(messages.channel, 'sms'))),
    );
    expect(rows).toMatchObject([{ status: 'sent', recipient: theirs.phone }]);
  });

  it('sends a workspace’s SMS broadcast through its own provider', async () => {
    const shop = await workspace({ providers: { sms: { url: `${own.url}/broadcast`, secret: smsSecret } } });
    const tag = uid('sms');
    const c = await customer(shop, { tags: [tag] });
    const { handle } = await broadcast(shop, 'sms', tag, 'Sale at {{ brand }}');
    expect(await handle.result()).toMatchObject({ state: 'completed', sent: 1 });
    expect(own.received(c.phone)).toMatchObject([
      { path: '/broadcast', verified: true, body: { content: { text: 'Sale at Touchpoint' } } },
    ]);
    expect(installationProvider.received(c.phone)).toHaveLength(0);
  });

  it('signs with the installation’s secret what a workspace without its own sends', async () => {
    // Its SMS provider is the installation's; its webhooks go out signed as the installation's.
    const shop = await workspace({ brand: 'Shop E' });
    const c = await customer(shop);
    const run = await (
      await flow(shop, [
        { type: 'send_sms', template: { text: 'From {{ brand }}' } },
        { type: 'send_webhook', url: `${installationProvider.url}/hook-e` },
      ])
    ).trigger(c.id);
    expect(await run.result()).toMatchObject({ outcome: 'completed' });
    expect(installationProvider.received(c.phone)).toMatchObject([{ verified: true, body: { content: { text: 'From Shop E' } } }]);
    expect(installationProvider.received('/hook-e')).toMatchObject([{ verified: true }]);
  });
});

describe('channel costs', () => {
  async function sentEmails(ws: Workspace, count: number): Promise<string> {
    return inWorkspace(ws.id, async () => {
      const [row] = await stack.database.db
        .insert(marketingCampaigns)
        .values({ name: uid('perf'), type: 'email', targetTags: ['x'], content: 'Hi', status: 'completed' })
        .returning({ id: marketingCampaigns.id });
      await stack.database.db.insert(messages).values(
        Array.from({ length: count }, (_, i) => ({
          idempotencyKey: uid(`perf-${i}`),
          customerId: `perf-cust-${i}`,
          campaignId: row!.id,
          executionId: 'exec-1',
          stepKey: 'campaign',
          channel: 'email' as const,
          status: 'sent' as const,
          sentAt: new Date(),
          ...(i === 0 ? { convertedAt: new Date(), revenue: 10 } : {}),
        })),
      );
      return row!.id;
    });
  }

  it('costs a workspace’s campaigns and personalised campaigns at its prices', async () => {
    const shop = await workspace({ channel_costs: { email: 0.5 } });
    const theirs = await sentEmails(shop, 4);
    const ours = await sentEmails(installation, 4);
    // 4 × 0.5 = 2, ROI (10 − 2) / 2 = 400 %; the installation's 4 × 0.001.
    const performance = (ws: Workspace, id: string) => ws.api('GET', `/api/ai-ops/customer/performance?campaign_id=${id}`);
    expect((await performance(shop, theirs)).body).toMatchObject({ sent: 4, revenue: 10, cost: 2, roi: 400 });
    expect((await performance(installation, ours)).body).toMatchObject({ sent: 4, cost: 0.004 });

    const personalised = await shop.api('POST', '/api/ai-ops/customer/campaign', { segment: 'new' });
    expect(personalised.status, JSON.stringify(personalised.body)).toBe(201);
    expect(personalised.body.history.costPerMessage).toBe(0.5);
  });
});

describe('GET and PUT /api/settings', () => {
  it('shows each workspace its own settings only, secrets included, and never another’s', async () => {
    const secret = 'shop-f-secret-never-leaks-0123';
    const settings = {
      brand: 'Shop F',
      mail_from: 'Shop F <hi@shop-f.example>',
      providers: { sms: { url: 'https://sms.shop-f.example/send', secret }, webhook: { secret } },
      channel_costs: { sms: 0.2 },
    };
    const shop = await workspace(settings);
    const other = await workspace();
    expect((await shop.api('GET', '/api/settings')).body).toEqual(settings);
    for (const ws of [installation, other]) {
      const res = await ws.api('GET', '/api/settings');
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(secret);
      expect(JSON.stringify(res.body)).not.toContain('Shop F');
    }
    // Another workspace's save leaves this one's as it was.
    expect((await other.api('PUT', '/api/settings', { brand: 'Other' })).status).toBe(200);
    expect((await shop.api('GET', '/api/settings')).body).toEqual(settings);
  });

  it('refuses a provider URL that is not http(s), one without its secret, a webhook URL, an unknown zone: 422 naming the field', async () => {
    const shop = await workspace();
    for (const [body, field] of [
      [{ providers: { sms: { url: 'ftp://sms.example/send', secret: 'a-secret-of-16-chars' } } }, 'providers.sms.url'],
      [{ providers: { push: { url: 'https://push.example/send' } } }, 'providers.push.secret'],
      [{ providers: { webhook: { url: 'https://hooks.example', secret: 'a-secret-of-16-chars' } } }, 'providers.webhook.url'],
      [{ default_time_zone: 'Mars/Olympus' }, 'default_time_zone'],
      [{ quiet_hours: '8pm-7am' }, 'quiet_hours'],
    ] as const) {
      const res = await shop.api('PUT', '/api/settings', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'validation_error', field });
    }
    // A provider inside this machine or its network, as for every saved URL (the tests' own 127.0.0.1 is allowed).
    for (const url of ['http://169.254.169.254/latest', 'http://10.0.0.1/sms', 'http://[::1]:9/sms', 'http://0x7f000002/sms']) {
      const res = await shop.api('PUT', '/api/settings', { providers: { sms: { url, secret: 'a-secret-of-16-chars' } } });
      expect(res.status, url).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'url_not_allowed', field: 'providers.sms.url' });
    }
    // Nothing half-written.
    expect((await shop.api('GET', '/api/settings')).body).toEqual({});
  });
});
