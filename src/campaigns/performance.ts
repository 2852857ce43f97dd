// A campaign's performance from its records (rows of messages): one aggregate statement, then the pure
// formulas of src/campaigns/roi.ts.
import { workspaceIs } from '../db/own-rows.js';
import type { ChannelName } from '../domain/channels.js';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isUuid, rowsOf } from '../db/sql-helpers.js';
import type { CurrentSettings } from '../workspaces/effective-settings.js';
import { type CampaignPerformance, campaignPerformance } from './roi.js';

// A record reached "sent" when it has a send time or any status from sent on; "delivered" when a provider
// said so (a delivery webhook sets delivered_at) or the customer opened or clicked it (which proves delivery).
const SENT = sql`(m.sent_at is not null or m.status in ('sent', 'delivered', 'opened', 'clicked', 'converted'))`;
const DELIVERED = sql`(m.delivered_at is not null or m.status in ('delivered', 'opened', 'clicked', 'converted')
  or m.opened_at is not null or m.clicked_at is not null)`;

interface Row {
  campaign_id: string;
  sent_email: number;
  sent_sms: number;
  sent_push: number;
  sent_wechat: number;
  sent_webhook: number;
  delivered: number;
  opened: number;
  clicked: number;
  responded: number;
  converted: number;
  revenue: number;
}

export type CampaignPerformanceService = ReturnType<typeof createCampaignPerformanceService>;

/** Costs are the campaign's workspace's (channel_costs, else CHANNEL_COST_*). */
export function createCampaignPerformanceService(db: Db, settings: CurrentSettings) {
  return {
    /** Null for an unknown campaign. Simulated records (never sent) are not counted. */
    async get(campaignId: string): Promise<({ campaign_id: string } & CampaignPerformance) | null> {
      if (!isUuid(campaignId)) return null;
      // The campaign row and the aggregate in one statement; the lateral reads the campaign's records
      // through messages_campaign_idx (campaign_id, status).
      const result = await db.execute(sql`
        select c.id::text as campaign_id, agg.*
        from marketing_campaigns c
        cross join lateral (
          select
            count(*) filter (where ${SENT} and m.channel = 'email')::int as sent_email,
            count(*) filter (where ${SENT} and m.channel = 'sms')::int as sent_sms,
            count(*) filter (where ${SENT} and m.channel = 'push')::int as sent_push,
            count(*) filter (where ${SENT} and m.channel = 'wechat')::int as sent_wechat,
            count(*) filter (where ${SENT} and m.channel = 'webhook')::int as sent_webhook,
            count(*) filter (where ${DELIVERED})::int as delivered,
            count(*) filter (where m.opened_at is not null)::int as opened,
            count(*) filter (where m.clicked_at is not null)::int as clicked,
            count(*) filter (where m.opened_at is not null or m.clicked_at is not null)::int as responded,
            count(*) filter (where m.converted_at is not null)::int as converted,
            coalesce(sum(m.revenue), 0)::float8 as revenue
          from messages m
          where m.workspace_id = c.workspace_id and m.campaign_id = c.id::text and m.status <> 'simulated'
        ) agg
        where ${workspaceIs(sql`c.workspace_id`)} and c.id = ${campaignId}::uuid`);
      const [row] = rowsOf<Row>(result);
      if (!row) return null;
      const sentByChannel: Record<ChannelName, number> = {
        email: row.sent_email,
        sms: row.sent_sms,
        push: row.sent_push,
        wechat: row.sent_wechat,
        webhook: row.sent_webhook,
      };
      const sent = row.sent_email + row.sent_sms + row.sent_push + row.sent_wechat + row.sent_webhook;
      const { campaign_id, delivered, opened, clicked, responded, converted, revenue } = row;
      const { channelCosts } = await settings.current();
      return {
        campaign_id,
        ...campaignPerformance({ sent, sentByChannel, delivered, opened, clicked, responded, converted, revenue }, channelCosts),
      };
    },
  };
}
