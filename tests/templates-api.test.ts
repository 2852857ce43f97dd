// Stored templates through the real stack: saved, checked at save, previewed, and rendered by campaigns
// for each customer (email and WeChat) — against a Temporal dev server, PostgreSQL, a real SMTP server and
// a real HTTP receiver for WeChat messages.
import { describe, expect, it } from 'vitest';
import { UUID, useCampaignStack } from './helpers/campaigns-api.js';
import { uid } from './helpers/stack.js';

const campaigns = useCampaignStack();
const { audience, create, runActual } = campaigns;
describe('templates', () => {
  it('stores a template that a campaign renders for each customer', async () => {
    const parts = { subject: 'For {{ customer.first_name }}', html: '<p>Hi {{ customer.name }}</p>', text: 'Hi {{ customer.name }}' };
    const created = await campaigns.stack.api('POST', '/api/templates', { name: uid('tpl'), channel: 'email', parts });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(UUID), channel: 'email', parts });
    expect((await campaigns.stack.api('GET', `/api/templates/${created.body.id}`)).body).toEqual(created.body);

    const { tag, emails } = await audience(2, (i) => ({ name: i === 0 ? 'Ada Lovelace' : 'Grace Hopper' }));
    const c = await create({ target_tags: [tag], content: undefined, content_template_id: created.body.id });
    expect(c).toMatchObject({ content: null, content_template_id: created.body.id });
    expect((await runActual(c.id)).done).toMatchObject({ sent: 2 });
    const mail = campaigns.stack.mail.list().filter((m) => emails.includes(m.to[0]!));
    expect(mail.map((m) => [m.to[0], m.subject]).sort()).toEqual([
      [emails[0], 'For Ada'],
      [emails[1], 'For Grace'],
    ]);
  });

  it.each([
    [{ subject: 'Hi {{ customer.name ', text: 'T' }, 'parts.subject'],
    [{ subject: 'S', html: '{{ x | nosuchfilter }}' }, 'parts.html'],
    [{ text: 'T' }, 'parts.subject'],
    [{ subject: 'S', text: 'T', body: 'B' }, 'parts.body'],
  ])('refuses the parts %j with 422 naming %s', async (parts, field) => {
    const res = await campaigns.stack.api('POST', '/api/templates', { name: uid('bad-tpl'), channel: 'email', parts });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_template', field });
  });

  it('names the line and column of a parse error or unknown filter', async () => {
    const parts = { subject: 'S', text: 'Line one\nLine two {{ customer.name | shout }}' };
    const res = await campaigns.stack.api('POST', '/api/templates', { name: uid('bad-tpl'), channel: 'email', parts });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_template', field: 'parts.text' });
    expect(res.body.error.message).toMatch(/shout, line:2, col:10/);
  });

  it('stores a WeChat template (template_id, url, data keys) that a wechat campaign sends to each openid', async () => {
    const parts = {
      template_id: 'TPL_june',
      url: 'https://shop.example.com/u/{{ customer.id }}',
      first: 'Hi {{ customer.name }}',
      remark: 'June',
    };
    const created = await campaigns.stack.api('POST', '/api/templates', { name: uid('wx-tpl'), channel: 'wechat', parts });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    for (const [bad, field] of [
      [{ first: 'Hi' }, 'parts.template_id'],
      [{ template_id: 'T', 'not a key': 'x' }, 'parts.not a key'],
    ] as const) {
      const refused = await campaigns.stack.api('POST', '/api/templates', { name: uid('wx-bad'), channel: 'wechat', parts: bad });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'invalid_template', field });
    }

    const { tag, ids } = await audience(2, (i) => ({ attributes: i === 0 ? { wechat_openid: `o-${uid('wx')}` } : {} }));
    const c = await create({ type: 'wechat', target_tags: [tag], content: undefined, content_template_id: created.body.id });
    const { done } = await runActual(c.id);
    expect(done).toMatchObject({ sent: 1, skipped: 1, reasons: { no_wechat_openid: 1 } });
    const [request, ...more] = campaigns.provider.requests.filter((r) => r.body?.customer_id === ids[0]);
    expect(more).toHaveLength(0);
    expect(request).toMatchObject({
      path: '/wechat',
      verified: true,
      body: {
        channel: 'wechat',
        template_id: 'TPL_june',
        url: `https://shop.example.com/u/${ids[0]}`,
        data: { first: { value: 'Hi Customer 0' }, remark: { value: 'June' } },
      },
    });
    expect(request!.body.touser).toBe(request!.body.to);
  });

  describe('POST /api/templates/:id/preview', () => {
    const preview = (id: string, body: unknown) => campaigns.stack.api('POST', `/api/templates/${id}/preview`, body);

    it('renders every part for the customer, HTML escaped, with the event given', async () => {
      const parts = {
        subject: 'For {{ customer.first_name }}: {{ event.properties.code }}',
        html: '<p>Hi {{ customer.name }}, from {{ brand }}</p>',
        text: 'Hi {{ customer.name }}',
      };
      const tpl = (await campaigns.stack.api('POST', '/api/templates', { name: uid('tpl'), channel: 'email', parts })).body;
      const [id] = (await audience(1, () => ({ name: 'Ada <Lovelace> & Co' }))).ids;
      const res = await preview(tpl.id, { customer_id: id, event: { type: 'signup', properties: { code: 'HELLO10' } } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({
        template_id: tpl.id,
        channel: 'email',
        customer_id: id,
        parts: {
          subject: 'For Ada: HELLO10',
          html: '<p>Hi Ada &lt;Lovelace&gt; &amp; Co, from Touchpoint</p>',
          text: 'Hi Ada <Lovelace> & Co',
        },
      });
    });

    it('renders a push template, its title defaulting to the template name as a send would', async () => {
      const name = uid('push-tpl');
      const tpl = (
        await campaigns.stack.api('POST', '/api/templates', {
          name,
          channel: 'push_notification',
          parts: { body: 'Hi {{ customer.name }}' },
        })
      ).body;
      const [id] = (await audience(1)).ids;
      expect((await preview(tpl.id, { customer_id: id })).body.parts).toEqual({ title: name, body: 'Hi Customer 0' });
    });

    it('answers 404 for an unknown template or customer, 422 naming the field for a bad body', async () => {
      const tpl = (await campaigns.stack.api('POST', '/api/templates', { name: uid('tpl'), channel: 'sms', parts: { text: 'Hi' } })).body;
      const [id] = (await audience(1)).ids;
      for (const unknown of ['00000000-0000-4000-8000-000000000000', 'nope']) {
        const res = await preview(unknown, { customer_id: id });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('template_not_found');
      }
      const nobody = await preview(tpl.id, { customer_id: uid('nobody') });
      expect(nobody.status).toBe(404);
      expect(nobody.body.error).toMatchObject({ code: 'customer_not_found', field: 'customer_id' });
      for (const [body, field] of [
        [{}, 'customer_id'],
        [{ customer_id: '' }, 'customer_id'],
        [{ customer_id: id, event: 'signup' }, 'event'],
        [{ customer_id: id, extra: 1 }, 'extra'],
      ] as const) {
        const res = await preview(tpl.id, body);
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(res.body.error).toMatchObject({ code: 'validation_error', field });
      }
    });
  });

  it('answers 404 template_not_found for an unknown template', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', '-'.repeat(36)]) {
      const res = await campaigns.stack.api('GET', `/api/templates/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('template_not_found');
    }
  });
});
