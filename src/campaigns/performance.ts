// A campaign's performance from its records (rows of messages): one aggregate statement, per channel, then
// the pure formulas of src/campaigns/roi.ts.
import { workspaceIs } from '../db/own-rows.js';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isUuid, rowsOf } from '../db/sql-helpers.js';
import { addCounts, recordCounts, type RecordCounts } from '../delivery/record-counts.js';
import { deliveredOver } from '../domain/rates.js';
import type { CurrentSettings } from '../workspaces/effective-settings.js';
import { type CampaignPerformance, campaignPerformance } from './roi.js';
import { typeOf } from '../templates/parts.js';

export type CampaignPerformanceService = ReturnType<typeof createCampaignPerformanceService>;

/** Costs are the campaign's workspace's (channel_costs, else CHANNEL_COST_*). */
export function createCampaignPerformanceService(db: Db, settings: CurrentSettings) {
  return {
    /**
     * Null for an unknown campaign. Simulated records (never sent) are not counted. Delivered: records with
     * a delivery receipt, or sent − bounced on a channel with no receipt at all (`delivered_basis`).
     */
    async get(
      campaignId: string,
    ): Promise<({ campaign_id: string; channels?: Record<string, CampaignPerformance> } & CampaignPerformance) | null> {
      if (!isUuid(campaignId)) return null;
      // The campaign row and its records' counts per channel in one statement; the lateral reads the
      // campaign's records through messages_campaign_idx (campaign_id, status). No record: one row, no channel.
      const result = await db.execute(sql`
        select c.id::text as campaign_id, agg.*
        from marketing_campaigns c
        left join lateral (
          select ${recordCounts('m')}
          from messages m
          where m.workspace_id = c.workspace_id and m.campaign_id = c.id::text and m.status <> 'simulated'
          group by m.channel
        ) agg on true
        where ${workspaceIs(sql`c.workspace_id`)} and c.id = ${campaignId}::uuid`);
      const rows = rowsOf<{ campaign_id: string } & (RecordCounts | { [K in keyof RecordCounts]: null })>(result);
      if (rows.length === 0) return null;
      const channels = rows.filter((r): r is { campaign_id: string } & RecordCounts => r.channel !== null);
      const total = addCounts(channels);
      const { delivered, basis } = deliveredOver(channels);
      const { channelCosts } = await settings.current();
      const performance = (of: RecordCounts[]) => {
        const sum = addCounts(of);
        const counted = deliveredOver(of);
        return campaignPerformance(
          {
            ...sum,
            sentByChannel: Object.fromEntries(of.map((c) => [c.channel, c.sent])),
            delivered: counted.delivered,
            deliveredBasis: counted.basis,
          },
          channelCosts,
        );
      };
      return {
        campaign_id: rows[0]!.campaign_id,
        ...campaignPerformance(
          { ...total, sentByChannel: Object.fromEntries(channels.map((c) => [c.channel, c.sent])), delivered, deliveredBasis: basis },
          channelCosts,
        ),
        // Records on several channels (a campaign on several, or an experiment's channel arm): each one's funnel too.
        ...(channels.length > 1 ? { channels: Object.fromEntries(channels.map((c) => [typeOf(c.channel), performance([c])])) } : {}),
      };
    },
  };
}
