// The personalised campaign per RFM group: the offer each group gets, its Liquid content per
// channel, and the campaign's expected return from the history of the group's system segment. No I/O here.
import type { RfmGroup } from '../intelligence/rfm.js';

export const PERSONALISED_CHANNELS = ['email', 'sms', 'push_notification'] as const;
export type PersonalisedChannel = (typeof PERSONALISED_CHANNELS)[number];

export interface Offer {
  kind: 'double_points' | 'gift_and_upgrade_plan' | 'discount' | 'coupon_pack' | 'win_back_pack';
  title: string;
  description: string;
  details: Record<string, unknown>;
}

/** The offers: discounts for regular, coupons for new, gift and upgrade plan for potential, double points for VIP and loyal, win-back for churn risk. */
export const OFFERS: Record<RfmGroup, Offer> = {
  vip: {
    kind: 'double_points',
    title: 'Double points for 30 days',
    description: 'Every order earns twice the points for the next 30 days.',
    details: { points_multiplier: 2, valid_days: 30 },
  },
  loyal: {
    kind: 'double_points',
    title: 'Double points for 14 days',
    description: 'Every order earns twice the points for the next 14 days.',
    details: { points_multiplier: 2, valid_days: 14 },
  },
  potential: {
    kind: 'gift_and_upgrade_plan',
    title: 'A gift and your upgrade plan',
    description: 'A free gift with the next order, and the plan to reach the Loyal tier (its 15 % coupon and 500 points).',
    details: { gift: 'free gift with the next order', upgrade_to: 'loyal', upgrade_rewards: { points: 500, coupon_percent_off: 15 } },
  },
  regular: {
    kind: 'discount',
    title: '15 % off the next order',
    description: '15 % off the next order within 14 days.',
    details: { percent_off: 15, valid_days: 14 },
  },
  new: {
    kind: 'coupon_pack',
    title: 'Welcome coupon pack',
    description: 'Three coupons: 10 % off, free shipping, and 5 off the second order.',
    details: { coupons: [{ percent_off: 10 }, { free_shipping: true }, { amount_off: 5, on: 'second order' }], valid_days: 30 },
  },
  churn_risk: {
    kind: 'win_back_pack',
    title: 'Win-back pack: 20 % off and free shipping',
    description: '20 % off and free shipping on a return order within 30 days.',
    details: { percent_off: 20, free_shipping: true, valid_days: 30 },
  },
};

const hi = '{{ customer.first_name | default: "there" }}';

/** The pitch in one sentence per RFM group; every channel's content is built from it. */
const PITCH: Record<RfmGroup, { headline: string; body: string }> = {
  vip: {
    headline: `${hi}, double points on everything`,
    body: 'as one of our VIPs, every order earns you double points for the next 30 days. Thank you for being with us.',
  },
  loyal: {
    headline: `${hi}, double points for you`,
    body: 'thank you for your loyalty: every order earns double points for the next 14 days.',
  },
  potential: {
    headline: `${hi}, a gift for your next order`,
    body:
      'a free gift is waiting with your next order. And here is your upgrade plan: a few more orders take you to Loyal, ' +
      'with a 15% coupon and 500 points on arrival.',
  },
  regular: {
    headline: `${hi}, 15% off your next order`,
    body: 'enjoy 15% off your next order, valid for 14 days.',
  },
  new: {
    headline: `${hi}, your welcome coupon pack`,
    body: 'welcome! Your pack holds three coupons: 10% off, free shipping, and 5 off your second order, valid for 30 days.',
  },
  churn_risk: {
    headline: `${hi}, we miss you: 20% off and free shipping`,
    body: 'come back within 30 days for 20% off and free shipping on your order.',
  },
};

