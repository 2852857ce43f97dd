// A broadcast batch's sending: its claimed records rendered and sent (or simulated) a few at a time at the
// channel's rate, each fenced (marked sending under the batch's claim token just before the hand-over) and
// its outcome recorded as it comes; the batch stops early when its `stop` says so (end_time, a pause or
// cancel, or a newer attempt of the batch). send-batch.ts claims the records and counts them afterwards.
import type { ChannelName } from '../domain/channels.js';
import { FencedOut, type OutgoingMessage } from '../channels/channel.js';
import { bothLimits, createRateLimiter, type RateLimiter } from '../channels/rate-limit.js';
import type { Customer } from '../db/schema.js';
import { unsubscribeUrl } from '../domain/email-tracking.js';
import { customerVars } from '../templates/vars.js';
import { BATCH_LEASE_SECONDS, type BatchOutcome, type MessageRecord } from '../delivery/message-record.js';
import { untilRecorded } from '../delivery/record-retry.js';
import { renderTemplate } from '../templates/render.js';
import type { ActivityDeps } from '../worker/activities.js';
import { addressOf, type Batch, type Profile } from './batch.js';

/** Why a batch stops before its end: end_time came, the campaign was paused or cancelled, or Temporal started a newer attempt of it. */
export type Halt = 'end_time' | 'paused' | 'cancelled' | 'superseded';

/** A running batch's stop flag: set by its watch (send-batch.ts) or by the sending itself at end_time. */
export interface Stop {
  halt: Halt | null;
}

