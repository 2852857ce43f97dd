// The funnel of a set of message records, as pure logic: sent → delivered → opened → clicked → converted,
// each stage's count with its rate of the previous stage and of sent, and the revenue; and the channel
// comparison built from the same counts. Each stage counts the records that have its own mark (a receipt,
// opened_at, clicked_at, converted_at), not only those that passed the stage before: a click whose open
// was not tracked (images off) counts as clicked, so a rate of the previous stage can pass 100 %.
import { addCounts, type RecordCounts } from '../delivery/record-counts.js';
import { type ChannelCosts, campaignCost, roi } from '../campaigns/roi.js';
import { type DeliveredBasis, deliveredOver, type Rate, rate } from '../domain/rates.js';

export const STAGES = ['sent', 'delivered', 'opened', 'clicked', 'converted'] as const;
export type Stage = (typeof STAGES)[number];

export interface FunnelStage {
  stage: Stage;
  count: number;
  /** Of the stage before (base: its name); null for sent. */
  of_previous: Rate | null;
  of_sent: Rate;
}

export interface FunnelGroup {
  /** The group's value (a channel, a variant, a step, a UTC day); null when the funnel is not grouped. */
  key: string | null;
  delivered_basis: DeliveredBasis;
  stages: FunnelStage[];
  revenue: number;
}

/** One group's funnel from its per-channel counts (delivery is counted per channel). */
export function funnelOf(key: string | null, channels: RecordCounts[]): FunnelGroup {
  const total = addCounts(channels);
  const { delivered, basis } = deliveredOver(channels);
  const counts: Record<Stage, number> = {
    sent: total.sent,
    delivered,
    opened: total.opened,
    clicked: total.clicked,
    converted: total.converted,
  };
  const stages = STAGES.map((stage, i): FunnelStage => {
    const previous = i > 0 ? (STAGES[i - 1] as Exclude<Stage, 'converted'>) : null;
    return {
      stage,
      count: counts[stage],
      of_previous: previous ? rate(counts[stage], counts[previous], previous) : null,
      of_sent: rate(counts[stage], counts.sent, 'sent'),
    };
  });
  return { key, delivered_basis: basis, stages, revenue: total.revenue };
}

/** Rows of (key, channel counts) into one funnel per key, in the rows' order. */
export function funnelGroups(rows: Array<RecordCounts & { key: string | null }>): FunnelGroup[] {
  const byKey = new Map<string | null, RecordCounts[]>();
  for (const { key, ...counts } of rows) byKey.set(key, [...(byKey.get(key) ?? []), counts]);
  return [...byKey].map(([key, channels]) => funnelOf(key, channels));
}

export interface ChannelComparison {
  channel: RecordCounts['channel'];
  sent: number;
  delivered: number;
  delivered_basis: DeliveredBasis;
  opened: number;
  clicked: number;
  converted: number;
  revenue: number;
  /** sent × the channel's cost per message. */
  cost: number;
  /** (revenue − cost) / cost × 100, in percent; null when the channel cost nothing. */
  roi: number | null;
  rates: { delivery_rate: Rate; open_rate: Rate; click_rate: Rate; conversion_rate: Rate };
}

/** One channel's volume, cost, rates with their bases, revenue and ROI. */
export function compareChannel(c: RecordCounts, costs: ChannelCosts): ChannelComparison {
  const { delivered, basis } = deliveredOver([c]);
  const cost = campaignCost({ [c.channel]: c.sent }, costs);
  const revenue = Math.round(c.revenue * 100) / 100;
  return {
    channel: c.channel,
    sent: c.sent,
    delivered,
    delivered_basis: basis,
    opened: c.opened,
    clicked: c.clicked,
    converted: c.converted,
    revenue,
    cost,
    roi: roi(revenue, cost),
    rates: {
      delivery_rate: rate(delivered, c.sent, 'sent'),
      open_rate: rate(c.opened, delivered, 'delivered'),
      click_rate: rate(c.clicked, delivered, 'delivered'),
      conversion_rate: rate(c.converted, delivered, 'delivered'),
    },
  };
}
