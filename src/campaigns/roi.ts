// Campaign performance: the formulas over a campaign's counted records. Pure; the
// counts come from one SQL aggregate (src/campaigns/performance.ts).
import type { ChannelName } from '../domain/channels.js';
import { type DeliveredBasis, type Rate, rate } from '../domain/rates.js';

export { percent } from '../domain/rates.js';

export type ChannelCosts = Record<ChannelName, number>;

/** CHANNEL_COST_* defaults: what one message costs on each channel. */
export const DEFAULT_CHANNEL_COSTS: ChannelCosts = { email: 0.001, sms: 0.05, push: 0.0005, wechat: 0.001, webhook: 0 };

/** What the aggregate counts over a campaign's records (simulated ones left out). */
export interface PerformanceCounts {
  sent: number;
  /** Sent records per channel (the cost is per channel). */
  sentByChannel: Partial<Record<ChannelName, number>>;
  /** Receipts, or sent − bounced where no record has one (src/domain/rates.ts deliveredOver). */
  delivered: number;
  /** How `delivered` was counted; unset: receipts when there are any, else delivered is taken as sent. */
  deliveredBasis?: DeliveredBasis;
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
  /** Percents of delivered records (see `rates` for their bases); null when there are none. */
  responseRate: number | null;
  conversionRate: number | null;
  openRate: number | null;
  clickRate: number | null;
  /** `delivered` when delivery receipts count deliveries; `sent` when none came and delivered is sent − bounced. */
  rateBase: 'delivered' | 'sent';
  delivered_basis: DeliveredBasis;
  /** Every rate with its base, numerator and denominator. */
  rates: { delivery_rate: Rate; open_rate: Rate; click_rate: Rate; response_rate: Rate; conversion_rate: Rate };
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

export function campaignPerformance(counts: PerformanceCounts, costs: ChannelCosts): CampaignPerformance {
  const cost = campaignCost(counts.sentByChannel, costs);
  const revenue = round(counts.revenue, 2);
  // Counts without their basis (older callers): receipts when any record was delivered, else sent − 0 bounces.
  const basis = counts.deliveredBasis ?? (counts.delivered > 0 ? 'receipts' : 'sent_minus_bounces');
  const delivered = counts.deliveredBasis === undefined && counts.delivered === 0 ? counts.sent : counts.delivered;
  const rates = {
    delivery_rate: rate(delivered, counts.sent, 'sent'),
    open_rate: rate(counts.opened, delivered, 'delivered'),
    click_rate: rate(counts.clicked, delivered, 'delivered'),
    response_rate: rate(counts.responded, delivered, 'delivered'),
    conversion_rate: rate(counts.converted, delivered, 'delivered'),
  };
  return {
    sent: counts.sent,
    delivered: counts.delivered,
    opened: counts.opened,
    clicked: counts.clicked,
    converted: counts.converted,
    revenue,
    cost,
    roi: roi(revenue, cost),
    responseRate: rates.response_rate.value,
    conversionRate: rates.conversion_rate.value,
    openRate: rates.open_rate.value,
    clickRate: rates.click_rate.value,
    rateBase: basis === 'sent_minus_bounces' ? 'sent' : 'delivered',
    delivered_basis: basis,
    rates,
  };
}