/** The campaign's Liquid content for the channel, personalised with {{ customer.first_name }}. */
export function offerContent(group: RfmGroup, channel: PersonalisedChannel): Record<string, string> {
  const { headline, body } = PITCH[group];
  const text = `Hi ${hi}, ${body}`;
  switch (channel) {
    case 'email':
      return { subject: headline, text: `${text}\n\n{{ brand | default: "The team" }}` };
    case 'sms':
      return { text };
    case 'push_notification':
      return { title: headline, body: body.charAt(0).toUpperCase() + body.slice(1) };
  }
}

/** Rates (0–1) assumed for a segment with no messages sent yet, per channel. */
export const DEFAULT_RATES: Record<PersonalisedChannel, { response: number; conversion: number }> = {
  email: { response: 0.2, conversion: 0.02 },
  sms: { response: 0.1, conversion: 0.03 },
  push_notification: { response: 0.05, conversion: 0.01 },
};
/** The average order value assumed for a segment whose members have no orders. */
export const DEFAULT_AVG_ORDER_VALUE = 50;

/**
 * The history that makes rates worth more than the channel's defaults: this many comparable messages — sent
 * marketing messages to the segment's members (transactional ones, such as the welcome email, tell nothing
 * of how an offer is taken). With fewer, one lucky open would set the expected response for everyone.
 */
export const MIN_HISTORY_MESSAGES = 100;

/** What the segment's current members did before: messages sent to them and how they answered, their orders. */
export interface SegmentHistory {
  /** Marketing messages sent (not transactional; status sent or further on, or a send time). */
  sent: number;
  /** Of those, opened or clicked. */
  responded: number;
  /** Of those, converted (converted_at set). */
  converted: number;
  orders: number;
  /** The orders' total amount. */
  orderRevenue: number;
}

export interface ExpectedReturn {
  /** Percent of messages opened or clicked. */
  responseRate: number;
  /** Percent of messages that convert. */
  conversionRate: number;
  avgOrderValue: number;
  /** audience × conversion rate × average order value. */
  revenue: number;
  /** audience × cost per message. */
  cost: number;
  /** (revenue − cost) / cost × 100; null when the campaign costs nothing (no audience, or a free channel). */
  roi: number | null;
  /**
   * Where the rates and the order value came from: the rates from the history only with at least
   * `min_messages` comparable messages (`messages`), else the channel's defaults.
   */
  basis: { rates: 'history' | 'defaults'; avgOrderValue: 'history' | 'defaults'; messages: number; min_messages: number };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The expected return of sending to `audience` customers: rates from the history when it holds at least
 * MIN_HISTORY_MESSAGES comparable messages, else the channel's defaults; the average order value from their orders when they have any, else the
 * default. Computed unrounded; shown with 2 decimals (cost 4, ROI 1).
 */
export function expectedReturn(input: {
  audience: number;
  costPerMessage: number;
  history: SegmentHistory;
  defaults: { response: number; conversion: number };
  defaultAvgOrderValue?: number;
}): ExpectedReturn {
  const { audience, costPerMessage, history } = input;
  const fromHistory = history.sent >= MIN_HISTORY_MESSAGES;
  const response = fromHistory ? history.responded / history.sent : input.defaults.response;
  const conversion = fromHistory ? history.converted / history.sent : input.defaults.conversion;
  const ordersKnown = history.orders > 0;
  const avgOrderValue = ordersKnown ? history.orderRevenue / history.orders : (input.defaultAvgOrderValue ?? DEFAULT_AVG_ORDER_VALUE);
  const revenue = audience * conversion * avgOrderValue;
  const cost = audience * costPerMessage;
  return {
    responseRate: round(response * 100, 2),
    conversionRate: round(conversion * 100, 2),
    avgOrderValue: round(avgOrderValue, 2),
    revenue: round(revenue, 2),
    cost: round(cost, 4),
    roi: cost > 0 ? round(((revenue - cost) / cost) * 100, 1) : null,
    basis: {
      rates: fromHistory ? 'history' : 'defaults',
      avgOrderValue: ordersKnown ? 'history' : 'defaults',
      messages: history.sent,
      min_messages: MIN_HISTORY_MESSAGES,
    },
  };
}
