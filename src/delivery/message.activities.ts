import { ownRows } from '../db/own-rows.js';
// The send activities of journeys and flows: one touch on any channel, rendered and sent at most once. The
// message row's fate is written by message-record.ts.
import type { ChannelName } from '../domain/channels.js';
import { eq, and } from 'drizzle-orm';
import { customers } from '../db/schema.js';
import { customerVars } from '../templates/vars.js';
import { FencedOut, type OutgoingMessage } from '../channels/channel.js';
import type { ProviderChannelName } from '../channels/provider.js';
import { cartSkus } from '../recommendations/template-vars.js';
import { unsubscribeUrl } from '../domain/email-tracking.js';
import { renderTemplate } from '../templates/render.js';
import { recommendationVars } from '../recommendations/message-vars.js';
import { isSuppressed } from '../delivery/suppressions.js';
import type { ActivityDeps } from '../worker/activities.js';
import { createMessageRecord, type MessageKey, type SendResult, TOUCH_LEASE_SECONDS } from './message-record.js';
import { untilRecorded } from './record-retry.js';
import { log } from '../observability/logger.js';
import { messagesRecorded } from '../observability/touches.js';
import { HOLDOUT } from '../experiments/assignment.js';
import { stepArm } from '../experiments/step-arms.js';

export type { SendResult };

/** Who and what a touch is for; the idempotency key (workflow id + step) makes it happen at most once. */
interface TouchInput extends MessageKey {
  vars: Record<string, unknown>;
}

export interface SendEmailInput extends TouchInput {
  template: { subject: string; html: string; text: string };
}

export interface SendMessageInput extends TouchInput {
  channel: ProviderChannelName;
  /** Liquid templates by part: sms { text }, push { title, body, data? }, wechat { template_id, url?, <data key>… }, webhook { body? }. */
  template: Record<string, string>;
  /** webhook: where to POST. */
  url?: string;
}

