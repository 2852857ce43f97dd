import { ownRows } from '../db/own-rows.js';
// A broadcast batch's sending: its claimed records rendered and sent (or simulated) a few at a time at the
// channel's rate, each outcome recorded as it comes; the batch stops early at end_time or when the
// campaign is paused or cancelled. send-batch.ts claims the records and counts them afterwards.
import type { ChannelName } from '../domain/channels.js';
import { Context } from '@temporalio/activity';
import { eq, and } from 'drizzle-orm';
import type { OutgoingMessage } from '../channels/channel.js';
import { bothLimits, createRateLimiter, type RateLimiter } from '../channels/rate-limit.js';
import { type Customer, marketingCampaigns } from '../db/schema.js';
import { unsubscribeUrl } from '../domain/email-tracking.js';
import { customerVars } from '../templates/vars.js';
import type { BatchOutcome, MessageRecord } from '../delivery/message-record.js';
import { renderTemplate } from '../templates/render.js';
import type { ActivityDeps } from '../worker/activities.js';
import { addressOf, type Batch, type Profile } from './batch.js';

/** Why a batch stops before its end: end_time came, or the campaign was paused or cancelled. */
export type Halt = 'end_time' | 'paused' | 'cancelled';

export function createRecordSender({ db, config }: ActivityDeps, record: MessageRecord) {
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
      const content = Object.fromEntries(
        Object.entries(batch.parts).map(([part, src]) => [part, renderTemplate(src, vars, ch.format(part))]),
      );
      const wrong = ch.check?.(content);
      if (wrong) throw new Error(wrong);
      return { content, profile };
    } catch (err) {
      return { error: `template error: ${(err as Error).message}` };
    }
  }

  /**
   * Sends the batch's `pending` records in customer order, `concurrency` at a time. Returns the customers
   * whose records it finished, and why it stopped early (null: it did not). A transient send failure
   * leaves its record pending and is thrown once the batch is through, so the activity's retry sends
   * what is left.
   */
  return async function sendRecords(
    batch: Batch,
    pending: Array<{ id: string; customer_id: string }>,
    byId: Map<string, Profile>,
  ): Promise<{ finished: Set<string>; halt: Halt | null }> {
    const { input, channel, simulate } = batch;
    const limit = simulate
      ? async () => {}
      : bothLimits(channelLimiter(channel), batch.campaign.rateLimit ? createRateLimiter(batch.campaign.rateLimit) : undefined);
    // Set by the send loops below (closures), so not narrowed to its initial null.
    let transient = null as Error | null;
    let halt: Halt | null = null;
    const pastEnd = () => input.endAt !== null && Date.now() >= input.endAt;
    const finished = new Set<string>();
    const recorded = async (outcome: BatchOutcome) => {
      await record.recordOutcome(outcome);
      return true;
    };

    /** Renders and sends (or simulates) one record; false when it was left pending (halted, or a transient failure). */
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
        halt = 'end_time';
        return false;
      }
      const message: OutgoingMessage = {
        channel,
        idempotency_key: batch.recordKey(customer.id),
        customer_id: customer.id,
        to,
        content,
        source: { journey: `campaign:${batch.campaign.id}`, version: null, step: input.executionId, workflow_id: batch.workflowId },
        ...(channel === 'webhook' ? { customer: profile } : {}),
      };
      try {
        const result = await ch.send(message, {
          ...batch.settings.channels[channel],
          messageId: rowId,
          url: batch.target,
          tracking: config.tracking,
        });
        if (result.outcome === 'rejected')
          return recorded({ ...blank(rowId, 'failed', result.error), ...stored, response: result.response ?? null });
        return recorded({
          ...blank(rowId, 'sent', null),
          ...stored,
          links: result.links ?? null,
          providerMessageId: result.providerMessageId,
          response: result.response,
        });
      } catch (err) {
        // Left pending: the activity fails once the batch is through, and its retry sends what is left.
        transient ??= err as Error;
        return false;
      }
    };

    // Every second: a heartbeat (a worker that dies stops them, and Temporal retries the batch elsewhere),
    // and a look at the campaign, so a pause or cancel stops the batch within a second.
    const watch = setInterval(() => {
      Context.current().heartbeat({ finished: finished.size });
      if (input.mode !== 'actual') return;
      db.select({ status: marketingCampaigns.status })
        .from(marketingCampaigns)
        .where(and(ownRows(marketingCampaigns), eq(marketingCampaigns.id, input.campaignId)))
        .then(([row]) => {
          if (row?.status === 'paused' || row?.status === 'cancelled') halt ??= row.status;
        })
        .catch(() => {});
    }, 1000);
    try {
      pending.sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1));
      let next = 0;
      const workers = Array.from({ length: Math.min(concurrency, pending.length) }, async () => {
        while (next < pending.length && !halt) {
          if (pastEnd()) {
            halt = 'end_time';
            break;
          }
          const row = pending[next++]!;
          if (await one(row.id, byId.get(row.customer_id)!)) finished.add(row.customer_id);
        }
      });
      await Promise.all(workers);
    } finally {
      clearInterval(watch);
    }
    if (transient) throw transient;
    return { finished, halt };
  };
}

const blank = (id: string, status: BatchOutcome['status'], error: string | null): BatchOutcome => ({
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
