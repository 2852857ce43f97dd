import { createHmac } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type ProviderMessage, retryAfterMs } from '../../src/channels/provider.js';
import { webhookSignature as signature } from '../../src/domain/webhook-signature.js';
import { createEmailChannel } from '../../src/channels/email.js';
import { createOutbound } from '../../src/channels/outbound.js';
import { CHANNEL_ADAPTERS, createChannels } from '../../src/channels/registry.js';
import { campaignParts } from '../../src/templates/parts.js';
import { DomainError } from '../../src/domain/errors.js';

const message = (channel: ProviderMessage['channel'], content: Record<string, string>, to = 'x'): ProviderMessage => ({
  channel,
  idempotency_key: 'k1',
  customer_id: 'ada',
  to,
  content,
  source: { journey: 'flow:f', version: 1, step: '0-send', workflow_id: 'flow/f/ada' },
});

describe('signature', () => {
  it('is sha256= and the hex HMAC of "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', 'secret-key').update('1700000000.{"a":1}').digest('hex');
    expect(signature('secret-key', '1700000000', '{"a":1}')).toBe(`sha256=${expected}`);
    // Another timestamp is another signature: a captured request cannot be replayed with a fresh one.
    expect(signature('secret-key', '1700000001', '{"a":1}')).not.toBe(`sha256=${expected}`);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, and ignores what it cannot use', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(' 0 ')).toBe(0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs('-5')).toBeNull();
    // More than an hour: Temporal's own backoff instead.
    expect(retryAfterMs('86400')).toBeNull();
  });
});

describe('channel adapters', () => {
  const customer = { id: 'ada', email: null, phone: '+4915123456789', attributes: { wechat_openid: 'oAda' } };
  const bare = { id: 'bob', email: null, phone: null, attributes: {} };

  it('address each customer on their channel, or say why not', () => {
    expect(CHANNEL_ADAPTERS.sms.address(customer, undefined)).toEqual({ to: '+4915123456789' });
    expect(CHANNEL_ADAPTERS.sms.address(bare, undefined)).toEqual({ skip: 'no_phone' });
    expect(CHANNEL_ADAPTERS.push.address(bare, undefined)).toEqual({ to: 'bob' });
    expect(CHANNEL_ADAPTERS.wechat.address(customer, undefined)).toEqual({ to: 'oAda' });
    expect(CHANNEL_ADAPTERS.wechat.address(bare, undefined)).toEqual({ skip: 'no_wechat_openid' });
    expect(CHANNEL_ADAPTERS.wechat.address({ ...bare, attributes: { wechat_openid: 42 } }, undefined)).toEqual({
      skip: 'no_wechat_openid',
    });
    expect(CHANNEL_ADAPTERS.webhook.address(bare, 'https://crm.example.com/h')).toEqual({ to: 'https://crm.example.com/h' });
  });

  it('shape a WeChat template message: touser, template_id, url and data values', () => {
    const body = CHANNEL_ADAPTERS.wechat.body(
      message('wechat', { template_id: 'T1', url: 'https://s.example.com', first: 'Hi', remark: 'Bye' }, 'oAda'),
    );
    expect(body).toEqual({
      channel: 'wechat',
      idempotency_key: 'k1',
      customer_id: 'ada',
      to: 'oAda',
      touser: 'oAda',
      template_id: 'T1',
      url: 'https://s.example.com',
      data: { first: { value: 'Hi' }, remark: { value: 'Bye' } },
      source: { journey: 'flow:f', version: 1, step: '0-send', workflow_id: 'flow/f/ada' },
    });
    expect(CHANNEL_ADAPTERS.wechat.body(message('wechat', { template_id: 'T1' }))).not.toHaveProperty('url');
  });

  it('send SMS and push as the common envelope', () => {
    expect(CHANNEL_ADAPTERS.sms.body(message('sms', { text: 'Hi' }))).toEqual(message('sms', { text: 'Hi' }));
    expect(CHANNEL_ADAPTERS.push.body(message('push', { title: 'T', body: 'B' }))).toEqual(message('push', { title: 'T', body: 'B' }));
  });

  it('send a push data part as a JSON object beside the content, and refuse one that is not an object', () => {
    const withData = message('push', { title: 'T', body: 'B', data: '{"deep_link":"app://cart/7","n":2}' });
    expect(CHANNEL_ADAPTERS.push.check!(withData.content)).toBeNull();
    expect(CHANNEL_ADAPTERS.push.body(withData)).toEqual({
      ...message('push', { title: 'T', body: 'B' }),
      data: { deep_link: 'app://cart/7', n: 2 },
    });
    expect(CHANNEL_ADAPTERS.push.check!({ title: 'T', body: 'B' })).toBeNull();
    for (const data of ['cart 7', '[1,2]', 'null', '"text"', '']) {
      expect(CHANNEL_ADAPTERS.push.check!({ title: 'T', body: 'B', data }), data).toMatch(/must render to a JSON object/);
    }
  });
});

