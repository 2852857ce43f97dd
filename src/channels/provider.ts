// The HTTP channels (SMS, push, WeChat, webhook) as `ChannelAdapter`s (channel.ts): a channel adapter knows a
// customer's address and the JSON body its provider takes; this module signs and POSTs it, and sorts the
// answer into sent, rejected (permanent) or a thrown error (transient: Temporal retries, after Retry-After
// when one is given).
import { ApplicationFailure } from '@temporalio/common';
import { signWebhook } from '../domain/webhook-signature.js';
import type { ChannelAdapter, OutgoingMessage, StoredContent } from './channel.js';

export type ProviderChannelName = 'sms' | 'push' | 'wechat' | 'webhook';

/** One touch as an HTTP channel's adapter shapes it into its provider's body. */
export type ProviderMessage = OutgoingMessage & { channel: ProviderChannelName };

/** What one HTTP channel is: its address for a customer and its provider's body. Adding a channel is one of these. */
export interface ProviderAdapter {
  readonly name: ProviderChannelName;
  address: ChannelAdapter['address'];
  /** The JSON document POSTed for this message. */
  body(message: ProviderMessage): Record<string, unknown>;
  /** Rendered parts the provider cannot take (e.g. push `data` that is not a JSON object), or null. */
  check?: ChannelAdapter['check'];
  /** What the message row keeps; default: `title` as subject, `text` or `body` as text. */
  stored?: ChannelAdapter['stored'];
  /** The suppression list its addresses are checked against, if any. */
  suppression?: ChannelAdapter['suppression'];
}

export interface ProviderOptions {
  url?: string;
  /** The HMAC-SHA256 key of X-Touchpoint-Signature; unset: requests go unsigned. */
  secret?: string;
  timeoutMs?: number;
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

const storedDefault = (content: Record<string, string>): StoredContent => ({
  subject: content.title ?? null,
  bodyText: content.text ?? content.body ?? null,
  bodyHtml: null,
});

export function createProviderChannel(adapter: ProviderAdapter, options: ProviderOptions = {}): ChannelAdapter {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: adapter.name,
    url: options.url,
    ...(adapter.suppression ? { suppression: adapter.suppression } : {}),
    address: adapter.address,
    format: () => 'text',
    ...(adapter.check ? { check: adapter.check } : {}),
    stored: adapter.stored ?? storedDefault,
    async send(message, { url = options.url, secret = options.secret }) {
      if (!url) throw new Error(`no provider URL for ${message.channel}`);
      const body = JSON.stringify(adapter.body(message as ProviderMessage));
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': message.idempotency_key,
          'user-agent': 'Touchpoint',
          // The timestamp is signed too, so a captured request cannot be replayed later.
          ...signWebhook(secret, body),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const raw = await res.text().catch(() => '');
      if (res.ok) {
        const answer = parseJson(raw);
        const id = (answer as { id?: unknown } | null)?.id;
        return { outcome: 'sent', providerMessageId: typeof id === 'string' ? id : null, response: { status: res.status, body: answer } };
      }
      const error = `${message.channel} provider answered ${res.status}${raw ? `: ${raw.slice(0, 500)}` : ''}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        return { outcome: 'rejected', error, response: { status: res.status } };
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
