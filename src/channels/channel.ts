// The one interface every channel implements — email over SMTP (email.ts) and the signed HTTP providers
// (provider.ts: SMS, push, WeChat, webhooks). Journeys, flows and broadcasts send through it alone
// (src/delivery/message.activities.ts, campaigns.ts): a channel says who a customer is on it, how its template
// parts render, what a message row keeps, and sends one message, sorting the answer into sent, rejected
// (permanent: recorded failed, never retried) or a thrown error (transient: Temporal retries).
import type { ChannelName, SuppressionChannel } from '../domain/channels.js';
import type { TrackingConfig } from '../domain/email-tracking.js';

/** The customer fields a channel may address a message by. */
export interface Addressee {
  id: string;
  email: string | null;
  phone: string | null;
  attributes: Record<string, unknown>;
}

/** One touch as the activities hand it to a channel, its template parts rendered. */
export interface OutgoingMessage {
  channel: ChannelName;
  idempotency_key: string;
  customer_id: string;
  /** The address from the channel's `address()`: email address, phone, customer id, WeChat openid, webhook URL. */
  to: string;
  /** The rendered template parts. */
  content: Record<string, string>;
  /** Where the touch comes from: the flow, journey or campaign, its version and the step. */
  source: { journey: string; version: number | null; step: string; workflow_id: string };
  /** webhook only: the customer profile and the event that started the run. */
  customer?: Record<string, unknown>;
  event?: Record<string, unknown>;
}

export interface SendOptions {
  /** The message row's id: tracking links and tokens name it. */
  messageId: string;
  /** Where to send, when not the channel's own URL (a webhook action's or campaign's URL, a workspace's own provider). */
  url?: string;
  /** HTTP channels: the signing secret, when not the channel's own (a workspace's). */
  secret?: string;
  /** Email: the From header, when not the channel's own (a workspace's mail_from). */
  from?: string;
  /** Open/click tracking and List-Unsubscribe (email); unset: sent as rendered. */
  tracking?: TrackingConfig;
  /**
   * The fence, called once just before the message is handed over for good (email: before the end of
   * DATA; HTTP: before the request): false or a failure, and nothing is handed over — the send throws
   * (FencedOut when it said false).
   */
  commit?: () => Promise<boolean>;
}

/** A send abandoned because its fence said no: another attempt holds the message. */
export class FencedOut extends Error {
  constructor(key: string) {
    super(`message ${key} is another attempt's to send`);
    this.name = 'FencedOut';
  }
}

export type SendOutcome =
  | {
      outcome: 'sent';
      providerMessageId: string | null;
      response: Record<string, unknown>;
      /** What went out when the channel changed the rendered body (tracked email HTML) and its link targets. */
      html?: string;
      links?: string[] | null;
    }
  /** Refused for good (an HTTP 4xx other than 408/429, an SMTP 5xx): sending it again changes nothing. */
  | { outcome: 'rejected'; error: string; response?: Record<string, unknown> };

/** What a message row keeps of a rendered message. */
export interface StoredContent {
  subject: string | null;
  bodyText: string | null;
  bodyHtml: string | null;
}

/** A channel's adapter: how messages of one channel are addressed, rendered, kept and sent. */
export interface ChannelAdapter {
  readonly name: ChannelName;
  /** Where the channel sends (the SMTP server, the provider's URL); undefined: not configured (a webhook's URL comes with each action or campaign). */
  readonly url: string | undefined;
  /** The suppression list a recipient's address is checked against before a send, if the channel has one. */
  readonly suppression?: SuppressionChannel;
  /** The customer's address on this channel, or the reason there is none (recorded as `skipped`). */
  address(customer: Addressee, target: string | undefined): { to: string } | { skip: string };
  /** How a template part renders: `html` escapes variables, `text` does not. */
  format(part: string): 'html' | 'text';
  /** What is wrong with rendered parts the channel cannot send (recorded as a template error), or null. */
  check?(content: Record<string, string>): string | null;
  /** What the message row keeps. */
  stored(content: Record<string, string>): StoredContent;
  /**
   * The id the receiving side will know the message by, when it is fixed before the send (email's
   * Message-ID): recorded as the message is marked sending, so a message whose answer was never recorded
   * can still be traced.
   */
  plannedId?(message: OutgoingMessage, options: SendOptions): string;
  /** Sends one message; throws on a transient failure (server down, 5xx, 408, 429, timeout). */
  send(message: OutgoingMessage, options: SendOptions): Promise<SendOutcome>;
}

export type ChannelAdapters = Record<ChannelName, ChannelAdapter>;
