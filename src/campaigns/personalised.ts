// The personalised campaign per RFM group (POST /api/ai-ops/customer/campaign): a draft campaign, made by the
// campaign service, to the system segment of one RFM group, with that group's offer, and its expected return
// from what the segment's current members did before.
import { workspaceIs } from '../db/own-rows.js';
import { sql } from 'drizzle-orm';
import type { CampaignService } from './service.js';
import type { CampaignView } from './views.js';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/sql-helpers.js';
import { recordSent } from '../delivery/status-progress.js';
import { channelOf } from '../templates/parts.js';
import {
  DEFAULT_RATES,
  type ExpectedReturn,
  expectedReturn,
  type Offer,
  OFFERS,
  offerContent,
  type PersonalisedChannel,
  type SegmentHistory,
} from './personalised-plan.js';
import { RFM_GROUP_NAMES, type RfmGroup } from '../intelligence/rfm.js';
import type { SegmentService } from '../segments/service.js';
import type { CurrentSettings } from '../workspaces/effective-settings.js';

export interface PersonalisedCampaign {
  /** The draft, carrying the design's names of its expectation: expectedROI and roi (percent), responseRate (percent). */
  campaign: CampaignView & { expectedROI: number | null; roi: number | null; responseRate: number };
  offer: Offer & { segment: RfmGroup };
  audience: { segment_id: string; size: number };
  expected: ExpectedReturn;
  history: SegmentHistory & { costPerMessage: number };
}

/** Marketing messages sent to the segment's current members (no transactional one) and how they answered; their orders. */
export async function segmentHistory(db: Db, segmentId: string): Promise<SegmentHistory> {
  const [touches] = rowsOf<{ sent: number; responded: number; converted: number }>(
    await db.execute(sql`
      select count(*)::int as sent,
             count(*) filter (where m.opened_at is not null or m.clicked_at is not null)::int as responded,
             count(*) filter (where m.converted_at is not null)::int as converted
      from messages m join segment_members sm on sm.workspace_id = m.workspace_id and sm.customer_id = m.customer_id and sm.segment_id = ${segmentId}
      where ${workspaceIs(sql`m.workspace_id`)} and ${recordSent('m')} and not m.transactional`),
  );
  const [bought] = rowsOf<{ orders: number; revenue: number | string }>(
    await db.execute(sql`
      select count(*)::int as orders, coalesce(sum(o.amount), 0)::float8 as revenue
      from orders o join segment_members sm on sm.workspace_id = o.workspace_id and sm.customer_id = o.customer_id and sm.segment_id = ${segmentId}
      where ${workspaceIs(sql`o.workspace_id`)}`),
  );
  return {
    sent: touches?.sent ?? 0,
    responded: touches?.responded ?? 0,
    converted: touches?.converted ?? 0,
    orders: bought?.orders ?? 0,
    orderRevenue: Number(bought?.revenue ?? 0),
  };
}

export function createPersonalisedCampaigns(deps: {
  db: Db;
  segments: SegmentService;
  campaigns: CampaignService;
  /** What one message costs per channel: the workspace's channel_costs, else CHANNEL_COST_*. */
  settings: CurrentSettings;
}) {
  return {
    async create(input: { segment: RfmGroup; channel: PersonalisedChannel }, actor: string | null): Promise<PersonalisedCampaign> {
      const { segment: group, channel } = input;
      const label = RFM_GROUP_NAMES[group];
      // The audience as it is now: the system segment's rules are kept and its members refreshed first.
      const audience = await deps.segments.ensureSystemSegment(group, `${label} customers`);
      const offer = OFFERS[group];
      const day = new Date().toISOString().slice(0, 10);
      const campaign = await deps.campaigns.create(
        { name: `${label}: ${offer.title} (${day})`, type: channel, target_segment_id: audience.id, content: offerContent(group, channel) },
        actor,
      );
      const history = await segmentHistory(deps.db, audience.id);
      const costPerMessage = (await deps.settings.current()).channelCosts[channelOf(channel)];
      const expected = expectedReturn({ audience: audience.count, costPerMessage, history, defaults: DEFAULT_RATES[channel] });
      return {
        campaign: { ...campaign, expectedROI: expected.roi, roi: expected.roi, responseRate: expected.responseRate },
        offer: { segment: group, ...offer },
        audience: { segment_id: audience.id, size: audience.count },
        expected,
        history: { ...history, costPerMessage },
      };
    },
  };
}
