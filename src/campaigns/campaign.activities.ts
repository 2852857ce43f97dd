import { ownRows } from '../db/own-rows.js';
// Campaign broadcasts' side effects: begin and finish an execution, and send one batch of its audience.
import { ApplicationFailure } from '@temporalio/common';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { audienceWhere } from '../campaigns/audience.js';
import { type CampaignType, customers, marketingCampaigns, messages, templates } from '../db/schema.js';
import { addCounts, leftOverCounts } from './broadcast-counts.js';
import { channelParts, typeOf } from '../templates/parts.js';
import type { CampaignMode, CampaignProgress } from './campaign.workflow.js';
import { createMessageRecord, pendingRecords } from '../delivery/message-record.js';
import type { ActivityDeps } from '../worker/activities.js';
import type { CampaignBatchInput, CampaignBatchResult } from './batch.js';
import { createBatchSender } from './send-batch.js';
import { campaignWorkflowId } from '../temporal/workflow-ids.js';
import { channelOf } from '../templates/parts.js';
import { messagesRecorded } from '../observability/touches.js';
import type { BroadcastCounts } from './broadcast-counts.js';
import type { ChannelName } from '../domain/channels.js';
import { campaignExperiment } from '../experiments/arms.js';

/** An auto-winner experiment's part in an execution: which experiment, and how long the test runs before the winner is chosen. */
export interface CampaignExperimentPlan {
  experimentId: string;
  waitSeconds: number;
}

/** The records of an execution that wait for their recipients' quiet hours to end. */
export interface DeferredRecords {
  count: number;
  /** When the first of them may go (epoch ms); null: none waits. */
  at: number | null;
}

/**
 * The idempotency key of a campaign record: one per customer per execution, whatever retries happen — and on
 * a campaign on several channels one per customer per channel per execution (`type` given).
 */
export const campaignRecordKey = (executionId: string, customerId: string, type?: CampaignType) =>
  type ? `campaign/${executionId}/${customerId}/${type}` : `campaign/${executionId}/${customerId}`;

/** A batch's counts (its records, whichever attempt wrote them) as recorded messages of the campaign's channel. */
function countRecords(channel: ChannelName, mode: CampaignMode, counts: BroadcastCounts): void {
  messagesRecorded(channel, mode === 'simulation' ? 'simulated' : 'sent', null, counts.sent);
  messagesRecorded(channel, 'failed', null, counts.failed);
  messagesRecorded(channel, 'uncertain', null, counts.uncertain ?? 0);
  let reasoned = 0;
  for (const [reason, n] of Object.entries(counts.reasons)) {
    messagesRecorded(channel, 'skipped', reason, n);
    reasoned += n;
  }
  messagesRecorded(channel, 'skipped', null, counts.skipped - reasoned);
}

