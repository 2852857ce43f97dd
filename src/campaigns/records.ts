// A campaign's records as the API lists them: one row of messages per customer per execution, filtered and paged.
import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { type CampaignType, type MessageStatus, messages } from '../db/schema.js';
import { channelOf } from '../templates/parts.js';
import { findCampaign, iso } from './views.js';

export interface RecordView {
  id: string;
  campaign_id: string;
  execution_id: string | null;
  customer_id: string;
  channel: CampaignType;
  status: MessageStatus;
  error_message: string | null;
  response: Record<string, unknown> | null;
  sent_at: string | null;
  opened_at: string | null;
  clicked_at: string | null;
  /** Provider feedback (delivery webhooks) and the attributed order's conversion. */
  delivered_at: string | null;
  bounce_type: 'hard' | 'soft' | null;
  complained_at: string | null;
  converted_at: string | null;
  revenue: number | null;
}

export interface RecordFilter {
  campaign_id: string;
  execution_id?: string;
  customer_id?: string;
  status?: MessageStatus;
  channel?: CampaignType;
  page: number;
  page_size: number;
}

const recordView = (m: typeof messages.$inferSelect): RecordView => ({
  id: m.id,
  campaign_id: m.campaignId!,
  execution_id: m.executionId,
  customer_id: m.customerId,
  channel: m.channel === 'push' ? 'push_notification' : m.channel,
  status: m.status,
  error_message: m.errorMessage,
  response: m.response ?? null,
  sent_at: iso(m.sentAt),
  opened_at: iso(m.openedAt),
  clicked_at: iso(m.clickedAt),
  delivered_at: iso(m.deliveredAt),
  bounce_type: m.bounceType,
  complained_at: iso(m.complainedAt),
  converted_at: iso(m.convertedAt),
  revenue: m.revenue,
});

/** A page of the campaign's records, oldest first; an unknown campaign is refused (404). */
export async function campaignRecords(db: Db, filter: RecordFilter) {
  const row = await findCampaign(db, filter.campaign_id);
  const conditions: SQL[] = [eq(messages.campaignId, row.id)];
  if (filter.execution_id) conditions.push(eq(messages.executionId, filter.execution_id));
  if (filter.customer_id) conditions.push(eq(messages.customerId, filter.customer_id));
  if (filter.status) conditions.push(eq(messages.status, filter.status));
  if (filter.channel) conditions.push(eq(messages.channel, channelOf(filter.channel)));
  const where = and(...conditions);
  const [total] = await db
    .select({ n: count() })
    .from(messages)
    .where(and(ownRows(messages), where));
  const rows = await db
    .select()
    .from(messages)
    .where(and(ownRows(messages), where))
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .limit(filter.page_size)
    .offset((filter.page - 1) * filter.page_size);
  return { records: rows.map(recordView), pagination: { total: total?.n ?? 0, page: filter.page, page_size: filter.page_size } };
}
