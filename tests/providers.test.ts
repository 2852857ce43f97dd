// The HTTP channels (SMS, push, WeChat, webhook) through the real stack: flows send to real local HTTP
// servers standing in for the providers, which check each request's signature. A dev server (real time),
// so the retry that honours a provider's Retry-After takes as long as it asked.
import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../src/db/schema.js';
import { flowWorkflowId } from '../src/temporal/workflow-ids.js';
import { type ProviderServer, startProvider, TEST_PROVIDER_SECRET } from './helpers/http-provider.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
let provider: ProviderServer;
/** A webhook receiver that holds another secret than the worker's: every request fails its check. */
let stranger: ProviderServer;
beforeAll(async () => {
  provider = await startProvider();
  stranger = await startProvider({ secret: 'a-secret-the-worker-does-not-have' });
  // Its own database: active flows would otherwise start runs for other files' events.
  stack = await startStack({
    timeSkipping: false,
    isolatedDatabase: true,
    providers: { smsUrl: `${provider.url}/sms`, pushUrl: `${provider.url}/push`, wechatUrl: `${provider.url}/wechat` },
  });
});
afterAll(async () => {
  await stack?.close();
  await provider?.close();
  await stranger?.close();
});

/** A saved, activated flow on a trigger event type of its own. */
async function flow(actions: unknown[]) {
  const trigger = uid('go').replace('-', '_');
  const res = await stack.api('POST', '/api/flows', { name: uid('flow'), trigger_event: trigger, actions });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect((await stack.api('POST', `/api/flows/${res.body.flow.id}/activate`)).status).toBe(200);
  return { id: res.body.flow.id as string, trigger };
}

let phones = 0;
async function customer(profile: Record<string, unknown> = {}) {
  const id = uid('prov-cust');
  const phone = `+1555${String(2_000_000 + ++phones * 7919).slice(-7)}`;
  const openid = `o${uid('wx')}`;
  const res = await stack.api('PUT', `/api/customers/${id}`, {
    email: `${id}@example.com`,
    phone,
    name: 'Ada Lovelace',
    attributes: { wechat_openid: openid },
    ...profile,
  });
  expect(res.status).toBe(201);
  return {
    id,
    phone,
    openid,
    rows: () => stack.database.db.select().from(messages).where(eq(messages.customerId, id)).orderBy(messages.createdAt),
  };
}

/** Triggers the flow for the customer and waits for the run to finish. */
async function runFlow(f: { id: string; trigger: string }, customerId: string, properties: Record<string, unknown> = {}) {
  const res = await stack.api('POST', '/api/events', { id: uid('evt'), type: f.trigger, customerId, properties });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return stack.client.workflow.getHandle(flowWorkflowId(f.id, customerId)).result();
}

const sms = (text: string) => ({ type: 'send_sms', template: { text } });

