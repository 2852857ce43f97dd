import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bothLimits, createRateLimiter } from '../../src/channels/rate-limit.js';
import { addCounts, emptyCounts, leftOverCounts, rateAndEta } from '../../src/campaigns/broadcast-counts.js';
import { campaignParts, channelOf, channelParts, checkParts } from '../../src/templates/parts.js';
import type { DomainError } from '../../src/domain/errors.js';
import { renderTemplate } from '../../src/templates/render.js';

describe('campaignParts', () => {
  it('turns a string into each channel’s message', () => {
    expect(campaignParts('sms', 'June', 'Hi {{ customer.name }}')).toEqual({ text: 'Hi {{ customer.name }}' });
    expect(campaignParts('push_notification', 'June', 'Gift')).toEqual({ title: 'June', body: 'Gift' });
    expect(campaignParts('webhook', 'June', '{"a":1}')).toEqual({ body: '{"a":1}' });
    const email = campaignParts('email', 'June gift', 'Hi <b> & {{ customer.name }}\nbye');
    expect(email.subject).toBe('June gift');
    expect(email.text).toBe('Hi <b> & {{ customer.name }}\nbye');
    // The literal text is escaped; what the tag outputs is escaped by the HTML engine.
    expect(renderTemplate(email.html!, { customer: { name: '<Ada>' } }, 'html')).toBe('Hi &lt;b&gt; &amp; &lt;Ada&gt;<br>\nbye');
  });

  it('takes parts and names a missing or unknown one', () => {
    expect(campaignParts('email', 'x', { subject: 'S', html: '<p>H</p>' })).toEqual({ subject: 'S', html: '<p>H</p>', text: '' });
    expect(campaignParts('push_notification', 'Name', { body: 'B' })).toEqual({ title: 'Name', body: 'B' });
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as DomainError).field;
      }
      return null;
    };
    expect(field(() => campaignParts('email', 'x', { text: 'T' }))).toBe('content.subject');
    expect(field(() => campaignParts('email', 'x', { subject: 'S' }))).toBe('content.text');
    expect(field(() => campaignParts('sms', 'x', { body: 'B' }))).toBe('content.body');
    expect(field(() => campaignParts('sms', 'x', {}))).toBe('content.text');
    expect(field(() => campaignParts('push_notification', 'x', { title: 'T' }))).toBe('content.body');
  });

  it("takes each channel's parts on several channels, naming the channel and part that is missing, unknown or not text", () => {
    const c = { type: 'email' as const, name: 'June', channels: ['email', 'sms'] as Array<'email' | 'sms'> };
    expect(channelParts(c, { email: { subject: 'S', text: 'T' }, sms: 'Hi' })).toEqual([
      { type: 'email', parts: { subject: 'S', text: 'T', html: 'T' } },
      { type: 'sms', parts: { text: 'Hi' } },
    ]);
    // One channel: the content as it always was.
    expect(channelParts({ type: 'sms', name: 'June' }, 'Hi')).toEqual([{ type: 'sms', parts: { text: 'Hi' } }]);
    const field = (content: unknown) => {
      try {
        channelParts(c, content as never);
      } catch (err) {
        return (err as DomainError).field;
      }
      return null;
    };
    expect(field('one string')).toBe('content');
    expect(field({ email: { subject: 'S', text: 'T' } })).toBe('content.sms');
    expect(field({ email: { subject: 'S', text: 'T' }, sms: 'x', webhook: 'y' })).toBe('content.webhook');
    expect(field({ email: { text: 'T' }, sms: 'x' })).toBe('content.email.subject');
    expect(field({ email: { subject: 'S', text: 'T' }, sms: { text: { nested: 'x' } } })).toBe('content.sms');
    expect(field({ email: { subject: 'S', text: 'T' }, sms: 'x' })).toBeNull();
    // On one channel, a part that is not text names itself.
    expect(
      (() => {
        try {
          campaignParts('email', 'x', { subject: { a: 'b' } } as never);
        } catch (err) {
          return (err as DomainError).field;
        }
        return null;
      })(),
    ).toBe('content.subject');
  });

  it('checks that every part parses', () => {
    expect(() => checkParts({ subject: 'Hi {{ customer.name }}' }, 'content')).not.toThrow();
    expect(() => checkParts({ subject: 'Hi {{ customer.name ' }, 'content')).toThrow(/content\.subject/);
    expect(() => checkParts({ text: '{{ x | nosuchfilter }}' }, 'content')).toThrow(/content\.text/);
  });

  it('sends push_notification on the push channel', () => {
    expect(channelOf('push_notification')).toBe('push');
    expect(channelOf('email')).toBe('email');
  });
});

