// SMS, push and webhook messages as one JSON POST to a provider (or, for a webhook, to the action's own URL).
// A small, real adapter until signed provider adapters exist: the provider behind the URL does the rest.

/**
 * The body POSTed for every SMS, push and webhook message (README: "Provider JSON body"). The same
 * `idempotency_key` (also the `Idempotency-Key` header) comes with every retry of one touch.
 */
export interface ProviderMessage {
  channel: 'sms' | 'push' | 'webhook';
  idempotency_key: string;
  customer_id: string;
  /** sms: the phone number (E.164); push: the customer id (the provider knows their devices); webhook: the URL. */
  to: string;
  /** sms: { text }; push: { title, body }; webhook: { body? } — rendered templates. */
  content: Record<string, string>;
  /** Where the touch comes from: the flow, its version and the action. */
  source: { journey: string; version: number | null; step: string; workflow_id: string };
  /** webhook only: the customer profile and the event that started the run. */
  customer?: Record<string, unknown>;
  event?: Record<string, unknown>;
}

export type ProviderResult =
  | { outcome: 'sent'; status: number; response: Record<string, unknown> }
  /** 4xx (except 408 and 429): the provider refused this message; sending it again changes nothing. */
  | { outcome: 'rejected'; status: number; error: string };

export interface HttpChannel {
  /** The provider's URL; undefined when none is configured (messages are then recorded as skipped). */
  readonly url: string | undefined;
  /** POSTs one message to `url` (default: the provider's). Throws on a transient failure (5xx, 408, 429, timeout, refused). */
  send(message: ProviderMessage, url?: string): Promise<ProviderResult>;
}

export function createHttpChannel(options: { url?: string; timeoutMs?: number } = {}): HttpChannel {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    url: options.url,
    async send(message, url = options.url) {
      if (!url) throw new Error(`no provider URL for ${message.channel}`);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': message.idempotency_key, 'user-agent': 'Touchpoint' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const raw = await res.text().catch(() => '');
      if (res.ok) return { outcome: 'sent', status: res.status, response: { status: res.status, body: parseJson(raw) } };
      const error = `${message.channel} provider answered ${res.status}${raw ? `: ${raw.slice(0, 500)}` : ''}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        return { outcome: 'rejected', status: res.status, error };
      }
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
