import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseProviderSecrets,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhook,
} from '../../src/domain/webhook-signature.js';

const SECRET = 'a-provider-secret-0123456789';
const NOW = Date.UTC(2026, 4, 1, 12, 0, 0);
const body = JSON.stringify({ events: [{ type: 'bounced', email: 'ada@example.com', bounce_type: 'hard' }] });

const signed = (b = body, at = NOW, secret = SECRET) => {
  const h = signWebhook(secret, b, at);
  return { signature: h[SIGNATURE_HEADER], timestamp: h[TIMESTAMP_HEADER], body: b };
};

describe('delivery webhook signatures', () => {
  it('is the HMAC-SHA256 of "<timestamp>.<body>", hex, after sha256=', () => {
    const s = signed();
    expect(s.timestamp).toBe(String(NOW / 1000));
    const expected = createHmac('sha256', SECRET).update(`${s.timestamp}.${body}`).digest('hex');
    expect(s.signature).toBe(`sha256=${expected}`);
    expect(verifyWebhook(SECRET, s, NOW)).toBeNull();
    // Upper-case hex is the same signature.
    expect(verifyWebhook(SECRET, { ...s, signature: `sha256=${expected.toUpperCase()}` }, NOW)).toBeNull();
  });

  it('refuses a missing header', () => {
    const s = signed();
    expect(verifyWebhook(SECRET, { ...s, signature: undefined }, NOW)).toBe('missing_signature');
    expect(verifyWebhook(SECRET, { ...s, timestamp: undefined }, NOW)).toBe('missing_signature');
    expect(verifyWebhook(SECRET, { ...s, signature: '' }, NOW)).toBe('missing_signature');
  });

  it('refuses another secret, an altered body or timestamp, and malformed signatures', () => {
    const s = signed();
    expect(verifyWebhook('another-secret-0123456789', s, NOW)).toBe('invalid_signature');
    expect(verifyWebhook(SECRET, { ...s, body: body.replace('hard', 'soft') }, NOW)).toBe('invalid_signature');
    expect(verifyWebhook(SECRET, { ...s, body: `${body} ` }, NOW)).toBe('invalid_signature');
    // A fresh timestamp on an old signature: the timestamp is signed.
    expect(verifyWebhook(SECRET, { ...s, timestamp: String(NOW / 1000 + 1) }, NOW)).toBe('invalid_signature');
    const hex = s.signature!.slice('sha256='.length);
    for (const bad of [hex, `sha1=${hex}`, `sha256=${hex.slice(0, -2)}`, `sha256=${hex}00`, `sha256=${'z'.repeat(64)}`]) {
      expect([bad, verifyWebhook(SECRET, { ...s, signature: bad }, NOW)]).toEqual([bad, 'invalid_signature']);
    }
    expect(verifyWebhook(SECRET, { ...s, timestamp: '12ab' }, NOW)).toBe('invalid_signature');
  });

  it('refuses a correctly signed request more than 5 minutes from now, either way', () => {
    expect(verifyWebhook(SECRET, signed(body, NOW - 5 * 60_000), NOW)).toBeNull();
    expect(verifyWebhook(SECRET, signed(body, NOW - 5 * 60_000 - 1000), NOW)).toBe('stale_signature');
    expect(verifyWebhook(SECRET, signed(body, NOW + 5 * 60_000 + 1000), NOW)).toBe('stale_signature');
    // A stale request with a bad MAC is a bad MAC.
    expect(verifyWebhook('another-secret-0123456789', signed(body, NOW - 3_600_000), NOW)).toBe('invalid_signature');
  });
});

describe('DELIVERY_WEBHOOK_SECRETS', () => {
  it('reads provider=secret pairs', () => {
    expect(parseProviderSecrets(' ses=0123456789abcdef0 , twilio-sms=fedcba9876543210=x,')).toEqual(
      new Map([
        ['ses', '0123456789abcdef0'],
        ['twilio-sms', 'fedcba9876543210=x'],
      ]),
    );
  });

  it('names a bad entry', () => {
    expect(() => parseProviderSecrets('ses')).toThrow(/provider=secret/);
    expect(() => parseProviderSecrets('SES=0123456789abcdef0')).toThrow(/provider=secret/);
    expect(() => parseProviderSecrets('ses=short')).toThrow(/ses: the secret must be at least 16/);
  });
});