describe('every channel, email included, is one Channel', () => {
  const email = createEmailChannel({
    smtpUrl: 'smtp://user:secret@127.0.0.1:2525',
    from: 'Touchpoint <hello@touchpoint.test>',
    poolSize: 1,
  });
  const channels = createChannels(email, { sms: { url: 'http://127.0.0.1:1/sms' } }, { outbound: createOutbound({ allowList: [] }) });
  afterAll(() => email.close());

  it('has the five channels, each addressing, formatting and storing through the same interface', () => {
    expect(Object.keys(channels).sort()).toEqual(['email', 'push', 'sms', 'webhook', 'wechat']);
    const ada = { id: 'ada', email: 'ada@example.com', phone: '+4915123456789', attributes: {} };
    const bare = { id: 'bob', email: null, phone: null, attributes: {} };
    expect(channels.email.address(ada, undefined)).toEqual({ to: 'ada@example.com' });
    expect(channels.email.address(bare, undefined)).toEqual({ skip: 'no_email_address' });
    expect(channels.sms.address(ada, undefined)).toEqual({ to: '+4915123456789' });
    // Escaping: only email's HTML part.
    expect([channels.email.format('html'), channels.email.format('subject'), channels.sms.format('text')]).toEqual([
      'html',
      'text',
      'text',
    ]);
    expect([channels.email.suppression, channels.sms.suppression, channels.push.suppression]).toEqual(['email', 'sms', undefined]);
    expect(channels.email.stored({ subject: 'S', html: '<p>H</p>', text: 'T' })).toEqual({
      subject: 'S',
      bodyText: 'T',
      bodyHtml: '<p>H</p>',
    });
    expect(channels.push.stored({ title: 'T', body: 'B', data: '{}' })).toEqual({ subject: 'T', bodyText: 'B', bodyHtml: null });
    // Configured or not, without the SMTP URL's credentials.
    expect([channels.email.url, channels.sms.url, channels.push.url]).toEqual([
      'smtp://127.0.0.1:2525',
      'http://127.0.0.1:1/sms',
      undefined,
    ]);
  });
});

describe('wechat campaign parts', () => {
  it('need a template_id and take data keys besides url', () => {
    const parts = { template_id: 'T1', url: 'https://s.example.com/{{ customer.id }}', first: 'Hi', keyword1: 'A-17' };
    expect(campaignParts('wechat', 'x', parts)).toEqual(parts);
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(DomainError);
        return (err as DomainError).field;
      }
      return null;
    };
    expect(field(() => campaignParts('wechat', 'x', { first: 'Hi' }))).toBe('content.template_id');
    expect(field(() => campaignParts('wechat', 'x', { template_id: 'T1', 'bad key': 'x' }))).toBe('content.bad key');
    expect(field(() => campaignParts('wechat', 'x', { template_id: 'T1', '*': 'x' }))).toBe('content.*');
    expect(field(() => campaignParts('wechat', 'x', 'a plain string'))).toBe('content');
  });
});
