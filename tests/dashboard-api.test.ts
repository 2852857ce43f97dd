// The routes the dashboard added, through the API: GET /api/me (the key, its scopes, its workspace and the
// Temporal UI it may link to), the live audience count of the create form, and the preview of a saved
// campaign's message for one customer — against PostgreSQL and a Temporal dev server (no worker: nothing
// here runs a workflow).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { seedAudience } from './helpers/audience.js';
import { type Stack, startStack, TEST_API_LIMITS, uid } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: false, worker: false });
});
afterAll(async () => {
  await stack?.close();
});

describe("the dashboard's routes", () => {
  it('GET /api/me names the key, its scopes and its workspace; a key that may not read is refused', async () => {
    const reader = await stack.authAs('reader-me', ['read']);
    const me = await stack.api('GET', '/api/me', undefined, reader);
    expect(me).toEqual({
      status: 200,
      body: {
        workspace: { id: 'default', name: expect.any(String) },
        key: { id: expect.any(String), name: 'reader-me', scopes: ['read'] },
        temporal_ui: null,
      },
    });
    // An app that knows its Temporal UI (embedded mode's) names it.
    const app = createApp({
      ...stack.services,
      mailCapture: null,
      api: TEST_API_LIMITS,
      temporalUi: { url: 'http://127.0.0.1:8233', namespace: 'default' },
    });
    const known = await app.request('/api/me', { headers: reader });
    expect(((await known.json()) as { temporal_ui: unknown }).temporal_ui).toEqual({ url: 'http://127.0.0.1:8233', namespace: 'default' });
    const writer = await stack.authAs('backend', ['events:write']);
    const refused = await stack.api('GET', '/api/me', undefined, writer);
    expect([refused.status, refused.body.error.code, refused.body.scope]).toEqual([403, 'forbidden', 'read']);
  });

  it('GET /api/marketing/audience counts any of the tags, within the segment when one is given', async () => {
    const a = await seedAudience(stack.database.db, 2);
    const b = await seedAudience(stack.database.db, 3, (i) => ({ attributes: { plan: i === 0 ? 'pro' : 'free' } }));
    const count = async (query: string) => {
      const res = await stack.api('GET', `/api/marketing/audience?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.count as number;
    };
    expect(await count(`tags=${a.tag}`)).toBe(2);
    expect(await count(`tags=${a.tag},${b.tag}`)).toBe(5);
    const segment = await stack.api('POST', '/api/segments', {
      name: uid('pro'),
      rules: { all: [{ has_tag: b.tag }, { attribute: 'attributes.plan', op: 'eq', value: 'pro' }] },
    });
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    expect(await count(`tags=${a.tag},${b.tag}&segment_id=${segment.body.id}`)).toBe(1);
    expect(await count(`segment_id=${segment.body.id}`)).toBe(1);
    expect(await count(`tags=${a.tag}&segment_id=no-such-segment`)).toBe(0);
    expect(await count('')).toBe(0);
    const bad = await stack.api('GET', `/api/marketing/audience?tags=${encodeURIComponent('a b')}`);
    expect([bad.status, bad.body.error.code, bad.body.error.field]).toEqual([400, 'invalid_query', 'tags']);
  });

  it("POST /api/marketing/campaigns/:id/preview renders the campaign's content or template for a customer", async () => {
    const { tag, ids } = await seedAudience(stack.database.db, 1, () => ({ name: '王 小明' }));
    const inline = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('inline'),
      type: 'sms',
      target_tags: [tag],
      content: '你好 {{ customer.name }}',
    });
    const preview = await stack.api('POST', `/api/marketing/campaigns/${inline.body.id}/preview`, { customer_id: ids[0] });
    expect(preview).toEqual({
      status: 200,
      body: { campaign_id: inline.body.id, channel: 'sms', customer_id: ids[0], parts: { text: '你好 王 小明' } },
    });

    const template = await stack.api('POST', '/api/templates', {
      name: uid('tpl'),
      channel: 'email',
      parts: { subject: 'For {{ customer.name }}', text: 'Order {{ event.properties.order }}' },
    });
    const fromTemplate = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('tpl-campaign'),
      type: 'email',
      target_tags: [tag],
      content_template_id: template.body.id,
    });
    const rendered = await stack.api('POST', `/api/marketing/campaigns/${fromTemplate.body.id}/preview`, {
      customer_id: ids[0],
      event: { properties: { order: 'A-1' } },
    });
    expect(rendered.status, JSON.stringify(rendered.body)).toBe(200);
    expect(rendered.body.parts).toMatchObject({ subject: 'For 王 小明', text: 'Order A-1' });

    const unknown = await stack.api('POST', `/api/marketing/campaigns/${inline.body.id}/preview`, { customer_id: 'nobody-here' });
    expect([unknown.status, unknown.body.error.field]).toEqual([404, 'customer_id']);
    expect((await stack.api('POST', `/api/marketing/campaigns/${crypto.randomUUID()}/preview`, { customer_id: ids[0] })).status).toBe(404);
  });
});
