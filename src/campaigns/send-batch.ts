// One batch of a broadcast, step by step: take its recipients, decide who gets nothing (consent, address,
// suppression, caps) and who waits out quiet hours, claim their records under this attempt's token, send
// the rest at the channel's rate (send-records.ts), wait for any another attempt still holds, and count
// what the records say. The sendCampaignBatch activity runs it.
import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { ownRows, workspaceIs } from '../db/own-rows.js';
import { audienceWhere } from './audience.js';
import type { ChannelAdapter as SendingChannel } from '../channels/channel.js';
import { customers, marketingCampaigns, type MessageStatus, messages } from '../db/schema.js';
import type { ChannelName } from '../domain/channels.js';
import { array, rowsOf } from '../db/sql-helpers.js';
import { type BroadcastCounts, emptyCounts, type RecordTally } from './broadcast-counts.js';
import { channelOf, typeOf } from '../templates/parts.js';
import { normaliseAddress } from '../delivery/suppression-lists.js';
import { suppressedAddresses } from '../delivery/suppressions.js';
import { capsOn, quietUntilByZone } from '../delivery/pacing.js';
import { cappedCustomers, lockCustomers } from '../delivery/pacing-locks.js';
import { BATCH_LEASE_SECONDS, executionRecords, type MessageRecord, newClaimToken, pendingRecords } from '../delivery/message-record.js';
import type { ActivityDeps } from '../worker/activities.js';
import { createRecordSender, type Stop } from './send-records.js';
import { createChannelPlan } from './batch-channels.js';
import { wasSent } from '../delivery/status-progress.js';
import { assignArms, HOLDOUT, testedCustomers } from '../experiments/arms.js';
import { inTest } from '../experiments/assignment.js';
import { sendTimeOf } from '../experiments/send-time.js';
import { bestHours } from '../experiments/best-hour.js';
import {
  addressOf,
  type Batch,
  type BatchCampaign,
  type CampaignBatchInput,
  type CampaignBatchResult,
  PROFILE,
  type Profile,
} from './batch.js';

/** Why a customer gets no message on this channel (recorded as skipped), or null. `suppressed`: the batch's listed addresses. */
function skipReason(c: Profile, channel: SendingChannel | undefined, target: string | undefined, suppressed: Set<string>): string | null {
  if (!channel || !target) return 'channel_not_configured';
  if (c.consent[channel.name] === false) return 'unsubscribed';
  const address = channel.address(c, target);
  if ('skip' in address) return address.skip;
  if (channel.suppression && suppressed.has(normaliseAddress(channel.suppression, address.to))) return 'suppressed';
  return null;
}

/** Seconds between renewals of a batch's record leases: a third of the lease. */
const RENEW_EVERY = Math.max(1, Math.floor(BATCH_LEASE_SECONDS / 3));

