// Signed webhooks, both ways (the requests Touchpoint sends to HTTP providers, and the delivery webhooks
// providers send to it): `X-Touchpoint-Signature: sha256=<hex>` is the HMAC-SHA256, under the shared
// secret, of `<X-Touchpoint-Timestamp>.<raw body>`. The timestamp (Unix seconds) is signed with the body,
// so an old request replayed with a fresh timestamp does not verify, and one older than the tolerance is
// refused even when it does.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Touchpoint-Signature';
export const TIMESTAMP_HEADER = 'X-Touchpoint-Timestamp';
/** How far a request's timestamp may be from now, either way. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export type SignatureFailure = 'missing_signature' | 'invalid_signature' | 'stale_signature';

const hmac = (secret: string, timestamp: string, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();

/** The value of the signature header for `body` sent at `timestamp` (Unix seconds). */
export const webhookSignature = (secret: string, timestamp: string, body: string) =>
  `sha256=${hmac(secret, timestamp, body).toString('hex')}`;

/** The headers a sender sets for `body` at `nowMs`: the timestamp, and the signature when there is a secret. */
export function signWebhook(secret: string | undefined, body: string, nowMs = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { ...(secret ? { [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body) } : {}), [TIMESTAMP_HEADER]: timestamp };
}

/** Null when the request is signed with `secret` within the tolerance; else why not. */
export function verifyWebhook(
  secret: string,
  request: { signature: string | undefined; timestamp: string | undefined; body: string },
  nowMs = Date.now(),
  toleranceMs = SIGNATURE_TOLERANCE_MS,
): SignatureFailure | null {
  const { signature, timestamp, body } = request;
  if (!signature || !timestamp) return 'missing_signature';
  const hex = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim())?.[1];
  if (!hex || !/^\d{1,12}$/.test(timestamp)) return 'invalid_signature';
  if (!timingSafeEqual(Buffer.from(hex, 'hex'), hmac(secret, timestamp, body))) return 'invalid_signature';
  // Checked after the MAC, so an unsigned guess learns nothing about the clock.
  if (Math.abs(nowMs - Number(timestamp) * 1000) > toleranceMs) return 'stale_signature';
  return null;
}

/** `provider=secret,provider=secret` (DELIVERY_WEBHOOK_SECRETS) as a map; throws naming a bad entry. */
export function parseProviderSecrets(list: string): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const entry of list
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf('=');
    const provider = entry.slice(0, at).trim();
    const secret = entry.slice(at + 1).trim();
    if (at < 0 || !PROVIDER_NAME.test(provider))
      throw new Error(`"${entry.slice(0, 40)}": expected provider=secret, the provider in a-z 0-9 _ -`);
    if (secret.length < 16) throw new Error(`${provider}: the secret must be at least 16 characters`);
    secrets.set(provider, secret);
  }
  return secrets;
}

export const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
