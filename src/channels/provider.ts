// The HTTP channels (SMS, push, WeChat, webhook) as `ChannelAdapter`s (channel.ts): a channel adapter knows a
// customer's address and the JSON body its provider takes; this module signs and POSTs it (through
// outbound.ts: only to allowed addresses, no redirects), and sorts the answer into sent, rejected
// (permanent) or a thrown error (transient: Temporal retries, after Retry-After when one is given).
import { ApplicationFailure } from '@temporalio/common';
import { signWebhook } from '../domain/webhook-signature.js';
import { type ChannelAdapter, FencedOut, type OutgoingMessage, type StoredContent } from './channel.js';
import { type Outbound, type OutboundAnswer, OutboundRefused } from './outbound.js';

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
  /** Every request goes through it: to allowed addresses only. */
  outbound: Outbound;
  url?: string;
  /** The HMAC-SHA256 key of X-Touchpoint-Signature; unset: requests go unsigned. */
  secret?: string;
  timeoutMs?: number;
}

/** What messages.response keeps of an answer: its status and the first EXCERPT_BYTES of its body, as text. */
export type AnswerExcerpt = {
  status: number;
  excerpt: string;
  /** The body was longer than the excerpt. */
  truncated: boolean;
};

export const EXCERPT_BYTES = 1024;

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

export function createProviderChannel(adapter: ProviderAdapter, options: ProviderOptions): ChannelAdapter {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: adapter.name,
    url: options.url,
    ...(adapter.suppression ? { suppression: adapter.suppression } : {}),
    address: adapter.address,
    format: () => 'text',
    ...(adapter.check ? { check: adapter.check } : {}),
    stored: adapter.stored ?? storedDefault,
    async send(message, { url = options.url, secret = options.secret, commit }) {
      if (!url) throw new Error(`no provider URL for ${message.channel}`);
      const body = JSON.stringify(adapter.body(message as ProviderMessage));
      if (commit && !(await commit())) throw new FencedOut(message.idempotency_key);
      let res: OutboundAnswer;
      try {
        res = await options.outbound.post(url, {
          headers: {
            'content-type': 'application/json',
            'idempotency-key': message.idempotency_key,
            'user-agent': 'Touchpoint',
            // The timestamp is signed too, so a captured request cannot be replayed later.
            ...signWebhook(secret, body),
          },
          body,
          timeoutMs,
        });
      } catch (err) {
        if (err instanceof OutboundRefused) return { outcome: 'rejected', error: `${message.channel} URL not allowed: ${err.message}` };
        throw err;
      }
      const response = excerptOf(res);
      const answered = `${message.channel} provider answered ${res.status}${response.excerpt ? `: ${response.excerpt.slice(0, 200)}` : ''}`;
      if (res.status >= 200 && res.status < 300) {
        return { outcome: 'sent', providerMessageId: messageIdOf(res), response };
      }
      if (res.status >= 300 && res.status < 400) {
        return { outcome: 'rejected', error: `${message.channel} provider answered ${res.status}: redirects are not followed`, response };
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        return { outcome: 'rejected', error: answered, response };
      }
      const retryAfter = res.headers['retry-after'];
      const wait = res.status === 429 || res.status === 503 ? retryAfterMs(typeof retryAfter === 'string' ? retryAfter : null) : null;
      // Temporal's next attempt then comes after the provider's delay instead of the retry policy's backoff.
      if (wait !== null) throw ApplicationFailure.create({ type: 'ProviderBusy', message: answered, nextRetryDelay: wait });
      throw new Error(answered);
    },
  };
}

/** The answer's status and the first EXCERPT_BYTES of its body as text (cut at a character boundary). */
export function excerptOf(res: Pick<OutboundAnswer, 'status' | 'body' | 'truncated'>): AnswerExcerpt {
  let end = Math.min(res.body.length, EXCERPT_BYTES);
  // Not inside a UTF-8 sequence: back up over continuation bytes to the start of the cut character.
  if (end < res.body.length) while (end > 0 && (res.body[end]! & 0xc0) === 0x80) end--;
  return { status: res.status, excerpt: res.body.subarray(0, end).toString('utf8'), truncated: res.truncated || end < res.body.length };
}

/** The provider's id for the message: `id` of its JSON answer, when it sent one whole. */
export function messageIdOf(res: OutboundAnswer): string | null {
  if (res.truncated) return null;
  try {
    const id = (JSON.parse(res.body.toString('utf8')) as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}