describe('provider channels', () => {
  it('sends SMS, push, a WeChat template message and a webhook, each in its documented body and signed', async () => {
    const hook = `/hook/${uid('h')}`;
    const f = await flow([
      sms('Hi {{ customer.first_name }}, code {{ event.properties.code }}'),
      { type: 'send_push', template: { title: 'Hello {{ customer.first_name }}', body: 'Your code: {{ event.properties.code }}' } },
      {
        type: 'send_wechat',
        template: {
          template_id: 'TPL_order_shipped',
          url: 'https://shop.example.com/orders/{{ event.properties.order }}',
          data: { first: '{{ customer.name }}, your order shipped', keyword1: '{{ event.properties.order }}', remark: 'Thanks!' },
        },
      },
      { type: 'send_webhook', url: `${provider.url}${hook}`, template: '{{ customer.id }} got {{ event.properties.code }}' },
    ]);
    const c = await customer();
    expect(await runFlow(f, c.id, { code: 'HELLO10', order: 'A-17' })).toMatchObject({
      outcome: 'completed',
      steps: [
        { step: '0-send_sms', status: 'sent' },
        { step: '1-send_push', status: 'sent' },
        { step: '2-send_wechat', status: 'sent' },
        { step: '3-send_webhook', status: 'sent' },
      ],
    });

    const source = { journey: `flow:${f.id}`, version: 1, workflow_id: flowWorkflowId(f.id, c.id) };
    const [smsRequest, ...moreSms] = provider.received(c.phone);
    expect(moreSms).toHaveLength(0);
    expect(smsRequest).toMatchObject({ path: '/sms', verified: true, status: 200 });
    expect(smsRequest!.body).toEqual({
      channel: 'sms',
      idempotency_key: expect.stringMatching(/\/0-send_sms$/),
      customer_id: c.id,
      to: c.phone,
      content: { text: 'Hi Ada, code HELLO10' },
      source: { ...source, step: '0-send_sms' },
    });

    const [pushRequest] = provider.received('/push').filter((r) => r.body.customer_id === c.id);
    expect(pushRequest).toMatchObject({
      verified: true,
      body: { channel: 'push', to: c.id, content: { title: 'Hello Ada', body: 'Your code: HELLO10' } },
    });

    const [wechatRequest, ...moreWechat] = provider.received(c.openid);
    expect(moreWechat).toHaveLength(0);
    expect(wechatRequest).toMatchObject({ path: '/wechat', verified: true });
    expect(wechatRequest!.body).toEqual({
      channel: 'wechat',
      idempotency_key: expect.stringMatching(/\/2-send_wechat$/),
      customer_id: c.id,
      to: c.openid,
      touser: c.openid,
      template_id: 'TPL_order_shipped',
      url: 'https://shop.example.com/orders/A-17',
      data: { first: { value: 'Ada Lovelace, your order shipped' }, keyword1: { value: 'A-17' }, remark: { value: 'Thanks!' } },
      source: { ...source, step: '2-send_wechat' },
    });

    const [hookRequest] = provider.received(hook);
    expect(hookRequest).toMatchObject({
      verified: true,
      body: {
        channel: 'webhook',
        to: `${provider.url}${hook}`,
        content: { body: `${c.id} got HELLO10` },
        customer: { id: c.id },
        event: { type: f.trigger },
      },
    });

    // The signature a provider checks: HMAC-SHA256 of "<timestamp>.<raw body>" with the shared secret.
    for (const request of [smsRequest!, pushRequest!, wechatRequest!, hookRequest!]) {
      const timestamp = request.headers['x-touchpoint-timestamp'] as string;
      expect(Math.abs(Number(timestamp) * 1000 - request.receivedAt)).toBeLessThan(60_000);
      const mac = createHmac('sha256', TEST_PROVIDER_SECRET)
        .update(`${timestamp}.${JSON.stringify(request.body)}`)
        .digest('hex');
      expect(request.headers['x-touchpoint-signature']).toBe(`sha256=${mac}`);
      expect(request.headers['idempotency-key']).toBe(request.body.idempotency_key);
    }

    const rows = await c.rows();
    expect(rows.map((r) => [r.stepKey, r.channel, r.status, r.recipient, r.attempts])).toEqual([
      ['0-send_sms', 'sms', 'sent', c.phone, 1],
      ['1-send_push', 'push', 'sent', c.id, 1],
      ['2-send_wechat', 'wechat', 'sent', c.openid, 1],
      ['3-send_webhook', 'webhook', 'sent', `${provider.url}${hook}`, 1],
    ]);
    expect(rows.every((r) => r.providerMessageId?.startsWith('prov-'))).toBe(true);
  });

  it.each([
    [{ template_id: 'TPL', data: { 'bad key': 'x' } }, 'actions[0].template.data.bad key'],
    [{ template_id: 'TPL', data: { first: 'Hi {{ customer.name | shout }}' } }, 'actions[0].template.data.first'],
    [{ template_id: 'TPL', data: { template_id: 'x' } }, 'actions[0].template.data'],
    [{ template_id: 'not an id!', data: {} }, 'actions[0].template.template_id'],
  ])('refuses the send_wechat template %j with 422 naming %s', async (template, field) => {
    const res = await stack.api('POST', '/api/flows', {
      name: uid('flow'),
      trigger_event: 'wx_go',
      actions: [{ type: 'send_wechat', template }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'validation_error', field });
  });

  it('skips a WeChat message to a customer without an openid (no_wechat_openid), and sends nothing', async () => {
    const f = await flow([{ type: 'send_wechat', template: { template_id: 'TPL_hello', data: { first: 'Hi' } } }]);
    const c = await customer({ attributes: {} });
    expect((await runFlow(f, c.id)).steps).toEqual([{ step: '0-send_wechat', status: 'skipped', reason: 'no_wechat_openid' }]);
    expect(provider.requests.filter((r) => r.body?.customer_id === c.id)).toHaveLength(0);
    expect((await c.rows()).map((r) => [r.status, r.errorMessage])).toEqual([['skipped', 'no_wechat_openid']]);
  });

  it("sends a push template's data part as a JSON object beside title and body; data that is no JSON object fails the send, posting nothing", async () => {
    const f = await flow([
      {
        type: 'send_push',
        template: {
          title: 'Your cart',
          body: 'Still there?',
          data: '{"deep_link": "app://cart/{{ event.properties.cart_id }}", "items": {{ event.properties.items | json }}}',
        },
      },
    ]);
    const c = await customer();
    expect((await runFlow(f, c.id, { cart_id: 'c-42', items: 3 })).steps).toEqual([{ step: '0-send_push', status: 'sent' }]);
    const requests = provider.received('/push').filter((r) => r.body.customer_id === c.id);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      verified: true,
      body: { content: { title: 'Your cart', body: 'Still there?' }, data: { deep_link: 'app://cart/c-42', items: 3 } },
    });
    expect(requests[0]!.body.content).not.toHaveProperty('data');

    const broken = await flow([
      { type: 'send_push', template: { title: 'Your cart', body: 'x', data: 'cart {{ event.properties.cart_id }}' } },
    ]);
    const d = await customer();
    const [step, ...more] = (await runFlow(broken, d.id, { cart_id: 'c-43' })).steps;
    expect(more).toHaveLength(0);
    expect(step).toMatchObject({ step: '0-send_push', status: 'failed' });
    expect(step.reason).toMatch(/^template error: the push data part must render to a JSON object/);
    expect(provider.requests.filter((r) => r.body?.customer_id === d.id)).toHaveLength(0);
  });

  it('records a 4xx (invalid number) as failed with the answer, after exactly one request', async () => {
    const f = await flow([sms('Hello')]);
    const c = await customer();
    provider.script(c.phone, [400, 400, 400]);
    expect((await runFlow(f, c.id)).steps).toEqual([
      { step: '0-send_sms', status: 'failed', reason: 'sms provider answered 400: {"error":"scripted 400"}' },
    ]);
    expect(provider.received(c.phone)).toHaveLength(1);
    const [row, ...more] = await c.rows();
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({
      status: 'failed',
      errorMessage: 'sms provider answered 400: {"error":"scripted 400"}',
      attempts: 1,
      response: { status: 400, excerpt: '{"error":"scripted 400"}', truncated: false },
    });
  });

  it('keeps of an answer only its status and its first KiB as text, flagged truncated', async () => {
    const hook = `/hook/${uid('h')}`;
    // A receiver that answers with more than anyone asked for (a dump of its internals, say), in multi-byte text.
    const answer = JSON.stringify({ id: 'prov-big', internal_secret: 'é'.repeat(5000) });
    provider.script(hook, [{ status: 200, body: answer }]);
    const f = await flow([{ type: 'send_webhook', url: `${provider.url}${hook}` }]);
    const c = await customer();
    expect((await runFlow(f, c.id)).steps).toEqual([{ step: '0-send_webhook', status: 'sent' }]);
    const [row] = await c.rows();
    const response = row!.response as { status: number; excerpt: string; truncated: boolean };
    expect(Object.keys(response).sort()).toEqual(['excerpt', 'status', 'truncated']);
    expect(response).toMatchObject({ status: 200, truncated: true });
    expect(Buffer.byteLength(response.excerpt)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(response.excerpt)).toBeGreaterThan(1020);
    // Cut between characters, never inside one.
    expect(answer.startsWith(response.excerpt)).toBe(true);
    // The provider's id still comes from the whole answer (read up to 16 KiB, kept only as the excerpt).
    expect(row!.providerMessageId).toBe('prov-big');

    // Past 16 KiB the rest is not even read: no id from an answer that long.
    const huge = `/hook/${uid('h')}`;
    provider.script(huge, [{ status: 200, body: JSON.stringify({ id: 'prov-huge', dump: 'x'.repeat(20_000) }) }]);
    const g = await flow([{ type: 'send_webhook', url: `${provider.url}${huge}` }]);
    const d = await customer();
    expect((await runFlow(g, d.id)).steps).toEqual([{ step: '0-send_webhook', status: 'sent' }]);
    expect(await d.rows()).toMatchObject([{ providerMessageId: null, response: { status: 200, truncated: true } }]);
  });

  it('does not follow a redirect: a 3xx fails the message with its status, and its target hears nothing', async () => {
    const hook = `/hook/${uid('h')}`;
    const target = `/hook/${uid('moved')}`;
    provider.script(hook, [{ status: 307, headers: { location: `${provider.url}${target}` } }]);
    const f = await flow([{ type: 'send_webhook', url: `${provider.url}${hook}` }]);
    const c = await customer();
    const reason = 'webhook provider answered 307: redirects are not followed';
    expect((await runFlow(f, c.id)).steps).toEqual([{ step: '0-send_webhook', status: 'failed', reason }]);
    expect(provider.received(hook).map((r) => r.status)).toEqual([307]);
    expect(provider.received(target)).toHaveLength(0);
    expect(await c.rows()).toMatchObject([{ status: 'failed', errorMessage: reason, attempts: 1, response: { status: 307 } }]);
  });

  it('retries a 5xx until the provider takes it: one message, several requests with one idempotency key', async () => {
    const f = await flow([sms('Hello again')]);
    const c = await customer();
    provider.script(c.phone, [500, 502]);
    expect((await runFlow(f, c.id)).steps).toEqual([{ step: '0-send_sms', status: 'sent' }]);
    const requests = provider.received(c.phone);
    expect(requests.map((r) => r.status)).toEqual([500, 502, 200]);
    expect(new Set(requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(requests.every((r) => r.verified)).toBe(true);
    const [row, ...more] = await c.rows();
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, errorMessage: null, providerMessageId: expect.stringMatching(/^prov-/) });
  });

  it('waits as long as a 429 Retry-After asks before the next attempt', async () => {
    const f = await flow([sms('Not so fast')]);
    const c = await customer();
    // The flow's retry policy would try again after 1 s; the provider asks for 2.
    provider.script(c.phone, [{ status: 429, headers: { 'retry-after': '2' } }]);
    expect((await runFlow(f, c.id)).steps).toEqual([{ step: '0-send_sms', status: 'sent' }]);
    const [first, second, ...more] = provider.received(c.phone);
    expect(more).toHaveLength(0);
    expect([first!.status, second!.status]).toEqual([429, 200]);
    // A lower bound only: the retry can come later on a busy machine, never sooner.
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1_950);
  });

  it('push, WeChat and webhooks sort answers as SMS does: a 4xx fails once, a 5xx is retried under one key until taken', async () => {
    const cases = [
      { channel: 'push', action: { type: 'send_push', template: { title: 'Hi', body: 'News' } }, key: (c: { id: string }) => c.id },
      {
        channel: 'wechat',
        action: { type: 'send_wechat', template: { template_id: 'TPL_news', data: { first: 'Hi' } } },
        key: (c: { openid: string }) => c.openid,
      },
    ];
    for (const { channel, action, key } of cases) {
      const f = await flow([action]);
      const refused = await customer();
      provider.script(key(refused), [422]);
      expect((await runFlow(f, refused.id)).steps, channel).toEqual([
        { step: `0-send_${channel}`, status: 'failed', reason: `${channel} provider answered 422: {"error":"scripted 422"}` },
      ]);
      expect(
        provider.received(key(refused as never)).map((r) => r.status),
        channel,
      ).toEqual([422]);

      const flaky = await customer();
      provider.script(key(flaky), [503]);
      expect((await runFlow(f, flaky.id)).steps, channel).toEqual([{ step: `0-send_${channel}`, status: 'sent' }]);
      const requests = provider.received(key(flaky));
      expect(
        requests.map((r) => [r.status, r.verified]),
        channel,
      ).toEqual([
        [503, true],
        [200, true],
      ]);
      expect(new Set(requests.map((r) => r.headers['idempotency-key'])).size, channel).toBe(1);
      expect(
        (await flaky.rows()).map((r) => [r.status, r.attempts]),
        channel,
      ).toEqual([['sent', 2]]);
    }

    // A webhook: its own URL, scripted by path.
    for (const [answers, expected] of [
      [[404], { status: 'failed', statuses: [404], attempts: 1 }],
      [[500], { status: 'sent', statuses: [500, 200], attempts: 2 }],
    ] as const) {
      const hook = `/hook/${uid('h')}`;
      provider.script(hook, [...answers]);
      const f = await flow([{ type: 'send_webhook', url: `${provider.url}${hook}` }]);
      const c = await customer();
      const [step] = (await runFlow(f, c.id)).steps;
      expect(step).toMatchObject({ step: '0-send_webhook', status: expected.status });
      expect(provider.received(hook).map((r) => r.status)).toEqual([...expected.statuses]);
      expect((await c.rows()).map((r) => [r.status, r.attempts])).toEqual([[expected.status, expected.attempts]]);
    }
  });

  it('fails a message the receiver refuses for its signature (401), without retrying it', async () => {
    const hook = `/hook/${uid('h')}`;
    const f = await flow([{ type: 'send_webhook', url: `${stranger.url}${hook}` }]);
    const c = await customer();
    expect((await runFlow(f, c.id)).steps).toEqual([
      { step: '0-send_webhook', status: 'failed', reason: 'webhook provider answered 401: {"error":"signature does not match"}' },
    ]);
    expect(stranger.received(hook).map((r) => [r.verified, r.status])).toEqual([[false, 401]]);
    expect((await c.rows()).map((r) => [r.status, r.attempts])).toEqual([['failed', 1]]);
  });
});