export function createCampaignActivities(deps: ActivityDeps) {
  const { db } = deps;
  const record = createMessageRecord(db);
  const sendBatch = createBatchSender(deps, record);

  async function loadCampaign(campaignId: string) {
    const [campaign] = await db
      .select()
      .from(marketingCampaigns)
      .where(and(ownRows(marketingCampaigns), eq(marketingCampaigns.id, campaignId)));
    if (!campaign) throw ApplicationFailure.create({ nonRetryable: true, type: 'CampaignNotFound', message: `no campaign ${campaignId}` });
    let content = campaign.content;
    if (campaign.contentTemplateId) {
      const [template] = await db
        .select()
        .from(templates)
        .where(and(ownRows(templates), eq(templates.id, campaign.contentTemplateId)));
      if (!template) {
        throw ApplicationFailure.create({
          nonRetryable: true,
          type: 'TemplateNotFound',
          message: `no template ${campaign.contentTemplateId}`,
        });
      }
      content = template.parts;
    }
    if (content === null)
      throw ApplicationFailure.create({ nonRetryable: true, type: 'NoContent', message: `campaign ${campaignId} has no content` });
    // Checked when the campaign was saved; a campaign that cannot render fails its execution, it does not retry.
    let byChannel: Array<{ type: CampaignType; parts: Record<string, string> }>;
    try {
      byChannel = channelParts(campaign, content);
    } catch (err) {
      throw ApplicationFailure.create({ nonRetryable: true, type: 'InvalidContent', message: (err as Error).message });
    }
    const parts = byChannel[0]!.parts;
    // Several channels: no experiment (one cannot be made on such a campaign).
    if (byChannel.length > 1) return { campaign, parts, experiment: null, byChannel };
    return { campaign, parts, experiment: await campaignExperiment(db, campaign, parts), byChannel: null };
  }

  return {
    /** Marks the campaign active (an actual execution) and counts its audience as it stands now. */
    async beginCampaignExecution(input: {
      campaignId: string;
      executionId: string;
      mode: CampaignMode;
    }): Promise<{ audienceSize: number; experiment?: CampaignExperimentPlan }> {
      const { campaign, experiment } = await loadCampaign(input.campaignId);
      if (input.mode === 'actual') {
        await db
          .update(marketingCampaigns)
          .set({ status: 'active', actualStartTime: sql`coalesce(${marketingCampaigns.actualStartTime}, now())`, updatedAt: sql`now()` })
          .where(
            and(
              ownRows(marketingCampaigns),
              and(eq(marketingCampaigns.id, input.campaignId), inArray(marketingCampaigns.status, ['scheduled', 'active'])),
            ),
          );
      }
      const [row] = await db.select({ n: count() }).from(customers).where(audienceWhere(campaign));
      const e = experiment?.row;
      // An auto-winner (actual sends only): the workflow sends the test, waits, decides, then sends the rest.
      const plan =
        e && e.testFraction !== null && input.mode === 'actual' ? { experimentId: e.id, waitSeconds: e.winnerWaitSeconds ?? 0 } : null;
      return { audienceSize: row?.n ?? 0, ...(plan ? { experiment: plan } : {}) };
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
      const byChannel = await record.skipPendingByChannel(input.campaignId, input.executionId, input.progress.stopReason ?? 'stopped');
      let leftOver = 0;
      for (const [channel, n] of byChannel) {
        messagesRecorded(channel, 'skipped', input.progress.stopReason ?? 'stopped', n);
        leftOver += n;
      }
      if (input.mode !== 'actual') return { leftOver };
      const stats = { ...input.progress, reasons: { ...input.progress.reasons } };
      const left = leftOverCounts(input.progress.stopReason, leftOver);
      // On several channels, each channel's records left over too.
      if (input.progress.channels)
        left.channels = Object.fromEntries([...byChannel].map(([ch, n]) => [typeOf(ch), leftOverCounts(input.progress.stopReason, n)]));
      addCounts(stats, left);
      await db
        .update(marketingCampaigns)
        .set({
          // A cancel through the API set `cancelled` already; it stays.
          status:
            input.progress.state === 'cancelled'
              ? 'cancelled'
              : sql`case when ${marketingCampaigns.status} = 'cancelled' then 'cancelled' else 'completed' end`,
          actualEndTime: sql`now()`,
          stats: stats,
          updatedAt: sql`now()`,
        })
        .where(
          and(
            ownRows(marketingCampaigns),
            and(
              eq(marketingCampaigns.id, input.campaignId),
              eq(marketingCampaigns.executionId, input.executionId),
              inArray(marketingCampaigns.status, ['scheduled', 'active', 'paused', 'cancelled']),
            ),
          ),
        );
      return { leftOver };
    },

    /** How many records of the execution are not done (most waiting for quiet hours to end), and when the first may go. */
    async nextDeferredCampaignRecords(input: { campaignId: string; executionId: string }): Promise<DeferredRecords> {
      const [row] = await db
        // A record without a lease is due at once.
        .select({
          n: count(),
          at: sql<number | string | null>`(extract(epoch from min(coalesce(${messages.leaseUntil}, 'epoch'::timestamptz))) * 1000)::float8`,
        })
        .from(messages)
        .where(and(ownRows(messages), pendingRecords(input.campaignId, input.executionId)));
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
      const { campaign, parts, experiment, byChannel } = await loadCampaign(input.campaignId);
      const result = await sendBatch(input, {
        campaign,
        parts,
        experiment,
        workflowId: campaignWorkflowId(input.campaignId, input.executionId),
        recordKey: (customerId) => campaignRecordKey(input.executionId, customerId),
        ...(byChannel
          ? {
              several: {
                mode: campaign.channelMode ?? 'all',
                channels: byChannel.map(({ type, parts }) => ({
                  type,
                  parts,
                  recordKey: (customerId: string) => campaignRecordKey(input.executionId, customerId, type),
                })),
              },
            }
          : {}),
      });
      if (result.counts.channels)
        for (const [type, counts] of Object.entries(result.counts.channels))
          countRecords(channelOf(type as CampaignType), input.mode, counts);
      else countRecords(channelOf(campaign.type), input.mode, result.counts);
      return result;
    },
  };
}
