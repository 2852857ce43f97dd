// Delivery feedback and conversion attribution through the real stack: emails sent by journeys, flows and
// campaigns reach a real SMTP server; signed provider webhooks report on them; orders arrive as events and
// are attributed to the message clicked (else opened, else sent) within the window before them.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignWorkflowId, welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { customers, messages, suppressions } from '../src/db/schema.js';
import type { CapturedMail } from '../src/dev/mail-capture.js';
import { signWebhook } from '../src/domain/webhook-signature.js';
import type { CampaignProgress } from '../src/campaigns/campaign.workflow.js';
import { endRun } from './helpers/end-run.js';
import { type ProviderServer, startProvider } from './helpers/http-provider.js';
import { type Stack, startStack, TEST_TRACKING, TEST_WEBHOOK_SECRETS, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let provider: ProviderServer;
beforeAll(async () => {
  provider = await startProvider();
  // Its own database: the file activates a flow.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true, providers: { smsUrl: `${provider.url}/sms` } });
});
afterAll(async () => {
  await stack?.close();
  await provider?.close();
});

const PROVIDER = 'acme-mail';
const SECRET = TEST_WEBHOOK_SECRETS.get(PROVIDER)!;

/** POSTs a delivery webhook signed as the provider would (or not: `sign` changes what is sent). */
async function webhook(
  payload: unknown,
  options: { provider?: string; secret?: string; at?: number; headers?: (h: Record<string, string>) => Record<string, string>; body?: (b: string) => string } = {},
) {
  const body = JSON.stringify(payload);
  const signed = signWebhook(options.secret ?? SECRET, body, options.at ?? Date.now());
  const res = await stack.app.request(`/api/webhooks/delivery/${options.provider ?? PROVIDER}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.headers ? options.headers(signed) : signed) },
    body: options.body ? options.body(body) : body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const db = () => stack.database.db;
const messageRows = (customerId: string) => db().select().from(messages).where(eq(messages.customerId, customerId));
const suppressionOf = async (channel: 'email' | 'sms', address: string) =>
  (await db().select().from(suppressions).where(and(eq(suppressions.channel, channel), eq(suppressions.address, address))))[0];
const mailTo = (email: string) => stack.mail.list().filter((m) => m.to.includes(email.toLowerCase()));

/** A customer with an email (mixed case, as producers send it) and a tag of their own. */
async function customer(extra: Record<string, unknown> = {}) {
  const id = uid('cust');
  const email = `${id}@Example.com`;
  const tag = uid('tag');
  expect((await stack.api('PUT', `/api/customers/${id}`, { email, tags: [tag], ...extra })).status).toBe(201);
  return { id, email, address: email.toLowerCase(), tag };
}

async function signUp() {
  const c = await customer();
  expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: c.id })).status).toBe(202);
  const mail = await stack.mail.waitFor((m) => m.to.includes(c.address));
  const message = await waitFor(async () => (await messageRows(c.id)).find((r) => r.status === 'sent'), 'the welcome row');
  return { ...c, mail, message, handle: stack.client.workflow.getHandle(welcomeWorkflowId(c.id)) };
}

/** An email (or SMS) campaign to one tag, run to its end. */
async function broadcast(tag: string, html = '<p><a href="https://shop.example.com/sale">Shop the sale</a></p>', type = 'email') {
  const content = type === 'email' ? { subject: 'Sale', html } : 'Sale today';
  const created = await stack.api('POST', '/api/marketing/campaigns', { name: uid('campaign'), type, target_tags: [tag], content });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const trig = await stack.api('POST', `/api/marketing/campaigns/${created.body.id}/trigger`, { execution_type: 'actual' });
  expect(trig.status).toBe(202);
  const done = (await stack.client.workflow.getHandle(campaignWorkflowId(created.body.id, trig.body.execution_id)).result()) as CampaignProgress;
  const [record] = await db().select().from(messages).where(eq(messages.campaignId, created.body.id));
  return { id: created.body.id as string, done, record: record! };
}

const pathOf = (url: string) => url.slice(TEST_TRACKING.baseUrl.length);
const clickPath = (mail: CapturedMail) => pathOf(mail.html.match(/href="([^"]+\/t\/c\/[^"]+)"/)![1]!);
const pixelPath = (mail: CapturedMail) => pathOf(mail.html.match(/<img src="([^"]+\/t\/o\/[^"]+)"/)![1]!);

describe('a signed bounce webhook', () => {
  it('suppresses the address of a received welcome mail; later journey and campaign emails to it are skipped', async () => {
    const { id, email, address, tag, mail, message, handle } = await signUp();
    expect(message.providerMessageId).toBe(mail.messageId);

    // The provider names the message by the Message-ID it carried; the address comes from the message.
    const report = { events: [{ type: 'bounced', message_id: mail.messageId, bounce_type: 'hard', occurred_at: new Date().toISOString() }] };
    const res = await webhook(report);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ results: [{ type: 'bounced', message_id: message.id, suppressed: [{ channel: 'email', address }] }] });
    const listed = await suppressionOf('email', address);
    expect(listed).toMatchObject({ reason: 'hard_bounce', source: PROVIDER, messageId: message.id });
    const bounced = (await messageRows(id))[0]!;
    expect(bounced).toMatchObject({ bounceType: 'hard', status: 'sent' });
    expect(bounced.bouncedAt).toBeInstanceOf(Date);

    // The provider retries the same report: nothing changes.
    expect((await webhook(report)).status).toBe(200);
    expect(await suppressionOf('email', address)).toEqual(listed);
    expect((await messageRows(id))[0]!.bouncedAt).toEqual(bounced.bouncedAt);

    // A campaign to the customer: recorded skipped (suppressed), nothing sent.
    const campaign = await broadcast(tag);
    expect(campaign.done).toMatchObject({ processed: 1, sent: 0, skipped: 1, reasons: { suppressed: 1 } });
    expect(campaign.record).toMatchObject({ status: 'skipped', errorMessage: 'suppressed', sentAt: null });

    // A flow's email (the journeys' send activity): skipped too.
    const trigger = `promo_${uid('t').replace(/-/g, '_')}`;
    const flow = await stack.api('POST', '/api/flows', {
      name: uid('Promo'),
      trigger_event: trigger,
      actions: [{ type: 'send_email', template: { subject: 'Promo', html: '<p>Promo</p>', text: 'Promo' } }],
    });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    expect((await stack.api('POST', `/api/flows/${flow.body.flow.id}/activate`)).status).toBe(200);
    expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: id })).status).toBe(202);
    const skipped = await waitFor(async () => (await messageRows(id)).find((r) => r.journeyKey?.startsWith('flow:') && r.status !== 'pending'), 'the flow message');
    expect(skipped).toMatchObject({ status: 'skipped', errorMessage: 'suppressed', sentAt: null });

    // The SMTP server got the welcome mail and nothing after it.
    expect(mailTo(email)).toHaveLength(1);
    await endRun(handle);
  });

  it('records deliveries and soft bounces on the message without suppressing; a complaint suppresses email and phone', async () => {
    const { id, address, mail, message, handle } = await signUp();
    const bare = mail.messageId!.replace(/^<|>$/g, '');
    const delivered = await webhook({
      events: [
        { type: 'delivered', message_id: bare, occurred_at: '2026-01-01T10:00:00Z' },
        { type: 'delivered', message_id: bare, occurred_at: '2026-01-01T11:00:00Z' },
        { type: 'bounced', message_id: message.id, bounce_type: 'soft' },
        { type: 'delivered', message_id: '<nobody@example.com>' },
      ],
      ignored_by_touchpoint: true,
    });
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    expect(delivered.body.results.map((r: { message_id: string | null }) => r.message_id)).toEqual([message.id, message.id, message.id, null]);
    const row = (await messageRows(id))[0]!;
    expect(row.deliveredAt).toEqual(new Date('2026-01-01T10:00:00Z'));
    expect(row).toMatchObject({ bounceType: 'soft', complainedAt: null });
    expect(await suppressionOf('email', address)).toBeUndefined();

    // A later hard bounce makes it hard; a soft one after that does not undo it.
    await webhook({ events: [{ type: 'bounced', message_id: message.id }, { type: 'bounced', message_id: message.id, bounce_type: 'soft' }] });
    expect((await messageRows(id))[0]!.bounceType).toBe('hard');

    const other = await customer({ phone: '+15550001111' });
    const complaint = await webhook({ events: [{ type: 'complained', email: other.email, phone: '+15550001111' }] });
    expect(complaint.body.results[0]).toEqual({
      type: 'complained',
      message_id: null,
      suppressed: [
        { channel: 'email', address: other.address },
        { channel: 'sms', address: '+15550001111' },
      ],
    });
    expect(await suppressionOf('sms', '+15550001111')).toMatchObject({ reason: 'complaint', source: PROVIDER, messageId: null });
    await endRun(handle);
  });
});

describe('webhook authentication and validation', () => {
  it('refuses forged, stale, unsigned and altered requests (401) and unknown providers (404), changing nothing', async () => {
    const { address, email } = await customer();
    const report = { events: [{ type: 'bounced', email, bounce_type: 'hard' }] };
    const refused: Array<[string, Awaited<ReturnType<typeof webhook>>, number, string]> = [
      ['another secret', await webhook(report, { secret: 'forged-secret-0123456789abcdef' }), 401, 'invalid_signature'],
      ['6 minutes old', await webhook(report, { at: Date.now() - 6 * 60_000 }), 401, 'stale_signature'],
      ['6 minutes ahead', await webhook(report, { at: Date.now() + 6 * 60_000 }), 401, 'stale_signature'],
      ['no headers', await webhook(report, { headers: () => ({}) }), 401, 'missing_signature'],
      ['no timestamp', await webhook(report, { headers: (h) => ({ 'X-Touchpoint-Signature': h['X-Touchpoint-Signature']! }) }), 401, 'missing_signature'],
      ['body altered', await webhook(report, { body: (b) => b.replace('"hard"', '"hard" ') }), 401, 'invalid_signature'],
      ['not JSON, unsigned', await webhook(report, { headers: () => ({}), body: () => 'not json' }), 401, 'missing_signature'],
      ['another provider’s name', await webhook(report, { provider: 'other-mail' }), 404, 'unknown_provider'],
    ];
    for (const [what, res, status, code] of refused) expect([what, res.status, res.body?.error?.code]).toEqual([what, status, code]);
    expect(await suppressionOf('email', address)).toBeUndefined();

    // Signed, but not a valid report: 4xx naming the field, nothing written.
    const invalid: Array<[unknown, number, string, string?]> = [
      [{ events: [{ type: 'opened', email }] }, 422, 'validation_error', 'events[0].type'],
      [{ events: [{ type: 'bounced' }] }, 422, 'validation_error', 'events[0].message_id'],
      [{ events: [{ type: 'delivered', email, bounce_type: 'hard' }] }, 422, 'validation_error', 'events[0].bounce_type'],
      [{ events: [{ type: 'bounced', email: 'not-an-email' }] }, 422, 'validation_error', 'events[0].email'],
      [{ events: [] }, 422, 'validation_error', 'events'],
    ];
    for (const [payload, status, code, field] of invalid) {
      const res = await webhook(payload);
      expect([payload, res.status, res.body.error.code, res.body.error.field]).toEqual([payload, status, code, field]);
    }
    const notJson = await webhook(null, { body: () => '{"events": [' , headers: () => signWebhook(SECRET, '{"events": [') });
    expect([notJson.status, notJson.body.error.code]).toEqual([400, 'invalid_json']);
    expect(await suppressionOf('email', address)).toBeUndefined();
  });

  it('is in the OpenAPI document with the suppression routes', async () => {
    const { body } = await stack.api('GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/api/webhooks/delivery/{provider}', '/api/suppressions', '/api/suppressions/{channel}/{address}']),
    );
    expect(body.paths['/api/webhooks/delivery/{provider}'].post.responses).toHaveProperty('401');
    expect(body.components.schemas.DeliveryReport.properties.type.enum).toEqual(['delivered', 'bounced', 'complained']);
  });
});

describe('the manual suppression list', () => {
  it('adds, lists and removes addresses, refusing bad input', async () => {
    const { id, email, address, tag } = await customer();
    const added = await stack.api('POST', '/api/suppressions', { channel: 'email', address: `  ${email} ` });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ channel: 'email', address, reason: 'manual', source: 'api', message_id: null });
    const again = await stack.api('POST', '/api/suppressions', { channel: 'email', address: email.toUpperCase() });
    expect([again.status, again.body.created_at]).toEqual([200, added.body.created_at]);

    const listed = await stack.api('GET', `/api/suppressions?channel=email&address=${encodeURIComponent(id)}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ suppressions: [added.body], pagination: { total: 1, page: 1, page_size: 50 } });

    const bad: Array<[unknown, string]> = [
      [{ channel: 'push', address: email }, 'channel'],
      [{ channel: 'email', address: 'nobody' }, 'address'],
      [{ channel: 'sms', address: '0170 1234567' }, 'address'],
      [{ channel: 'email', address: email, reason: 'x' }, 'reason'],
    ];
    for (const [body, field] of bad) {
      const res = await stack.api('POST', '/api/suppressions', body);
      expect([body, res.status, res.body.error.code, res.body.error.field]).toEqual([body, 422, 'validation_error', field]);
    }
    expect((await stack.api('GET', '/api/suppressions?page_size=0')).body.error.code).toBe('invalid_query');
    expect((await stack.api('DELETE', `/api/suppressions/fax/${encodeURIComponent(email)}`)).status).toBe(422);

    // While listed, a campaign skips the customer.
    expect((await broadcast(tag)).done.reasons).toEqual({ suppressed: 1 });

    expect((await stack.api('DELETE', `/api/suppressions/email/${encodeURIComponent(email)}`)).status).toBe(204);
    const gone = await stack.api('DELETE', `/api/suppressions/email/${encodeURIComponent(email)}`);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'suppression_not_found']);
    expect(await suppressionOf('email', address)).toBeUndefined();

    // Off the list: the next campaign reaches them.
    expect((await broadcast(tag)).done).toMatchObject({ sent: 1, skipped: 0 });
    expect(mailTo(email)).toHaveLength(1);

  });

  it('holds for SMS: a suppressed phone number gets no campaign or flow message', async () => {
    const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const { id, tag } = await customer({ phone });
    const added = await stack.api('POST', '/api/suppressions', { channel: 'sms', address: phone });
    expect(added.status, JSON.stringify(added.body)).toBe(201);

    const campaign = await broadcast(tag, undefined, 'sms');
    expect(campaign.done).toMatchObject({ processed: 1, sent: 0, reasons: { suppressed: 1 } });
    const trigger = `sms_${uid('t').replace(/-/g, '_')}`;
    const flow = await stack.api('POST', '/api/flows', { name: uid('Sms'), trigger_event: trigger, actions: [{ type: 'send_sms', template: { text: 'Hi' } }] });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    expect((await stack.api('POST', `/api/flows/${flow.body.flow.id}/activate`)).status).toBe(200);
    expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: id })).status).toBe(202);
    const skipped = await waitFor(async () => (await messageRows(id)).find((r) => r.journeyKey?.startsWith('flow:') && r.status !== 'pending'), 'the flow SMS');
    expect(skipped).toMatchObject({ status: 'skipped', errorMessage: 'suppressed' });
    expect(provider.requests.filter((r) => (r.body as { to?: string }).to === phone)).toEqual([]);

    // Taken off the list, the number is reached.
    expect((await stack.api('DELETE', `/api/suppressions/sms/${encodeURIComponent(phone)}`)).status).toBe(204);
    expect((await broadcast(tag, undefined, 'sms')).done).toMatchObject({ sent: 1 });
    expect(provider.requests.filter((r) => (r.body as { to?: string }).to === phone)).toHaveLength(1);
  });
});

