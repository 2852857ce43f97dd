import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { customers, messages } from '../db/schema.js';
import type { ChannelName, OutgoingMessage } from '../channels/channel.js';
import type { ProviderChannelName } from '../channels/provider.js';
import { cartSkus, EMAIL_RECOMMENDATIONS, mentionsRecommendations } from '../recommendations/template-vars.js';
import { unsubscribeUrl } from '../domain/email-tracking.js';
import { renderTemplate } from '../templates/render.js';
import { customerVars } from '../templates/vars.js';
import { recommendFor } from '../recommendations/similarity.js';
import { isSuppressed } from '../delivery/suppressions.js';
import type { ActivityDeps } from '../worker/activities.js';

/** Who and what a touch is for; the idempotency key (workflow id + step) makes it happen at most once. */
interface TouchInput {
  idempotencyKey: string;
  customerId: string;
  journeyKey: string;
  journeyVersion: number | null;
  workflowId: string;
  stepKey: string;
  vars: Record<string, unknown>;
}

export interface SendEmailInput extends TouchInput {
  template: { subject: string; html: string; text: string };
}

export interface SendResult {
  status: 'sent' | 'skipped' | 'failed';
  messageId: string;
  reason?: string;
}

export interface SendMessageInput extends TouchInput {
  channel: ProviderChannelName;
  /** Liquid templates by part: sms { text }, push { title, body, data? }, wechat { template_id, url?, <data key>… }, webhook { body? }. */
  template: Record<string, string>;
  /** webhook: where to POST. */
  url?: string;
}

/** Longer than the activity's start-to-close timeout, so a live attempt never loses its lease. */
const LEASE = '2 minutes';

type MessageRow = typeof messages.$inferSelect;
/** A touch without its template variables: what identifies it and where it comes from. */
export type MessageKey = Omit<TouchInput, 'vars'>;

/** The message row's columns that a touch's key fills (the claim's insert and pacing's reservation). */
export const keyColumns = (key: MessageKey) => ({
  idempotencyKey: key.idempotencyKey,
  customerId: key.customerId,
  journeyKey: key.journeyKey,
  journeyVersion: key.journeyVersion,
  workflowId: key.workflowId,
  stepKey: key.stepKey,
});

