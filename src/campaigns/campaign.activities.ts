// Campaign broadcasts' side effects: begin and finish an execution, and send one batch of its audience.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, count, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { audienceWhere } from '../campaigns/audience.js';
import type { Channel as SendingChannel, OutgoingMessage } from '../channels/channel.js';
import { bothLimits, createRateLimiter, type RateLimiter } from '../channels/rate-limit.js';
import { coalesce } from '../db/coalesce.js';
import { type Channel, customers, type Customer, marketingCampaigns, type MessageStatus, messages, templates } from '../db/schema.js';
import type { Tx } from '../db/client.js';
import { array, rowsOf } from '../db/sql-helpers.js';
import { addCounts, type BroadcastCounts, campaignParts, channelOf, emptyCounts, leftOverCounts } from './campaign.js';
import { unsubscribeUrl } from '../domain/email-tracking.js';
import { renderTemplate } from '../templates/render.js';
import { normaliseAddress } from '../delivery/suppression-lists.js';
import { suppressedAddresses } from '../delivery/suppressions.js';
import type { CampaignMode, CampaignProgress } from './campaign.workflow.js';
import { knownTimeZone, PACING_OFF, quietUntil } from '../delivery/pacing.js';
import type { ActivityDeps } from '../worker/activities.js';
import { customerVars } from '../templates/vars.js';
import { lockCustomers } from '../delivery/pacing.activities.js';
import { campaignWorkflowId } from '../temporal/workflow-ids.js';

export interface CampaignBatchInput {
  campaignId: string;
  executionId: string;
  mode: CampaignMode;
  /** The last customer id of the previous batch (null: from the start). */
  after: string | null;
  limit: number;
  /** Stop sending at this time (epoch ms). */
  endAt: number | null;
  /**
   * The workflow's clock (epoch ms): quiet hours are judged by it (the test server skips time; the
   * activity's clock does not). Absent in batches scheduled before quiet hours held broadcasts: now.
   */
  now?: number;
  /**
   * The deferred pass: the batch is the next `limit` customers after `after` whose records wait for their
   * quiet hours to end and whose time has come, instead of the next customers of the audience.
   */
  deferred?: boolean;
}

export interface CampaignBatchResult {
  counts: BroadcastCounts;
  /** The last customer id of this batch (null: the batch was empty). */
  cursor: string | null;
  /** No customers after this batch. */
  done: boolean;
  /** end_time came during the batch: it stopped sending (what it had claimed is left for the execution's end). */
  stoppedAtEnd: boolean;
}

/** The records of an execution that wait for their recipients' quiet hours to end. */
export interface DeferredRecords {
  count: number;
  /** When the first of them may go (epoch ms); null: none waits. */
  at: number | null;
}

/** The idempotency key of a campaign record: one per customer per execution, whatever retries happen. */
export const campaignRecordKey = (executionId: string, customerId: string) => `campaign/${executionId}/${customerId}`;

type Outcome = {
  id: string;
  status: Extract<MessageStatus, 'sent' | 'failed' | 'skipped' | 'simulated'>;
  error: string | null;
  recipient: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
  /** A tracked email's link targets (the click redirect's only destinations). */
  links: string[] | null;
  providerMessageId: string | null;
  response: Record<string, unknown> | null;
};

const PROFILE = {
  id: customers.id,
  email: customers.email,
  phone: customers.phone,
  name: customers.name,
  birthday: customers.birthday,
  timezone: customers.timezone,
  attributes: customers.attributes,
  tags: customers.tags,
  consent: customers.consent,
};
type Profile = Pick<Customer, keyof typeof PROFILE>;

/** Why a customer gets no message on this channel (recorded as skipped), or null. `suppressed`: the batch's listed addresses. */
function skipReason(c: Profile, channel: SendingChannel | undefined, target: string | undefined, suppressed: Set<string>): string | null {
  if (!channel || !target) return 'channel_not_configured';
  if (c.consent[channel.name] === false) return 'unsubscribed';
  const address = channel.address(c, target);
  if ('skip' in address) return address.skip;
  if (channel.suppression && suppressed.has(normaliseAddress(channel.suppression, address.to))) return 'suppressed';
  return null;
}

