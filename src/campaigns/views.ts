// A campaign as the API shows it, and the row it is read from: found by id, or refused as unknown.
import { eq, and } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { isUuid } from '../db/sql-helpers.js';
import { type CampaignSendAt, type CampaignStatus, type CampaignType, marketingCampaigns } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { type CampaignContent, campaignChannels } from '../templates/parts.js';

export type CampaignRow = typeof marketingCampaigns.$inferSelect;

export interface CampaignView {
  id: string;
  name: string;
  type: CampaignType;
  channels: CampaignType[];
  channel_mode: 'all' | 'fallback' | null;
  send_at: SendAtView | null;
  status: CampaignStatus;
  target_tags: string[];
  target_segment_id: string | null;
  content: CampaignContent | null;
  content_template_id: string | null;
  webhook_url: string | null;
  rate_limit: number | null;
  start_time: string | null;
  end_time: string | null;
  actual_start_time: string | null;
  actual_end_time: string | null;
  execution_id: string | null;
  created_by: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A campaign's send time as the API spells it. */
export type SendAtView = { local_time: string } | { best_hour: true };

export const sendAtView = (s: CampaignSendAt | null): SendAtView | null =>
  s === null ? null : 'localTime' in s ? { local_time: s.localTime } : { best_hour: true };

export const sendAtOf = (s: SendAtView | null): CampaignSendAt | null =>
  s === null ? null : 'local_time' in s ? { localTime: s.local_time } : { bestHour: true };

export const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const campaignNotFound = (id: string) => new DomainError('campaign_not_found', `no campaign "${id}"`, undefined, 404);

export async function findCampaign(db: Db, id: string): Promise<CampaignRow> {
  if (!isUuid(id)) throw campaignNotFound(id);
  const [row] = await db
    .select()
    .from(marketingCampaigns)
    .where(and(ownRows(marketingCampaigns), eq(marketingCampaigns.id, id)));
  if (!row) throw campaignNotFound(id);
  return row;
}

export const campaignView = (r: CampaignRow): CampaignView => ({
  id: r.id,
  name: r.name,
  type: r.type,
  channels: campaignChannels(r),
  channel_mode: r.channelMode,
  send_at: sendAtView(r.sendAt),
  status: r.status,
  target_tags: r.targetTags,
  target_segment_id: r.targetSegmentId,
  content: r.content ?? null,
  content_template_id: r.contentTemplateId,
  webhook_url: r.webhookUrl,
  rate_limit: r.rateLimit,
  start_time: iso(r.startTime),
  end_time: iso(r.endTime),
  actual_start_time: iso(r.actualStartTime),
  actual_end_time: iso(r.actualEndTime),
  execution_id: r.executionId,
  created_by: r.createdBy,
  updated_by: r.updatedBy,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});