describe('conversion attribution', () => {
  const order = (customerId: string, orderId: string, amount: number, timestamp?: string) => ({
    id: uid('evt'),
    type: 'order_completed',
    customerId,
    ...(timestamp ? { timestamp } : {}),
    properties: { order_id: orderId, amount, currency: 'EUR' },
  });
  const messageRow = async (messageId: string) => (await db().select().from(messages).where(eq(messages.id, messageId)))[0]!;

  it('credits the clicked campaign message with the order once, however often the order is delivered', async () => {
    const c = await customer();
    const campaign = await broadcast(c.tag);
    const [mail] = mailTo(c.email);
    expect((await stack.app.request(clickPath(mail!))).status).toBe(302);

    const first = order(c.id, uid('order'), 120.5);
    expect((await stack.api('POST', '/api/events', first)).status).toBe(202);
    const converted = await messageRow(campaign.record.id);
    expect(converted.convertedAt).toBeInstanceOf(Date);
    expect(converted).toMatchObject({ revenue: 120.5, conversionOrderId: first.properties.order_id, status: 'sent' });

    // The same event again, and the same order under another event id: attributed once.
    expect((await stack.api('POST', '/api/events', first)).body.results[0].status).toBe('duplicate');
    expect((await stack.api('POST', '/api/events', { ...first, id: uid('evt') })).status).toBe(202);
    expect(await messageRow(campaign.record.id)).toMatchObject({ revenue: 120.5, convertedAt: converted.convertedAt });
    const [profile] = await db().select().from(customers).where(eq(customers.id, c.id));
    expect(profile).toMatchObject({ orderCount: 1, totalSpend: 120.5 });

    const perf = await stack.api('GET', `/api/ai-ops/customer/performance?campaign_id=${campaign.id}`);
    expect(perf.body).toMatchObject({ sent: 1, clicked: 1, converted: 1, revenue: 120.5 });
    const records = await stack.api('GET', `/api/marketing/records?campaign_id=${campaign.id}`);
    expect(records.body.records).toMatchObject([{ status: 'sent', converted_at: converted.convertedAt!.toISOString(), revenue: 120.5 }]);
  });

  it('attributes nothing to an order after the window, or before the message', async () => {
    const c = await customer();
    const campaign = await broadcast(c.tag);
    const eightDays = new Date(Date.now() + 8 * 86_400_000).toISOString();
    expect((await stack.api('POST', '/api/events', order(c.id, uid('order'), 50, eightDays))).status).toBe(202);
    const anHourBefore = new Date(Date.now() - 3_600_000).toISOString();
    expect((await stack.api('POST', '/api/events', order(c.id, uid('order'), 60, anHourBefore))).status).toBe(202);
    expect(await messageRow(campaign.record.id)).toMatchObject({ convertedAt: null, revenue: null });
    expect((await stack.api('GET', `/api/ai-ops/customer/performance?campaign_id=${campaign.id}`)).body).toMatchObject({
      delivered: 0,
      converted: 0,
      revenue: 0,
      rateBase: 'sent',
    });
    // A delivery receipt counts in the campaign's performance.
    expect((await webhook({ events: [{ type: 'delivered', message_id: campaign.record.providerMessageId }] })).status).toBe(200);
    expect((await stack.api('GET', `/api/ai-ops/customer/performance?campaign_id=${campaign.id}`)).body).toMatchObject({
      delivered: 1,
      rateBase: 'delivered',
    });

    // Within the window (six days on): attributed.
    const sixDays = new Date(Date.now() + 6 * 86_400_000).toISOString();
    expect((await stack.api('POST', '/api/events', order(c.id, uid('order'), 70, sixDays))).status).toBe(202);
    expect(await messageRow(campaign.record.id)).toMatchObject({ revenue: 70, convertedAt: new Date(sixDays) });
  });

  it('prefers a click to an open, and an open to a send', async () => {
    const c = await customer();
    const clicked = await broadcast(c.tag);
    const opened = await broadcast(c.tag);
    const sent = await broadcast(c.tag);
    const mails = mailTo(c.email);
    expect(mails).toHaveLength(3);
    const mailOf = (record: { providerMessageId: string | null }) => mails.find((m) => m.messageId === record.providerMessageId)!;
    expect((await stack.app.request(clickPath(mailOf(clicked.record)))).status).toBe(302);
    expect((await stack.app.request(pixelPath(mailOf(opened.record)))).status).toBe(200);

    for (const [amount, expected] of [[10, clicked], [20, opened], [30, sent]] as const) {
      expect((await stack.api('POST', '/api/events', order(c.id, uid('order'), amount))).status).toBe(202);
      expect(await messageRow(expected.record.id)).toMatchObject({ revenue: amount });
    }
    const revenues = (await messageRows(c.id)).map((m) => m.revenue).sort();
    expect(revenues).toEqual([10, 20, 30]);
  });
});
