// Campaign performance: the formulas over a campaign's counted records. Pure; the
// counts come from one SQL aggregate (src/campaigns/performance.ts).
import type { ChannelName } from '../domain/channels.js';

export type ChannelCosts = Record<ChannelName, number>;

/** CHANNEL_COST_* defaults: what one message costs on each channel. */
export const DEFAULT_CHANNEL_COSTS: ChannelCosts = { email: 0.001, sms: 0.05, push: 0.0005, wechat: 0.001, webhook: 0 };

/** What the aggregate counts over a campaign's records (simulated ones left out). */
export interface PerformanceCounts {
  sent: number;
  /** Sent records per channel (the cost is per channel). */
  sentByChannel: Partial<Record<ChannelName, number>>;
  delivered: number;
  opened: number;
  clicked: number;
  /** Records opened or clicked (each record once). */
  responded: number;
  converted: number;
  revenue: number;
}

export interface CampaignPerformance {
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  converted: number;
  revenue: number;
  cost: number;
  /** Percent; null when the cost is 0. */
  roi: number | null;
  /** Percents of `rateBase`; null when it is 0. */
  responseRate: number | null;
  conversionRate: number | null;
  openRate: number | null;
  clickRate: number | null;
  /** Delivered records, or sent ones when no record is marked delivered (no delivery receipts). */
  rateBase: 'delivered' | 'sent';
}

const round = (n: number, places: number) => {
  const f = 10 ** places;
  return Math.round(n * f) / f;
};

/** Σ sent × the channel's cost per message, to 6 places (sums of small floats otherwise show noise). */
export function campaignCost(sentByChannel: Partial<Record<ChannelName, number>>, costs: ChannelCosts): number {
  let cost = 0;
  for (const [channel, sent] of Object.entries(sentByChannel) as Array<[ChannelName, number]>) cost += sent * (costs[channel] ?? 0);
  return round(cost, 6);
}

/** ROI in percent: (revenue − cost) / cost × 100, to 2 places; null when nothing was spent. */
export function roi(revenue: number, cost: number): number | null {
  return cost > 0 ? round(((revenue - cost) / cost) * 100, 2) : null;
}

/** `part` as a percent of `base`, to 2 places; null when the base is 0. */
export function percent(part: number, base: number): number | null {
  return base > 0 ? round((part / base) * 100, 2) : null;
}

export function campaignPerformance(counts: PerformanceCounts, costs: ChannelCosts): CampaignPerformance {
  const cost = campaignCost(counts.sentByChannel, costs);
  const revenue = round(counts.revenue, 2);
  // Delivery is only known where a provider reports it; without any receipt, rates are per sent record.
  const rateBase = counts.delivered > 0 ? 'delivered' : 'sent';
  const base = rateBase === 'delivered' ? counts.delivered : counts.sent;
  return {
    sent: counts.sent,
    delivered: counts.delivered,
    opened: counts.opened,
    clicked: counts.clicked,
    converted: counts.converted,
    revenue,
    cost,
    roi: roi(revenue, cost),
    responseRate: percent(counts.responded, base),
    conversionRate: percent(counts.converted, base),
    openRate: percent(counts.opened, base),
    clickRate: percent(counts.clicked, base),
    rateBase,
  };
}