describe('counts and progress', () => {
  it('adds counts and reasons', () => {
    const total = emptyCounts();
    addCounts(total, { processed: 3, sent: 2, failed: 0, skipped: 1, reasons: { unsubscribed: 1 } });
    addCounts(total, { processed: 2, sent: 0, failed: 1, skipped: 1, reasons: { unsubscribed: 1 } });
    addCounts(total, leftOverCounts('end_time', 4));
    expect(total).toEqual({ processed: 9, sent: 2, failed: 1, skipped: 6, reasons: { unsubscribed: 2, end_time: 4 } });
    expect(leftOverCounts(null, 0)).toEqual(emptyCounts());
  });

  it('gives a rate and an ETA once something was processed', () => {
    expect(rateAndEta(0, 100, 1000, 5000)).toEqual({ ratePerSecond: null, etaSeconds: null });
    expect(rateAndEta(10, 100, null, 5000)).toEqual({ ratePerSecond: null, etaSeconds: null });
    expect(rateAndEta(50, 150, 0, 10_000)).toEqual({ ratePerSecond: 5, etaSeconds: 20 });
    expect(rateAndEta(50, null, 0, 10_000)).toEqual({ ratePerSecond: 5, etaSeconds: null });
    expect(rateAndEta(200, 150, 0, 10_000).etaSeconds).toBe(0);
  });
  it('adds each channel’s counts on several channels, and keeps none on one', () => {
    const total = emptyCounts();
    addCounts(total, { processed: 1, sent: 1, failed: 0, skipped: 0, reasons: {} });
    expect(total.channels).toBeUndefined();
    addCounts(total, {
      processed: 2,
      sent: 3,
      failed: 0,
      skipped: 1,
      reasons: { no_phone: 1 },
      channels: {
        email: { processed: 2, sent: 2, failed: 0, skipped: 0, reasons: {} },
        sms: { processed: 2, sent: 1, failed: 0, skipped: 1, reasons: { no_phone: 1 } },
      },
    });
    addCounts(total, {
      processed: 1,
      sent: 1,
      failed: 0,
      skipped: 0,
      uncertain: 1,
      reasons: {},
      channels: { sms: { processed: 2, sent: 1, failed: 0, skipped: 0, uncertain: 1, reasons: {} } },
    });
    expect(total).toMatchObject({ processed: 4, sent: 5, skipped: 1, uncertain: 1 });
    expect(total.channels).toEqual({
      email: { processed: 2, sent: 2, failed: 0, skipped: 0, reasons: {} },
      sms: { processed: 4, sent: 2, failed: 0, skipped: 1, uncertain: 1, reasons: { no_phone: 1 } },
    });
  });
});

describe('rate limiter', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('hands out one slot per 1/rate seconds, in call order, with no burst after idling', async () => {
    const limiter = createRateLimiter(4);
    const done: number[] = [];
    for (let i = 0; i < 6; i++) void limiter.take().then(() => done.push(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([0]);
    await vi.advanceTimersByTimeAsync(250);
    expect(done).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    // Idle for ten seconds: the next take is at once, the one after waits a slot.
    await vi.advanceTimersByTimeAsync(10_000);
    const after: number[] = [];
    void limiter.take().then(() => after.push(1));
    void limiter.take().then(() => after.push(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(after).toEqual([1]);
    await vi.advanceTimersByTimeAsync(250);
    expect(after).toEqual([1, 2]);
  });

  it('does not wait without a limit, and obeys the slower of two', async () => {
    const none = createRateLimiter(0);
    let n = 0;
    for (let i = 0; i < 100; i++) void none.take().then(() => n++);
    await vi.advanceTimersByTimeAsync(0);
    expect(n).toBe(100);

    const take = bothLimits(createRateLimiter(100), createRateLimiter(2));
    let m = 0;
    for (let i = 0; i < 4; i++) void take().then(() => m++);
    await vi.advanceTimersByTimeAsync(0);
    expect(m).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(m).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(m).toBe(4);
  });
});