export function createCampaignActivities({ db, channels, config }: ActivityDeps) {
  const settings = config.campaigns ?? {};
  const pacing = config.pacing ?? PACING_OFF;
  const caps = pacing.caps;

  /**
   * Customers of the batch whose marketing messages in the last 24 h / 7 days (sent or being sent; not
   * transactional, not this execution's own) reach a frequency cap: a broadcast skips them with the reason
   * `frequency_cap` rather than waiting (a broadcast has its own schedule). One query per batch, in the
   * transaction that inserts the batch's records, under the customers' pacing locks (see lockCustomers):
   * a journey reserving a message for one of them at the same instant counts the broadcast's record, or
   * the broadcast counts the journey's.
   */
  async function cappedCustomers(tx: Tx, ids: string[], executionId: string): Promise<Set<string>> {
    if (!capsOn || ids.length === 0) return new Set();
    const rows = rowsOf<{ customer_id: string; day: number; week: number }>(
      await tx.execute(sql`
        select customer_id, count(*) filter (where created_at > now() - interval '1 day')::int as day, count(*)::int as week
        from ${messages}
        where customer_id = any(${array(ids, 'text')}) and created_at > now() - interval '7 days'
          and not transactional and status in ('sent', 'pending') and execution_id is distinct from ${executionId}
        group by customer_id`),
    );
    return new Set(rows.filter((r) => (caps.day > 0 && r.day >= caps.day) || (caps.week > 0 && r.week >= caps.week)).map((r) => r.customer_id));
  }
  const capsOn = caps.day > 0 || caps.week > 0;
  const concurrency = settings.concurrency ?? 10;
  // One limiter per channel for the whole worker: every campaign on it shares the channel's rate.
  const channelLimits = new Map<Channel, RateLimiter>();
  const channelLimiter = (channel: Channel) => {
    let limiter = channelLimits.get(channel);
    if (!limiter) channelLimits.set(channel, (limiter = createRateLimiter(settings.rateLimits?.[channel] ?? 0)));
    return limiter;
  };

  /** Each record's outcome, written in groups: a send waits for its own row to be written. */
  const record = coalesce<Outcome, void>(
    async (outcomes) => {
      const col = <K extends keyof Outcome>(k: K, type: string) => array(outcomes.map((o) => o[k] as string | null), type);
      await db.execute(sql`
        update ${messages} m set
          status = v.status, error_message = v.error, recipient = v.recipient, subject = v.subject,
          body_text = v.body_text, body_html = v.body_html, provider_message_id = v.provider_message_id,
          response = v.response::jsonb, links = v.links::jsonb, sent_at = case when v.status = 'sent' then now() end,
          lease_until = null, updated_at = now()
        from unnest(${col('id', 'uuid')}, ${col('status', 'text')}, ${col('error', 'text')}, ${col('recipient', 'text')},
          ${col('subject', 'text')}, ${col('text', 'text')}, ${col('html', 'text')}, ${col('providerMessageId', 'text')},
          ${array(outcomes.map((o) => (o.response ? JSON.stringify(o.response) : null)), 'text')},
          ${array(outcomes.map((o) => (o.links ? JSON.stringify(o.links) : null)), 'text')})
          as v(id, status, error, recipient, subject, body_text, body_html, provider_message_id, response, links)
        where m.id = v.id`);
      return outcomes.map(() => undefined);
    },
    { concurrency: 2, maxItems: 250 },
  );

  /**
   * An execution's records not done: waiting for their recipients' quiet hours to end (leased until then),
   * or claimed by a batch that stopped before sending them (no lease).
   */
  const waiting = (campaignId: string, executionId: string) =>
    and(eq(messages.campaignId, campaignId), eq(messages.executionId, executionId), eq(messages.status, 'pending'));

  /**
   * The deferred pass's batch: the next customers (after `after`, by id) whose records waited for quiet
   * hours that are over at `now`. Recipients erased or deleted while they waited get nothing: their
   * records are skipped (`erased`) here, and counted.
   */
  async function dueDeferred(input: CampaignBatchInput, now: number): Promise<{ audience: Profile[]; erased: number }> {
    const due = and(waiting(input.campaignId, input.executionId), or(isNull(messages.leaseUntil), lte(messages.leaseUntil, new Date(now))));
    const gone = await db
      .update(messages)
      .set({ status: 'skipped', errorMessage: 'erased', leaseUntil: null, updatedAt: sql`now()` })
      .where(and(due, sql`not exists (select 1 from ${customers} c where c.id = ${messages.customerId} and c.erased_at is null)`))
      .returning({ id: messages.id });
    const audience = await db
      .select(PROFILE)
      .from(messages)
      .innerJoin(customers, eq(customers.id, messages.customerId))
      .where(and(due, input.after === null ? undefined : gt(customers.id, input.after)))
      .orderBy(asc(customers.id))
      .limit(input.limit);
    return { audience, erased: gone.length };
  }

  async function loadCampaign(campaignId: string) {
    const [campaign] = await db.select().from(marketingCampaigns).where(eq(marketingCampaigns.id, campaignId));
    if (!campaign) throw ApplicationFailure.create({ nonRetryable: true, type: 'CampaignNotFound', message: `no campaign ${campaignId}` });
    let content = campaign.content;
    if (campaign.contentTemplateId) {
      const [template] = await db.select().from(templates).where(eq(templates.id, campaign.contentTemplateId));
      if (!template) {
        throw ApplicationFailure.create({ nonRetryable: true, type: 'TemplateNotFound', message: `no template ${campaign.contentTemplateId}` });
      }
      content = template.parts;
    }
    if (content === null) throw ApplicationFailure.create({ nonRetryable: true, type: 'NoContent', message: `campaign ${campaignId} has no content` });
    // Checked when the campaign was saved; a campaign that cannot render fails its execution, it does not retry.
    try {
      return { campaign, parts: campaignParts(campaign.type, campaign.name, content) };
    } catch (err) {
      throw ApplicationFailure.create({ nonRetryable: true, type: 'InvalidContent', message: (err as Error).message });
    }
  }

  return {
    /** Marks the campaign active (an actual execution) and counts its audience as it stands now. */
    async beginCampaignExecution(input: { campaignId: string; executionId: string; mode: CampaignMode }): Promise<{ audienceSize: number }> {
      const { campaign } = await loadCampaign(input.campaignId);
      if (input.mode === 'actual') {
        await db
          .update(marketingCampaigns)
          .set({ status: 'active', actualStartTime: sql`coalesce(${marketingCampaigns.actualStartTime}, now())`, updatedAt: sql`now()` })
          .where(and(eq(marketingCampaigns.id, input.campaignId), inArray(marketingCampaigns.status, ['scheduled', 'active'])));
      }
      const [row] = await db.select({ n: count() }).from(customers).where(audienceWhere(campaign));
      return { audienceSize: row?.n ?? 0 };
    },

    /**
     * Ends an execution: records left pending by a stopped batch become skipped (reason end_time or
     * cancelled), and an actual execution's campaign is marked completed or cancelled with its final counts.
     * The counts saved include those records.
     */
    async finishCampaignExecution(input: {
      campaignId: string;
      executionId: string;
      mode: CampaignMode;
      progress: CampaignProgress;
    }): Promise<{ leftOver: number }> {
      // Records a batch claimed but did not send before end_time or a cancel: skipped, with that reason.
      const left = await db
        .update(messages)
        .set({ status: 'skipped', errorMessage: input.progress.stopReason ?? 'stopped', leaseUntil: null, updatedAt: sql`now()` })
        .where(and(eq(messages.campaignId, input.campaignId), eq(messages.executionId, input.executionId), eq(messages.status, 'pending')))
        .returning({ id: messages.id });
      if (input.mode !== 'actual') return { leftOver: left.length };
      const stats = { ...input.progress, reasons: { ...input.progress.reasons } };
      addCounts(stats, leftOverCounts(input.progress.stopReason, left.length));
      await db
        .update(marketingCampaigns)
        .set({
          // A cancel through the API set `cancelled` already; it stays.
          status: input.progress.state === 'cancelled' ? 'cancelled' : sql`case when ${marketingCampaigns.status} = 'cancelled' then 'cancelled' else 'completed' end`,
          actualEndTime: sql`now()`,
          stats: stats as unknown as Record<string, unknown>,
          updatedAt: sql`now()`,
        })
        .where(
          and(
            eq(marketingCampaigns.id, input.campaignId),
            eq(marketingCampaigns.executionId, input.executionId),
            inArray(marketingCampaigns.status, ['scheduled', 'active', 'paused', 'cancelled']),
          ),
        );
      return { leftOver: left.length };
    },

    /** How many records of the execution are not done (most waiting for quiet hours to end), and when the first may go. */
    async nextDeferredCampaignRecords(input: { campaignId: string; executionId: string }): Promise<DeferredRecords> {
      const [row] = await db
        // A record without a lease is due at once.
        .select({ n: count(), at: sql<number | string | null>`(extract(epoch from min(coalesce(${messages.leaseUntil}, 'epoch'::timestamptz))) * 1000)::float8` })
        .from(messages)
        .where(waiting(input.campaignId, input.executionId));
      return { count: Number(row?.n ?? 0), at: row?.at === null || row?.at === undefined ? null : Math.round(Number(row.at)) };
    },

    /**
     * One batch of a broadcast: the next `limit` customers of the audience after `after`. Every customer gets
     * exactly one record (its idempotency key is the execution and the customer); those without consent or
     * an address, suppressed or at a frequency cap are recorded as skipped with the reason; those inside
     * their quiet hours wait (pending, leased until the hours end) for the deferred pass — a batch of
     * `deferred` input, whose customers are those whose time has come; the rest are rendered and sent at
     * the channel's rate (a simulation records them as `simulated` and sends nothing). A retry after a crash
     * finds the records already done and sends only what is still pending.
     */
    async sendCampaignBatch(input: CampaignBatchInput): Promise<CampaignBatchResult> {
      const { campaign, parts } = await loadCampaign(input.campaignId);
      const channel = channelOf(campaign.type);
      const simulate = input.mode === 'simulation';
      const sender = channels[channel];
      // Where the channel's messages go: the SMTP server or provider's URL, or a webhook campaign's own.
      const target = channel === 'webhook' ? (campaign.webhookUrl ?? undefined) : sender?.url;

      const now = input.now ?? Date.now();
      const deferred = input.deferred ? await dueDeferred(input, now) : null;
      const audience: Profile[] =
        deferred?.audience ?? (await db.select(PROFILE).from(customers).where(audienceWhere(campaign, input.after)).orderBy(asc(customers.id)).limit(input.limit));
      const erased: BroadcastCounts = { ...emptyCounts(), ...(deferred?.erased ? { processed: deferred.erased, skipped: deferred.erased, reasons: { erased: deferred.erased } } : {}) };
      if (audience.length === 0) return { counts: erased, cursor: null, done: true, stoppedAtEnd: false };
      const byId = new Map(audience.map((c) => [c.id, c]));
      const workflowId = campaignWorkflowId(input.campaignId, input.executionId);

      const addressOf = (c: Profile) => {
        const address = sender && target ? sender.address(c, target) : null;
        return address && 'to' in address ? address.to : null;
      };
      const suppressed = sender?.suppression ? await suppressedAddresses(db, sender.suppression, audience.map(addressOf)) : new Set<string>();
      // Recipients inside their quiet hours (actual sends only): their records wait, pending and leased
      // until the hours end, for the execution's deferred pass (the workflow sleeps until then).
      // Webhooks are not messages to a person: neither quiet hours nor caps apply to them.
      const paced = channel !== 'webhook';
      // Judged once per time zone of the batch: at one instant, the answer depends on the zone alone.
      const byZone = new Map<string | null, number | null>();
      const waitUntil = (c: Profile) => {
        if (simulate || !paced || !pacing.quietHours) return null;
        if (!byZone.has(c.timezone)) byZone.set(c.timezone, quietUntil(now, knownTimeZone(c.timezone, pacing.defaultTimeZone), pacing.quietHours));
        return byZone.get(c.timezone)!;
      };
      const claimed = await db.transaction(async (tx) => {
        if (capsOn && paced) await lockCustomers(tx, audience.map((c) => c.id));
        const capped = paced ? await cappedCustomers(tx, audience.map((c) => c.id), input.executionId) : new Set<string>();
        const skips = audience.map((c) => skipReason(c, sender, target, suppressed) ?? (capped.has(c.id) ? 'frequency_cap' : null));
        const waits = audience.map((c, i) => (skips[i] === null ? waitUntil(c) : null));
        // One statement claims the batch: new records are inserted (skipped ones final at once); pending ones —
        // left by an attempt that died, or waiting out quiet hours — are decided again; records an earlier
        // attempt finished stay as they are.
        return rowsOf<{ id: string; customer_id: string; status: string; lease_until: unknown }>(
          await tx.execute(sql`
            insert into ${messages} (idempotency_key, customer_id, campaign_id, execution_id, workflow_id, step_key, channel, status, error_message, lease_until, attempts)
            select k, c, ${input.campaignId}, ${input.executionId}, ${workflowId}, ${input.mode}, ${channel},
              case when r is null then 'pending' else 'skipped' end, coalesce(r, case when w is not null then 'quiet_hours' end), w, 1
            from unnest(${array(audience.map((c) => campaignRecordKey(input.executionId, c.id)), 'text')}, ${array(audience.map((c) => c.id), 'text')},
              ${array(skips, 'text')}, ${array(waits.map((w) => (w === null ? null : new Date(w).toISOString())), 'timestamptz')}) as b(k, c, r, w)
            on conflict (idempotency_key) do update set attempts = ${messages.attempts} + 1, updated_at = now(),
              status = excluded.status, error_message = excluded.error_message, lease_until = excluded.lease_until
              where ${messages.status} = 'pending'
            returning id, customer_id, status, lease_until`),
        );
      });
      const pending = claimed.filter((r) => r.status === 'pending' && r.lease_until === null);

      const limit = simulate ? async () => {} : bothLimits(channelLimiter(channel), campaign.rateLimit ? createRateLimiter(campaign.rateLimit) : undefined);
      let transient: Error | null = null;
      /** Why the batch stops before its end: end_time came, or the campaign was paused or cancelled. */
      let halt: 'end_time' | 'paused' | 'cancelled' | null = null;
      const pastEnd = () => input.endAt !== null && Date.now() >= input.endAt;
      const finished = new Set<string>();
      const recorded = async (outcome: Outcome) => {
        await record(outcome);
        return true;
      };

      /** Renders and sends (or simulates) one record; false when it was left pending (halted, or a transient failure). */
      const one = async (rowId: string, customer: Profile): Promise<boolean> => {
        // A pending record passed skipReason: the channel is configured and the customer has an address on it.
        const ch = sender!;
        const profile = customerVars(customer as Customer);
        const vars = {
          brand: config.brand,
          customer: profile,
          campaign: { id: campaign.id, name: campaign.name },
          ...(config.tracking ? { unsubscribe_url: unsubscribeUrl(config.tracking, rowId) } : {}),
        };
        let content: Record<string, string>;
        try {
          content = Object.fromEntries(Object.entries(parts).map(([part, src]) => [part, renderTemplate(src, vars, ch.format(part))]));
          const wrong = ch.check?.(content);
          if (wrong) throw new Error(wrong);
        } catch (err) {
          return recorded(blank(rowId, 'failed', `template error: ${(err as Error).message}`));
        }
        const to = addressOf(customer) ?? '';
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
          idempotency_key: campaignRecordKey(input.executionId, customer.id),
          customer_id: customer.id,
          to,
          content,
          source: { journey: `campaign:${campaign.id}`, version: null, step: input.executionId, workflow_id: workflowId },
          ...(channel === 'webhook' ? { customer: profile } : {}),
        };
        try {
          const result = await ch.send(message, { messageId: rowId, url: target, tracking: config.tracking });
          if (result.outcome === 'rejected') return recorded({ ...blank(rowId, 'failed', result.error), ...stored, response: result.response ?? null });
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
          .where(eq(marketingCampaigns.id, input.campaignId))
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

      // Stopped early: the batch ends before the first customer it did not finish (their records stay
      // pending; the next batch takes them up again, or the execution's end marks them skipped).
      const unfinished = new Set(pending.filter((r) => !finished.has(r.customer_id)).map((r) => r.customer_id));
      let through = audience.length;
      if (halt && unfinished.size) through = audience.findIndex((c) => unfinished.has(c.id));
      const done = audience.slice(0, through);
      const cursor = done.length ? done.at(-1)!.id : input.after;

      // The batch's counts from its records, whichever attempt wrote them (those still waiting out quiet hours: not yet).
      const counts = erased;
      if (done.length) {
        const tally = (await db.execute(sql`
          select status, error_message as reason, count(*)::int as n from ${messages}
          where ${messages.campaignId} = ${input.campaignId} and ${messages.customerId} = any(${array(done.map((c) => c.id), 'text')})
            and ${messages.executionId} = ${input.executionId} and ${messages.status} <> 'pending'
          group by 1, 2`)) as unknown;
        for (const { status, reason, n } of rowsOf<{ status: MessageStatus; reason: string | null; n: number }>(tally)) {
          counts.processed += n;
          if (status === 'sent' || status === 'simulated') counts.sent += n;
          else if (status === 'failed') counts.failed += n;
          else if (status === 'skipped') counts.skipped += n;
          if (status === 'skipped' && reason) counts.reasons[reason] = (counts.reasons[reason] ?? 0) + n;
        }
      }
      return {
        counts,
        cursor,
        done: !halt && audience.length < input.limit,
        stoppedAtEnd: halt === 'end_time',
      };
    },
  };
}

const blank = (id: string, status: Outcome['status'], error: string | null): Outcome => ({
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