export function createBatchSender(deps: ActivityDeps, record: MessageRecord) {
  const { db, channels } = deps;
  const sendRecords = createRecordSender(deps, record);
  const groups = createChannelPlan(deps);

  /**
   * The batch's recipients: the next `limit` customers of the audience after `after`, or in the deferred
   * pass those (after `after`, by id) whose records waited for quiet hours that are over at `now`.
   * Recipients erased or deleted while they waited get nothing: their records are skipped (`erased`)
   * here, and counted.
   */
  async function recipients(batch: Batch, now: number): Promise<{ audience: Profile[]; erased: number; finalBefore?: string[] }> {
    const { input } = batch;
    if (!input.deferred) {
      const audience = await db
        .select(PROFILE)
        .from(customers)
        .where(audienceWhere(batch.campaign, input.after))
        .orderBy(asc(customers.id))
        .limit(input.limit);
      return { audience, erased: 0 };
    }
    const leaseOver = or(isNull(messages.leaseUntil), lte(messages.leaseUntil, new Date(now)));
    // Records another attempt of this batch holds are in it too: this attempt waits for them, and counts them.
    const due = or(leaseOver, sql`${messages.claimToken} is not null`);
    const erased = await record.skipPending(
      input.campaignId,
      input.executionId,
      'erased',
      and(leaseOver, sql`not exists (select 1 from ${customers} c where c.id = ${messages.customerId} and c.erased_at is null)`),
    );
    // One row per customer: on several channels a customer may have a pending record on each.
    const audience = await db
      .selectDistinctOn([customers.id], PROFILE)
      .from(messages)
      .innerJoin(customers, eq(customers.id, messages.customerId))
      .where(
        and(
          ownRows(messages),
          and(pendingRecords(input.campaignId, input.executionId), due, input.after === null ? undefined : gt(customers.id, input.after)),
        ),
      )
      .orderBy(asc(customers.id))
      .limit(input.limit);
    if (!batch.several || audience.length === 0) return { audience, erased };
    // Their records on other channels that were done before this pass: counted already, not again.
    const final = await db
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          ownRows(messages),
          executionRecords(input.campaignId, input.executionId),
          inArray(
            messages.customerId,
            audience.map((c) => c.id),
          ),
          sql`${messages.status} <> 'pending'`,
        ),
      );
    return { audience, erased, finalBefore: final.map((r) => r.id) };
  }

  /**
   * Decides each recipient's record and claims them all, in one transaction under the customers' pacing
   * locks: skipped (no consent or address, suppressed, at a frequency cap), waiting (inside their quiet
   * hours, actual sends only: pending and leased until the hours end, for the execution's deferred pass),
   * or to send. Records an attempt marked sending and never recorded (its lease lapsed) become uncertain
   * first. Returns the records this attempt (`token`) is to send now.
   */
  async function claim(batch: Batch, audience: Profile[], now: number, token: string): Promise<Array<{ id: string; customer_id: string }>> {
    const { input, sender } = batch;
    const { pacing } = batch.settings;
    const suppressed = sender?.suppression
      ? await suppressedAddresses(
          db,
          sender.suppression,
          audience.map((c) => addressOf(batch, c)),
        )
      : new Set<string>();
    // Webhooks are not messages to a person: neither quiet hours nor caps apply to them.
    const paced = batch.channel !== 'webhook';
    const quietUntil = batch.simulate || !paced || !pacing.quietHours ? null : quietUntilByZone(now, pacing);
    const ids = audience.map((c) => c.id);
    await record.settleAbandoned(and(executionRecords(input.campaignId, input.executionId), inArray(messages.customerId, ids))!);
    const claimed = await db.transaction(async (tx) => {
      if (capsOn(pacing.caps) && paced) await lockCustomers(tx, ids);
      const capped = paced ? await cappedCustomers(tx, ids, input.executionId, pacing.caps) : new Set<string>();
      return record.claimBatch(tx, {
        campaignId: input.campaignId,
        executionId: input.executionId,
        workflowId: batch.workflowId,
        stepKey: input.mode,
        channel: batch.channel,
        token,
        recipients: audience.map((c) => {
          const variant = batch.arms?.get(c.id) ?? null;
          const skip =
            (variant === HOLDOUT ? 'holdout' : null) ??
            skipReason(c, sender, batch.target, suppressed) ??
            (capped.has(c.id) ? 'frequency_cap' : null);
          const quiet = skip === null && quietUntil ? quietUntil(c.timezone) : null;
          // A send-time variant waits for its time first (the deferred pass then judges quiet hours again).
          const sendTime = skip === null && variant && !input.deferred && !batch.simulate ? sendTimeOf(batch, variant, c, now) : null;
          const waitUntil = sendTime !== null && (quiet === null || sendTime > quiet) ? sendTime : quiet;
          return {
            key: batch.recordKey(c.id),
            customerId: c.id,
            skip,
            waitUntil,
            ...(waitUntil !== null && waitUntil === sendTime ? { waitReason: 'send_time' } : {}),
            variant,
          };
        }),
        experimentId: batch.experiment?.row.id ?? null,
      });
    });
    return claimed.filter((r) => r.status === 'pending' && r.claim_token === token);
  }

  /** The batch's counts from its records (through `done`), whichever attempt wrote them; those still waiting out quiet hours: not yet. */
  async function tally(batch: Batch, done: Profile[], counts: BroadcastCounts, finalBefore: string[] = []): Promise<BroadcastCounts> {
    const { input } = batch;
    if (done.length === 0) return counts;
    const ids = array(
      done.map((c) => c.id),
      'text',
    );
    const theirs = sql`${workspaceIs(messages.workspaceId)} and ${messages.campaignId} = ${input.campaignId}
        and ${messages.customerId} = any(${ids}) and ${messages.executionId} = ${input.executionId} and ${messages.status} <> 'pending'
        and not (${messages.id} = any(${array(finalBefore, 'uuid')}))`;
    const rows = await db.execute(sql`
      select channel, status, error_message as reason, count(*)::int as n from ${messages} where ${theirs} group by 1, 2, 3`);
    const add = (into: RecordTally, status: MessageStatus, reason: string | null, n: number) => {
      into.processed += n;
      if (wasSent(status) || status === 'simulated') into.sent += n;
      else if (status === 'failed') into.failed += n;
      else if (status === 'skipped') into.skipped += n;
      else if (status === 'uncertain') into.uncertain = (into.uncertain ?? 0) + n;
      if (status === 'skipped' && reason) into.reasons[reason] = (into.reasons[reason] ?? 0) + n;
    };
    for (const { channel, status, reason, n } of rowsOf<{ channel: ChannelName; status: MessageStatus; reason: string | null; n: number }>(
      rows,
    )) {
      add(counts, status, reason, n);
      if (batch.several) add(((counts.channels ??= {})[typeOf(channel)] ??= emptyCounts()), status, reason, n);
    }
    if (!batch.several) return counts;
    // On several channels `processed` counts customers, each once: when none of their records waits any more.
    counts.processed -= Object.values(counts.channels ?? {}).reduce((n, t) => n + t.processed, 0);
    const [row] = rowsOf<{ n: number }>(
      await db.execute(sql`
        select count(distinct ${messages.customerId})::int as n from ${messages} where ${theirs}
          and not exists (select 1 from ${messages} p where p.workspace_id = ${messages.workspaceId}
            and p.campaign_id = ${messages.campaignId} and p.execution_id = ${messages.executionId}
            and p.customer_id = ${messages.customerId} and p.status = 'pending')`),
    );
    counts.processed += row?.n ?? 0;
    return counts;
  }

  /**
   * Every second while a batch runs: a heartbeat (a worker that dies stops them, and Temporal retries the
   * batch elsewhere; an attempt Temporal replaced learns it here, as a cancellation) and a look at the
   * campaign, so a pause or cancel stops the batch within a second. Every RENEW_EVERY seconds the leases of
   * the records it holds are renewed (a third of their length: two renewals may fail before one lapses) —
   * an UPDATE of up to a batch's records, which every second cost more than the sends it guarded once the
   * execution's index held many dead entries (a million-record broadcast on a server without autovacuum).
   */
  function watch(batch: Batch, token: string, stop: Stop, customerIds: string[]): () => void {
    const { input } = batch;
    const ctx = Context.current();
    let ticks = 0;
    const timer = setInterval(() => {
      ctx.heartbeat();
      if (ctx.cancellationSignal.aborted) stop.halt ??= 'superseded';
      if (++ticks % RENEW_EVERY === 0) record.renewLeases(input.campaignId, input.executionId, token, customerIds).catch(() => {});
      if (input.mode !== 'actual') return;
      db.select({ status: marketingCampaigns.status })
        .from(marketingCampaigns)
        .where(and(ownRows(marketingCampaigns), eq(marketingCampaigns.id, input.campaignId)))
        .then(([row]) => {
          if (row?.status === 'paused' || row?.status === 'cancelled') stop.halt ??= row.status;
        })
        .catch(() => {});
    }, 1000);
    return () => clearInterval(timer);
  }

  /**
   * One batch of a broadcast (see sendCampaignBatch). Every customer gets exactly one record; a retry after
   * a crash finds the records already done and sends only what is still pending. Two attempts of one batch
   * can run at once (Temporal starts a new one when heartbeats stop reaching it, as while its server
   * restarts): each sends only the records it claimed and marked sending itself; the newer one takes over
   * the older one's records only as their leases lapse, and waits for those the older one is still sending.
   */
  /**
   * The page's customers this pass sends. An auto-winner experiment's test pass: those the hash puts in the
   * test sample; its rollout pass: everyone not already in the test (latecomers to the audience included).
   * The deferred pass sends whoever's record is due, and any other campaign everyone.
   */
  async function inPhase(batch: Batch, page: Profile[]): Promise<Profile[]> {
    const e = batch.experiment?.row;
    if (!e || e.testFraction === null || batch.input.deferred || !batch.input.phase) return page;
    if (batch.input.phase === 'test') return page.filter((c) => inTest(e.id, c.id, e.testFraction));
    const tested = await testedCustomers(
      db,
      e.id,
      page.map((c) => c.id),
    );
    return page.filter((c) => !tested.has(c.id));
  }

  return async function sendBatch(input: CampaignBatchInput, of: BatchCampaign): Promise<CampaignBatchResult> {
    const channel = channelOf(of.campaign.type);
    const sender = channels[channel];
    // The campaign's workspace: its pacing, brand, and its own provider or sender where it has one.
    const settings = await deps.settings.current();
    const target = channel === 'webhook' ? (of.campaign.webhookUrl ?? undefined) : (settings.channels[channel].url ?? sender?.url);
    const batch: Batch = { ...of, input, channel, sender, target, settings, simulate: input.mode === 'simulation' };

    const now = input.now ?? Date.now();
    const { audience: page, erased, finalBefore } = await recipients(batch, now);
    const counts: BroadcastCounts = { ...emptyCounts(), ...(erased ? { processed: erased, skipped: erased, reasons: { erased } } : {}) };
    if (page.length === 0) return { counts, cursor: null, done: true, stoppedAtEnd: false };
    // An auto-winner experiment's passes: the test sample first, then (with the winner) everyone else.
    const audience = await inPhase(batch, page);
    if (batch.experiment) {
      const ids = audience.map((c) => c.id);
      batch.arms = await assignArms(db, batch.experiment.row, ids, !batch.simulate);
      // A best-hour arm's customers: their hours, looked up once for the batch.
      const best = new Set(batch.experiment.row.variants.filter((v) => v.sendAt && 'bestHour' in v.sendAt).map((v) => v.key));
      const inBest = ids.filter((id) => best.has(batch.arms!.get(id) ?? ''));
      if (inBest.length && !input.deferred) batch.bestHours = await bestHours(db, inBest, settings.pacing.defaultTimeZone);
    }
    const pageDone = page.length < input.limit;
    if (audience.length === 0) return { counts, cursor: page.at(-1)!.id, done: pageDone, stoppedAtEnd: false };

    const token = newClaimToken();
    const stop: Stop = { halt: null };
    const byId = new Map(audience.map((c) => [c.id, c]));
    /** Customers with a record (on some channel) this attempt claimed and did not finish, or another attempt held. */
    const unfinished = new Set<string>();
    let transient: Error | null = null;
    /** Stopped before a campaign's last channel: no customer of the page is through on every channel. */
    let beforeLastChannel = false;
    let channelsRun = 0;
    const audienceIds = audience.map((c) => c.id);
    const unwatch = watch(batch, token, stop, audienceIds);
    try {
      // Each channel's recipients in turn (an experiment's channel arms go out on theirs).
      for await (const group of groups(batch, audience)) {
        const groupIds = group.audience.map((c) => c.id);
        const finished = new Set<string>();
        const claimed = new Set<string>();
        let held: string[] = [];
        let pending = await claim(group.batch, group.audience, now, token);
        for (;;) {
          pending.forEach((r) => claimed.add(r.customer_id));
          const sent = await sendRecords(group.batch, token, pending, byId, stop);
          sent.finished.forEach((id) => finished.add(id));
          transient ??= sent.transient;
          const heldNow = await record.heldElsewhere(
            input.campaignId,
            input.executionId,
            groupIds,
            token,
            batch.several ? group.batch.channel : undefined,
          );
          if (heldNow.length === 0 || stop.halt || transient) {
            held = heldNow;
            break;
          }
          // Another attempt still holds some: wait for it to finish them, or for their leases to lapse.
          await delay(1000);
          pending = await claim(
            group.batch,
            group.audience.filter((c) => heldNow.includes(c.id)),
            Date.now(),
            token,
          );
        }
        for (const id of [...held, ...[...claimed].filter((c) => !finished.has(c))]) unfinished.add(id);
        channelsRun++;
        if (stop.halt || transient) {
          beforeLastChannel = batch.several !== undefined && channelsRun < batch.several.channels.length;
          break;
        }
      }
    } finally {
      unwatch();
      // What this attempt claimed and did not hand over goes back, for the next batch or attempt.
      await record.releaseClaims(input.campaignId, input.executionId, token, audienceIds).catch(() => {});
    }
    if (stop.halt === 'superseded') throw new Error('a newer attempt of this batch took over');
    if (transient) throw transient;

    // Stopped early: the batch ends before the first customer it did not finish (their records stay
    // pending; the next batch takes them up again, or the execution's end marks them skipped). Stopped
    // before a campaign's last channel: before the first customer (the next batch takes the page up again,
    // finding what this one sent done).
    let through = audience.length;
    if (stop.halt && beforeLastChannel) through = 0;
    else if (stop.halt && unfinished.size) through = audience.findIndex((c) => unfinished.has(c.id));
    const done = audience.slice(0, through);
    // Through: the page's end (customers another pass sends were passed over, not left).
    const cursor = through === audience.length ? page.at(-1)!.id : done.length ? done.at(-1)!.id : input.after;
    // At end_time no batch comes after this one: on several channels every record it finished counts now.
    const counted = stop.halt === 'end_time' && batch.several ? audience : done;
    return {
      counts: await tally(batch, counted, counts, finalBefore),
      cursor,
      done: !stop.halt && pageDone,
      stoppedAtEnd: stop.halt === 'end_time',
    };
  };
}