export function createMessageActivities({ db, channels, config, settings: workspaceSettings }: ActivityDeps) {
  const record = createMessageRecord(db);

  /**
   * One touch on any channel, at most once per idempotency key: the claim inserts its row and takes its
   * lease with this attempt's token (a retry that overlaps a slow first attempt backs off, is retried, and
   * then finds the message done); just before the hand-over the row is marked sending, in a statement that
   * checks the token, so an attempt whose lease was taken over sends nothing; once the server or provider
   * has answered, the answer's record is retried through a database blip rather than left for a resend.
   * Erased, no channel configured, opted out of the channel, no address on it (no_email_address, no_phone,
   * no_wechat_openid) or a suppressed address: skipped with the reason — never silently dropped.
   * Otherwise rendered (a template that cannot render is recorded failed, as it would fail again) and sent:
   * sent with the provider's answer stored; rejected (HTTP 4xx, SMTP 5xx): failed, not retried; a
   * transient failure (server down, 5xx, timeout): thrown, so Temporal retries (after the provider's
   * Retry-After on a 429 or 503).
   */
  async function deliver(
    input: TouchInput,
    touch: { channel: ChannelName },
    template: Record<string, string>,
    target?: string,
  ): Promise<SendResult> {
    let name = touch.channel;
    const claimed = await record.claim(input, name);
    if ('done' in claimed) return claimed.done;
    const { row, token } = claimed;
    const finish = (status: 'skipped' | 'failed', reason: string, extra?: Parameters<typeof record.finish>[4]) =>
      record.finish(row, token, status, reason, extra);
    const release = (err: unknown) => record.release(row, token, err);

    const [customer] = await db
      .select()
      .from(customers)
      .where(and(ownRows(customers), eq(customers.id, input.customerId)));
    if (!customer || customer.erasedAt) return finish('skipped', 'erased');
    // An experiment on the step: the customer's arm decides the template and the channel, or (the holdout)
    // that nothing goes. Before the channel's checks, which are the arm's channel's.
    const arm = await stepArm(db, { ...input, messageId: row.id }, name, template);
    if (arm?.variant === HOLDOUT) return finish('skipped', 'holdout');
    if (arm) {
      template = arm.template;
      // The arm's channel is the touch's: its metrics count it there.
      name = touch.channel = arm.channel;
    }
    const channel = channels[name];
    const settings = await workspaceSettings.current();
    // The workspace's own provider, sender or signing secret, where it has one; else the channel's own.
    const override = settings.channels[name];
    const url = name === 'webhook' ? target : (override.url ?? channel?.url);
    if (!channel || !url) return finish('skipped', 'channel_not_configured');
    if (customer.consent[name] === false) return finish('skipped', 'unsubscribed');
    const address = channel.address(customer, url);
    if ('skip' in address) return finish('skipped', address.skip);
    const { to } = address;
    // Checked at each send, so an address that bounced after the journey started gets nothing more.
    if (channel.suppression && (await isSuppressed(db, channel.suppression, to))) return finish('skipped', 'suppressed', { recipient: to });

    // {{ recommendations }} (and _user, _content…): looked up only for templates that use them, without what the cart holds.
    let recommendations: Awaited<ReturnType<typeof recommendationVars>>;
    try {
      recommendations = await recommendationVars(db, customer.id, template, cartSkus(input.vars));
    } catch (err) {
      return release(err);
    }

    const profile = customerVars(customer);
    const content: Record<string, string> = {};
    try {
      const vars = {
        ...input.vars,
        ...recommendations,
        ...(config.tracking ? { unsubscribe_url: unsubscribeUrl(config.tracking, row.id) } : {}),
        brand: settings.brand,
        customer: profile,
      };
      for (const [part, source] of Object.entries(template)) content[part] = renderTemplate(source, vars, channel.format(part));
      const wrong = channel.check?.(content);
      if (wrong) throw new Error(wrong);
    } catch (err) {
      // A template that cannot render will not render on a retry either: record it, send nothing.
      return finish('failed', `template error: ${(err as Error).message}`);
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

    // The fence, at the last moment before the hand-over: marked sending (from then on no other attempt
    // sends this message), or — the lease lost to another attempt — nothing is handed over.
    const commit = () =>
      record.markSending({
        id: row.id,
        token,
        plannedId: channel.plannedId?.(message, options) ?? null,
        recipient: to,
        leaseSeconds: TOUCH_LEASE_SECONDS,
      });
    const options = { ...override, messageId: row.id, url, tracking: config.tracking, commit };
    let result;
    try {
      // The row's id is in every tracking link, so a retry sends the same links.
      result = await channel.send(message, options);
    } catch (err) {
      // Another attempt's now: it (or a retry of this one, finding the message done) decides.
      if (err instanceof FencedOut) throw err;
      return release(err);
    }
    // Accepted or refused: that answer is recorded, through a database blip, never lost to a resend.
    if (result.outcome === 'rejected') {
      const { error, response } = result;
      return untilRecorded(() => finish('failed', error, { ...stored, response: response ?? null }));
    }
    const sent = {
      ...stored,
      bodyHtml: result.html ?? bodyHtml,
      links: result.links ?? null,
      providerMessageId: result.providerMessageId,
      response: result.response,
    };
    return untilRecorded(() => record.markSent(row, token, sent));
  }

  /** The touch's fate, counted once the activity has it (a transient failure is not one: it is retried). */
  const counted = (channel: ChannelName, result: SendResult): SendResult => {
    messagesRecorded(channel, result.status, result.reason);
    // The line carries the activity's workflow id and type (src/observability/logger.ts).
    log.debug({ channel, status: result.status, reason: result.reason, messageId: result.messageId }, 'message recorded');
    return result;
  };

  return {
    /** One email of a journey or flow (see `deliver`). */
    async sendEmail(input: SendEmailInput): Promise<SendResult> {
      const touch = { channel: 'email' as ChannelName };
      return counted(touch.channel, await deliver(input, touch, input.template));
    },

    /** One SMS, push, WeChat or webhook touch of a journey or flow (see `deliver`). */
    async sendMessage(input: SendMessageInput): Promise<SendResult> {
      const touch = { channel: input.channel as ChannelName };
      return counted(touch.channel, await deliver(input, touch, input.template, input.url));
    },
  };
}