export function createMessageActivities({ db, channels, config }: ActivityDeps) {
  /**
   * Inserts the touch's row once (UNIQUE idempotency key) and takes its lease, in one statement: the row to
   * send, or the result of an earlier attempt that finished it. An attempt in progress elsewhere is an
   * error, so Temporal retries this one later, when it will find the message done.
   * No transaction stays open across the send (PGlite has a single connection).
   */
  async function claim(input: MessageKey, channel: MessageRow['channel']): Promise<{ row: MessageRow } | { done: SendResult }> {
    // One statement: a new row comes with its lease; an existing one is leased only while it is pending and
    // no live attempt holds it. No row back means sent, skipped, failed, or being sent elsewhere.
    const lease = { leaseUntil: sql`now() + ${LEASE}::interval`, updatedAt: sql`now()` };
    const [row] = await db
      .insert(messages)
      .values({
        ...keyColumns(input),
        channel,
        attempts: 1,
        ...lease,
      })
      .onConflictDoUpdate({
        target: messages.idempotencyKey,
        set: { ...lease, attempts: sql`${messages.attempts} + 1` },
        setWhere: and(eq(messages.status, 'pending'), or(isNull(messages.leaseUntil), lt(messages.leaseUntil, sql`now()`))),
      })
      .returning();
    if (row) return { row };
    const [current] = await db.select().from(messages).where(eq(messages.idempotencyKey, input.idempotencyKey));
    if (!current) throw new Error(`message ${input.idempotencyKey} vanished`);
    if (current.status === 'pending') throw new Error(`message ${input.idempotencyKey} is being sent by another attempt`);
    const status = current.status === 'skipped' || current.status === 'failed' ? current.status : 'sent';
    return { done: { status, messageId: current.id, reason: current.errorMessage ?? undefined } };
  }

  /** Records a touch that will not be sent (skipped) or cannot be (failed): not retried. */
  async function finish(row: MessageRow, status: 'skipped' | 'failed', reason: string, extra: Partial<MessageRow> = {}): Promise<SendResult> {
    await db
      .update(messages)
      .set({ ...extra, status, errorMessage: reason, leaseUntil: null, updatedAt: sql`now()` })
      .where(eq(messages.id, row.id));
    return { status, messageId: row.id, reason };
  }

  /** A transient failure (server down, timeout): the row stays pending with the error, and Temporal retries. */
  async function release(row: MessageRow, err: unknown): Promise<never> {
    await db
      .update(messages)
      .set({ errorMessage: (err as Error).message, leaseUntil: null, updatedAt: sql`now()` })
      .where(eq(messages.id, row.id));
    throw err;
  }

  async function markSent(row: MessageRow, fields: Partial<MessageRow>): Promise<SendResult> {
    await db
      .update(messages)
      .set({ ...fields, status: 'sent', errorMessage: null, leaseUntil: null, sentAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(messages.id, row.id));
    return { status: 'sent', messageId: row.id };
  }

  /**
   * One touch on any channel, at most once per idempotency key: the claim inserts its row and takes its
   * lease (a retry that overlaps a slow first attempt backs off, is retried, and then finds the message
   * done). Erased, no channel configured, opted out of the channel, no address on it (no_email_address,
   * no_phone, no_wechat_openid) or a suppressed address: skipped with the reason — never silently dropped.
   * Otherwise rendered (a template that cannot render is recorded failed, as it would fail again) and sent:
   * sent with the provider's answer stored; rejected (HTTP 4xx, SMTP 5xx): failed, not retried; a
   * transient failure (server down, 5xx, timeout): thrown, so Temporal retries (after the provider's
   * Retry-After on a 429 or 503).
   */
  async function deliver(input: TouchInput, name: ChannelName, template: Record<string, string>, target?: string): Promise<SendResult> {
    const claimed = await claim(input, name);
    if ('done' in claimed) return claimed.done;
    const { row } = claimed;

    const [customer] = await db.select().from(customers).where(eq(customers.id, input.customerId));
    if (!customer || customer.erasedAt) return finish(row, 'skipped', 'erased');
    const channel = channels[name];
    const url = name === 'webhook' ? target : channel?.url;
    if (!channel || !url) return finish(row, 'skipped', 'channel_not_configured');
    if (customer.consent[name] === false) return finish(row, 'skipped', 'unsubscribed');
    const address = channel.address(customer, url);
    if ('skip' in address) return finish(row, 'skipped', address.skip);
    const { to } = address;
    // Checked at each send, so an address that bounced after the journey started gets nothing more.
    if (channel.suppression && (await isSuppressed(db, channel.suppression, to))) return finish(row, 'skipped', 'suppressed', { recipient: to });

    // {{ recommendations }}: looked up only for templates that use it, without what the cart holds.
    let recommendations: Array<{ sku: string; name: string | null; category: string | null; score: number }> | undefined;
    if (mentionsRecommendations(template)) {
      try {
        const found = await recommendFor(db, customer.id, { limit: EMAIL_RECOMMENDATIONS, exclude: cartSkus(input.vars) });
        recommendations = found.items.map(({ sku, name, category, score }) => ({ sku, name, category, score }));
      } catch (err) {
        return release(row, err);
      }
    }

    const profile = customerVars(customer);
    const content: Record<string, string> = {};
    try {
      const vars = {
        ...input.vars,
        ...(recommendations ? { recommendations } : {}),
        ...(config.tracking ? { unsubscribe_url: unsubscribeUrl(config.tracking, row.id) } : {}),
        brand: config.brand,
        customer: profile,
      };
      for (const [part, source] of Object.entries(template)) content[part] = renderTemplate(source, vars, channel.format(part));
      const wrong = channel.check?.(content);
      if (wrong) throw new Error(wrong);
    } catch (err) {
      // A template that cannot render will not render on a retry either: record it, send nothing.
      return finish(row, 'failed', `template error: ${(err as Error).message}`);
    }
    const message: OutgoingMessage = {
      channel: name,
      idempotency_key: input.idempotencyKey,
      customer_id: customer.id,
      to,
      content,
      source: { journey: input.journeyKey, version: input.journeyVersion, step: input.stepKey, workflow_id: input.workflowId },
      ...(name === 'webhook' ? { customer: profile, event: input.vars.event as Record<string, unknown> | undefined } : {}),
    };
    const { subject, bodyText, bodyHtml } = channel.stored(content);
    const stored = { recipient: to, subject, bodyText, bodyHtml };

    let result;
    try {
      // The row's id is in every tracking link, so a retry sends the same links.
      result = await channel.send(message, { messageId: row.id, url, tracking: config.tracking });
    } catch (err) {
      return release(row, err);
    }
    if (result.outcome === 'rejected') return finish(row, 'failed', result.error, { ...stored, response: result.response ?? null });
    return markSent(row, {
      ...stored,
      bodyHtml: result.html ?? bodyHtml,
      links: result.links ?? null,
      providerMessageId: result.providerMessageId,
      response: result.response,
    });
  }

  return {
    /** One email of a journey or flow (see `deliver`). */
    async sendEmail(input: SendEmailInput): Promise<SendResult> {
      return deliver(input, 'email', input.template);
    },

    /** One SMS, push, WeChat or webhook touch of a journey or flow (see `deliver`). */
    async sendMessage(input: SendMessageInput): Promise<SendResult> {
      return deliver(input, input.channel, input.template, input.url);
    },
  };
}