export function createRecordSender({ config }: ActivityDeps, record: MessageRecord) {
  const settings = config.campaigns ?? {};
  const concurrency = settings.concurrency ?? 10;
  // One limiter per channel for the whole worker: every campaign on it shares the channel's rate.
  const channelLimits = new Map<ChannelName, RateLimiter>();
  const channelLimiter = (channel: ChannelName) => {
    let limiter = channelLimits.get(channel);
    if (!limiter) channelLimits.set(channel, (limiter = createRateLimiter(settings.rateLimits?.[channel] ?? 0)));
    return limiter;
  };

  /** A record's parts rendered for its customer, or the template error (the record fails: it would fail again). */
  function render(
    batch: Batch,
    rowId: string,
    customer: Profile,
  ): { content: Record<string, string>; profile: Record<string, unknown> } | { error: string } {
    // A pending record passed skipReason: the channel is configured and the customer has an address on it.
    const ch = batch.sender!;
    const profile = customerVars(customer as Customer);
    const vars = {
      brand: batch.settings.brand,
      customer: profile,
      campaign: { id: batch.campaign.id, name: batch.campaign.name },
      ...(config.tracking ? { unsubscribe_url: unsubscribeUrl(config.tracking, rowId) } : {}),
    };
    try {
      const variant = batch.arms?.get(customer.id);
      const parts = (variant && batch.experiment?.parts.get(variant)) || batch.parts;
      const content = Object.fromEntries(Object.entries(parts).map(([part, src]) => [part, renderTemplate(src, vars, ch.format(part))]));
      const wrong = ch.check?.(content);
      if (wrong) throw new Error(wrong);
      return { content, profile };
    } catch (err) {
      return { error: `template error: ${(err as Error).message}` };
    }
  }

  /**
   * Sends the records this attempt claimed (`token`) in customer order, `concurrency` at a time. Returns the
   * customers whose records it finished, and the first transient failure: that record went back to pending
   * unclaimed, so the activity's retry sends it. A record whose claim was taken over is left to its new holder.
   */
  return async function sendRecords(
    batch: Batch,
    token: string,
    pending: Array<{ id: string; customer_id: string }>,
    byId: Map<string, Profile>,
    stop: Stop,
  ): Promise<{ finished: Set<string>; transient: Error | null }> {
    const { input, channel, simulate } = batch;
    const limit = simulate
      ? async () => {}
      : bothLimits(channelLimiter(channel), batch.campaign.rateLimit ? createRateLimiter(batch.campaign.rateLimit) : undefined);
    // Set by the send loops below (closures), so not narrowed to its initial null.
    let transient = null as Error | null;
    const pastEnd = () => input.endAt !== null && Date.now() >= input.endAt;
    const finished = new Set<string>();
    // Written through a database blip: a record left pending after its message went would be sent again.
    const recorded = async (outcome: Omit<BatchOutcome, 'token'>) => {
      await untilRecorded(() => record.recordOutcome({ ...outcome, token }));
      return true;
    };

    /** Renders and sends (or simulates) one record; false when it was left (halted, taken over, or a transient failure). */
    const one = async (rowId: string, customer: Profile): Promise<boolean> => {
      const rendered = render(batch, rowId, customer);
      if ('error' in rendered) return recorded(blank(rowId, 'failed', rendered.error));
      const { content, profile } = rendered;
      const ch = batch.sender!;
      const to = addressOf(batch, customer) ?? '';
      const kept = ch.stored(content);
      const stored = { recipient: to, subject: kept.subject, text: kept.bodyText, html: simulate ? kept.bodyHtml : null };
      if (simulate) return recorded({ ...blank(rowId, 'simulated', null), ...stored });

      await limit();
      if (pastEnd()) {
        stop.halt ??= 'end_time';
        return false;
      }
      if (stop.halt) return false;
      const message: OutgoingMessage = {
        channel,
        idempotency_key: batch.recordKey(customer.id),
        customer_id: customer.id,
        to,
        content,
        source: { journey: `campaign:${batch.campaign.id}`, version: null, step: input.executionId, workflow_id: batch.workflowId },
        ...(channel === 'webhook' ? { customer: profile } : {}),
      };
      // The fence, at the last moment before the hand-over: only the attempt whose claim this still is marks
      // it sending, and only once; otherwise nothing is handed over.
      const commit = () =>
        record.markSending({
          id: rowId,
          token,
          plannedId: ch.plannedId?.(message, options) ?? null,
          recipient: to,
          leaseSeconds: BATCH_LEASE_SECONDS,
        });
      const options = { ...batch.settings.channels[channel], messageId: rowId, url: batch.target, tracking: config.tracking, commit };
      let result;
      try {
        result = await ch.send(message, options);
      } catch (err) {
        // Another attempt holds it: left to that one.
        if (err instanceof FencedOut) return false;
        // Nothing was accepted: unclaimed again, the activity fails once the batch is through, and its retry sends it.
        // Through a database blip too: a fence write that committed as the database went away would otherwise
        // leave it marked sending, and the next attempt would settle a message never handed over as uncertain.
        transient ??= err as Error;
        await untilRecorded(() => record.unmarkSending(rowId, token, (err as Error).message)).catch(() => {});
        return false;
      }
      if (result.outcome === 'rejected')
        return recorded({ ...blank(rowId, 'failed', result.error), ...stored, response: result.response ?? null });
      return recorded({
        ...blank(rowId, 'sent', null),
        ...stored,
        links: result.links ?? null,
        providerMessageId: result.providerMessageId,
        response: result.response,
      });
    };

    pending.sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1));
    let next = 0;
    const workers = Array.from({ length: Math.min(concurrency, pending.length) }, async () => {
      while (next < pending.length && !stop.halt) {
        if (pastEnd()) {
          stop.halt ??= 'end_time';
          break;
        }
        const row = pending[next++]!;
        if (await one(row.id, byId.get(row.customer_id)!)) finished.add(row.customer_id);
      }
    });
    await Promise.all(workers);
    return { finished, transient };
  };
}

const blank = (id: string, status: BatchOutcome['status'], error: string | null): Omit<BatchOutcome, 'token'> => ({
  id,
  status,
  error,
  recipient: null,
  subject: null,
  text: null,
  html: null,
  links: null,
  providerMessageId: null,
  response: null,
});
