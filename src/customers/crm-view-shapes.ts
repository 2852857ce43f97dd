// What the CRM views answer: list items, a profile's insights, timeline items. Pure shaping of rows.
import type { customerInsights } from '../db/schema.js';
import { type Rate, rate } from '../domain/rates.js';
import { kindOf } from '../intelligence/customer-tags.js';

export interface CustomerListFilter {
  q?: string;
  tag?: string;
  tier?: string;
  /** An RFM group (customer_insights.segment) or a dynamic segment's id (segment_members). */
  segment?: string;
  page: number;
  pageSize: number;
}

export interface ListItem {
  id: string;
  email: string | null;
  name: string | null;
  tier: string;
  points: number;
  /** Manual tags, then computed ones (the last refresh's), each once. */
  tags: string[];
  /** null: not computed yet (the next refresh computes it). */
  rfm_segment: string | null;
  created_at: string;
}

export interface ProfileInsights {
  tier: string;
  points: number;
  tags: Array<{ tag: string; kind: string }>;
  rfm_segment: string | null;
  behaviour: {
    preferred_time_slots: Array<{ slot: string; hours: string; touches: number }>;
    /** Marketing messages of the window opened or clicked, as a share of those sent. */
    response_rate: Rate;
    churn_risk: number | null;
  } | null;
  clv: { historic: number | null; predicted_12m: number | null; expected_purchases_12m: number | null; p_alive: number | null } | null;
  computed_at: string | null;
}

type InsightRow = typeof customerInsights.$inferSelect;

export function insightsView(c: { tier: string; points: number; tags: string[] }, row: InsightRow | undefined): ProfileInsights {
  const computed = (row?.tags ?? []).map((tag) => ({ tag, kind: kindOf(tag) }));
  return {
    tier: c.tier,
    points: c.points,
    tags: [...c.tags.map((tag) => ({ tag, kind: 'manual' })), ...computed],
    rfm_segment: row?.segment ?? null,
    behaviour: row
      ? {
          preferred_time_slots: row.preferredTimeSlots,
          response_rate: rate(row.marketingResponded, row.marketingSent, 'sent'),
          churn_risk: row.churnRisk === null ? null : Number(row.churnRisk),
        }
      : null,
    // Written by a full refresh (docs/clv.md); null before one has included the customer, or without a model.
    clv: row
      ? {
          historic: row.historicClv,
          predicted_12m: row.predictedClv12m,
          expected_purchases_12m: row.expectedPurchases12m,
          p_alive: row.pAlive,
        }
      : null,
    computed_at: row?.computedAt.toISOString() ?? null,
  };
}

/** A row of the timeline's union (crm-views.ts): an event or a message. */
export interface TimelineRow {
  kind: 'event' | 'touch';
  id: string;
  at: Date | string;
  type: string | null;
  properties: Record<string, unknown> | string | null;
  channel: string | null;
  status: string | null;
  campaign_id: string | null;
  journey_key: string | null;
  subject: string | null;
  sent_at: Date | string | null;
  delivered_at: Date | string | null;
  opened_at: Date | string | null;
  clicked_at: Date | string | null;
  converted_at: Date | string | null;
}

export type TimelineItem =
  | { kind: 'event'; at: string; event: { id: string; type: string; properties: Record<string, unknown> } }
  | {
      kind: 'touch';
      at: string;
      touch: {
        message_id: string;
        channel: string;
        status: string;
        campaign_id: string | null;
        journey: string | null;
        subject: string | null;
        sent_at: string | null;
        delivered_at: string | null;
        opened_at: string | null;
        clicked_at: string | null;
        converted_at: string | null;
      };
    };

// postgres.js and PGlite hand timestamps of a raw statement back as Date or as text.
const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

export function timelineItem(r: TimelineRow): TimelineItem {
  const at = iso(r.at)!;
  if (r.kind === 'event') {
    const properties = typeof r.properties === 'string' ? (JSON.parse(r.properties) as Record<string, unknown>) : (r.properties ?? {});
    return { kind: 'event', at, event: { id: r.id, type: r.type!, properties } };
  }
  return {
    kind: 'touch',
    at,
    touch: {
      message_id: r.id,
      channel: r.channel!,
      status: r.status!,
      campaign_id: r.campaign_id,
      journey: r.journey_key,
      subject: r.subject,
      sent_at: iso(r.sent_at),
      delivered_at: iso(r.delivered_at),
      opened_at: iso(r.opened_at),
      clicked_at: iso(r.clicked_at),
      converted_at: iso(r.converted_at),
    },
  };
}
