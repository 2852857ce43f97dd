// One interface for every HTTP channel (SMS, push, WeChat, webhook): a channel knows a customer's address
// and the JSON body its provider takes; this module signs and POSTs it, and sorts the answer into sent,
// rejected (permanent) or a thrown error (transient: Temporal retries, after Retry-After when one is given).
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';

export type ProviderChannelName = 'sms' | 'push' | 'wechat' | 'webhook';

/** One touch as the activities hand it to a channel; each channel turns it into its provider's body. */
export interface ProviderMessage {
  channel: ProviderChannelName;
  idempotency_key: string;
  customer_id: string;
  /** The address from the channel's `address()`: phone, customer id, WeChat openid, or the webhook URL. */
  to: string;
  /** The rendered template parts. */
  content: Record<string, string>;
  /** Where the touch comes from: the flow or campaign, its version and the step. */
  source: { journey: string; version: number | null; step: string; workflow_id: string };
  /** webhook only: the customer profile and the event that started the run. */
  customer?: Record<string, unknown>;
  event?: Record<string, unknown>;
}

export type ProviderResult =
  | { outcome: 'sent'; status: number; response: Record<string, unknown> }
  /** A 4xx other than 408 and 429: the provider refused this message; sending it again changes nothing. */
  | { outcome: 'rejected'; status: number; error: string };

/** The customer fields a channel may address a message by. */
export interface Addressee {
  id: string;
  phone: string | null;
  attributes: Record<string, unknown>;
}

/** What one channel is: its address for a customer and its provider's body. Adding a channel is one of these. */
export interface ChannelAdapter {
  readonly name: ProviderChannelName;
  /** The customer's address on this channel, or the reason there is none (recorded as `skipped`). */
  address(customer: Addressee, target: string | undefined): { to: string } | { skip: string };
  /** The JSON document POSTed for this message. */
  body(message: ProviderMessage): Record<string, unknown>;
}

export interface Channel {
  readonly name: ProviderChannelName;
  /** The provider's URL; undefined when none is configured (a webhook's URL comes with each action or campaign). */
  readonly url: string | undefined;
  address: ChannelAdapter['address'];
  /** Signs and POSTs one message. Throws on a transient failure (5xx, 408, 429, timeout, refused). */
  send(message: ProviderMessage, url?: string): Promise<ProviderResult>;
}

export interface ProviderOptions {
  url?: string;
  /** The HMAC-SHA256 key of X-Touchpoint-Signature; unset: requests go unsigned. */
  secret?: string;
  timeoutMs?: number;
}

export const SIGNATURE_HEADER = 'x-touchpoint-signature';
export const TIMESTAMP_HEADER = 'x-touchpoint-timestamp';

/** `sha256=<hex>` of `<timestamp>.<body>`: the timestamp is signed too, so a captured request cannot be replayed later. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Longest Retry-After honoured; a provider asking for more gets Temporal's own backoff instead. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Retry-After as milliseconds from now (delta-seconds or an HTTP date), or null. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\s*-?\d+\s*$/.test(value)) {
    const ms = Number(value) * 1000;
    return ms < 0 || ms > MAX_RETRY_AFTER_MS ? null : ms;
  }
  // An HTTP date names a weekday or month: a bare sign or number is not one.
  const ms = /[a-z]/i.test(value) ? Date.parse(value) - now : NaN;
  if (!Number.isFinite(ms) || ms > MAX_RETRY_AFTER_MS) return null;
  return Math.max(ms, 0);
}

export function createProviderChannel(adapter: ChannelAdapter, options: ProviderOptions = {}): Channel {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: adapter.name,
    url: options.url,
    address: adapter.address,
    async send(message, url = options.url) {
      if (!url) throw new Error(`no provider URL for ${message.channel}`);
      const body = JSON.stringify(adapter.body(message));
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': message.idempotency_key,
          'user-agent': 'Touchpoint',
          [TIMESTAMP_HEADER]: timestamp,
          ...(options.secret ? { [SIGNATURE_HEADER]: signature(options.secret, timestamp, body) } : {}),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const raw = await res.text().catch(() => '');
      if (res.ok) return { outcome: 'sent', status: res.status, response: { status: res.status, body: parseJson(raw) } };
      const error = `${message.channel} provider answered ${res.status}${raw ? `: ${raw.slice(0, 500)}` : ''}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        return { outcome: 'rejected', status: res.status, error };
      }
      const wait = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : null;
      // Temporal's next attempt then comes after the provider's delay instead of the retry policy's backoff.
      if (wait !== null) throw ApplicationFailure.create({ type: 'ProviderBusy', message: error, nextRetryDelay: wait });
      throw new Error(error);
    },
  };
}

/** The provider's JSON answer as stored in messages.response (its text when it is not JSON). */
function parseJson(raw: string): unknown {
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw.slice(0, 2000);
  }
}
