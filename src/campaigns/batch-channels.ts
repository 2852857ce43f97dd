// A broadcast batch's recipients by the channel each message goes out on, in the order they are sent: the
// campaign's one channel (an experiment's channel arms on theirs), or each of a campaign's several channels
// in turn — all of them, or each next one only where the one before could not reach (fallback). The batch
// (send-batch.ts) claims, sends and waits for each group before it asks for the next.
import { and, eq, inArray, or } from 'drizzle-orm';
import { ownRows } from '../db/own-rows.js';
import { messages } from '../db/schema.js';
import { executionRecords } from '../delivery/message-record.js';
import type { ChannelName } from '../domain/channels.js';
import { channelOf } from '../templates/parts.js';
import type { ActivityDeps } from '../worker/activities.js';
import type { Batch, Profile } from './batch.js';

/**
 * Why a record on one channel of a `fallback` campaign hands its customer to the next channel: the channel
 * cannot reach them (no address, no consent, the address suppressed — a hard bounce or a complaint puts it
 * there), or the send was refused for good (`failed`). Not a frequency cap, a cancel or end_time: those
 * would stop the next channel too.
 */
export const FALLBACK_REASONS = ['no_email_address', 'no_phone', 'no_wechat_openid', 'unsubscribed', 'suppressed'] as const;

export function createChannelPlan({ db, channels }: Pick<ActivityDeps, 'db' | 'channels'>) {
  /** Of `audience`, those whose record on `batch`'s channel hands them to the next channel of a fallback campaign. */
  async function fellThrough(batch: Batch, audience: Profile[]): Promise<Profile[]> {
    const { input } = batch;
    const rows = await db
      .select({ customerId: messages.customerId })
      .from(messages)
      .where(
        and(
          ownRows(messages),
          executionRecords(input.campaignId, input.executionId),
          eq(messages.channel, batch.channel),
          inArray(
            messages.customerId,
            audience.map((c) => c.id),
          ),
          or(eq(messages.status, 'failed'), and(eq(messages.status, 'skipped'), inArray(messages.errorMessage, [...FALLBACK_REASONS]))),
        ),
      );
    const next = new Set(rows.map((r) => r.customerId));
    return audience.filter((c) => next.has(c.id));
  }

  /** The batch as one channel of a campaign on several sees it: that channel's adapter, URL, parts and record keys. */
  function onChannel(batch: Batch, ch: NonNullable<Batch['several']>['channels'][number]): Batch {
    const channel = channelOf(ch.type);
    const sender = channels[channel];
    const target = channel === 'webhook' ? (batch.campaign.webhookUrl ?? undefined) : (batch.settings.channels[channel].url ?? sender?.url);
    return { ...batch, channel, sender, target, parts: ch.parts, recordKey: ch.recordKey };
  }

  /**
   * The batch's recipients by channel, in the order they are sent: one channel's (with an experiment's
   * channel arms), or each of a campaign's several channels in turn — `all`: everyone on each; `fallback`:
   * the first channel to everyone, each next one to those the one before did not reach (read from its
   * records once it is through, so a retry decides the same).
   */
  async function* groups(batch: Batch, audience: Profile[]): AsyncGenerator<{ batch: Batch; audience: Profile[] }> {
    const several = batch.several;
    if (!several) {
      yield* channelGroups(batch, audience);
      return;
    }
    let left = audience;
    for (const ch of several.channels) {
      if (left.length === 0) return;
      const on = onChannel(batch, ch);
      yield { batch: on, audience: left };
      if (several.mode === 'fallback') left = await fellThrough(on, left);
    }
  }

  /**
   * The batch's recipients by the channel they are sent on: the campaign's, or a channel arm's (an
   * experiment variant on another channel), each with the batch as that channel sees it (its adapter, its
   * URL): consent, address, suppression, rate and the record's channel are that channel's.
   */
  function channelGroups(batch: Batch, audience: Profile[]): Array<{ batch: Batch; audience: Profile[] }> {
    const armChannel = new Map<string, ChannelName>();
    for (const v of batch.experiment?.row.variants ?? []) if (v.channel && v.channel !== batch.channel) armChannel.set(v.key, v.channel);
    if (armChannel.size === 0) return [{ batch, audience }];
    const byChannel = new Map<ChannelName, Profile[]>();
    for (const c of audience) {
      const ch = armChannel.get(batch.arms?.get(c.id) ?? '') ?? batch.channel;
      byChannel.set(ch, [...(byChannel.get(ch) ?? []), c]);
    }
    return [...byChannel].map(([ch, list]) => {
      if (ch === batch.channel) return { batch, audience: list };
      const sender = channels[ch];
      return { batch: { ...batch, channel: ch, sender, target: batch.settings.channels[ch].url ?? sender?.url }, audience: list };
    });
  }

  return groups;
}
