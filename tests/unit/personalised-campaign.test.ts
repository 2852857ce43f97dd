import { describe, expect, it } from 'vitest';
import { campaignParts, checkParts } from '../../src/templates/parts.js';
import {
  DEFAULT_AVG_ORDER_VALUE,
  DEFAULT_RATES,
  expectedReturn,
  MIN_HISTORY_MESSAGES,
  OFFERS,
  offerContent,
  PERSONALISED_CHANNELS,
} from '../../src/campaigns/personalised-plan.js';
import { RFM_GROUPS } from '../../src/intelligence/rfm.js';
import { renderTemplate } from '../../src/templates/render.js';

const none = { sent: 0, responded: 0, converted: 0, orders: 0, orderRevenue: 0 };

describe('expected return of a personalised campaign', () => {
  it('uses the history: response = opened or clicked / sent, conversion = converted / sent, orders average value', () => {
    const history = { sent: 200, responded: 50, converted: 10, orders: 8, orderRevenue: 640 };
    const e = expectedReturn({ audience: 1000, costPerMessage: 0.05, history, defaults: DEFAULT_RATES.sms });
    // revenue = 1000 × 0.05 × 80 = 4000; cost = 1000 × 0.05 = 50; ROI = (4000 − 50) / 50 × 100 = 7900 %.
    expect(e).toEqual({
      responseRate: 25,
      conversionRate: 5,
      avgOrderValue: 80,
      revenue: 4000,
      cost: 50,
      roi: 7900,
      basis: { rates: 'history', avgOrderValue: 'history', messages: 200, min_messages: MIN_HISTORY_MESSAGES },
    });
  });

  it("falls back to the channel's default rates and the default order value without history", () => {
    const e = expectedReturn({ audience: 500, costPerMessage: 0.001, history: none, defaults: DEFAULT_RATES.email });
    const revenue = 500 * DEFAULT_RATES.email.conversion * DEFAULT_AVG_ORDER_VALUE;
    expect(e).toEqual({
      responseRate: DEFAULT_RATES.email.response * 100,
      conversionRate: DEFAULT_RATES.email.conversion * 100,
      avgOrderValue: DEFAULT_AVG_ORDER_VALUE,
      revenue,
      cost: 0.5,
      roi: ((revenue - 0.5) / 0.5) * 100,
      basis: { rates: 'defaults', avgOrderValue: 'defaults', messages: 0, min_messages: MIN_HISTORY_MESSAGES },
    });
  });

  it('takes rates from the history only from MIN_HISTORY_MESSAGES messages on (100, its documented value)', () => {
    expect(MIN_HISTORY_MESSAGES).toBe(100);
    const history = (sent: number) => ({ ...none, sent, responded: sent, converted: sent });
    const below = expectedReturn({ audience: 10, costPerMessage: 0.05, history: history(99), defaults: DEFAULT_RATES.sms });
    expect(below).toMatchObject({
      responseRate: DEFAULT_RATES.sms.response * 100,
      conversionRate: DEFAULT_RATES.sms.conversion * 100,
      basis: { rates: 'defaults', messages: 99, min_messages: 100 },
    });
    const enough = expectedReturn({ audience: 10, costPerMessage: 0.05, history: history(100), defaults: DEFAULT_RATES.sms });
    expect(enough).toMatchObject({ responseRate: 100, conversionRate: 100, basis: { rates: 'history', messages: 100 } });
  });

  it('mixes: messages but no orders, and a loss is a negative ROI', () => {
    const e = expectedReturn({
      audience: 10,
      costPerMessage: 0.05,
      history: { ...none, sent: 100, responded: 10 },
      defaults: DEFAULT_RATES.sms,
    });
    expect(e).toMatchObject({
      conversionRate: 0,
      revenue: 0,
      cost: 0.5,
      roi: -100,
      basis: { rates: 'history', avgOrderValue: 'defaults' },
    });
  });

  it('has no ROI when the campaign costs nothing', () => {
    expect(expectedReturn({ audience: 0, costPerMessage: 0.05, history: none, defaults: DEFAULT_RATES.sms }).roi).toBeNull();
    expect(expectedReturn({ audience: 10, costPerMessage: 0, history: none, defaults: DEFAULT_RATES.sms }).roi).toBeNull();
  });

  it('rounds only what it shows (ROI from unrounded figures)', () => {
    const e = expectedReturn({
      audience: 3,
      costPerMessage: 0.001,
      history: { sent: 300, responded: 100, converted: 100, orders: 3, orderRevenue: 100 },
      defaults: DEFAULT_RATES.email,
    });
    expect(e.responseRate).toBe(33.33);
    expect(e.avgOrderValue).toBe(33.33);
    expect(e.revenue).toBe(33.33);
    expect(e.cost).toBe(0.003);
    expect(e.roi).toBe(Math.round(((100 / 3 - 0.003) / 0.003) * 100 * 10) / 10);
  });
});

describe('offers and content', () => {
  it('follows the offer table', () => {
    expect(Object.fromEntries(RFM_GROUPS.map((s) => [s, OFFERS[s].kind]))).toEqual({
      vip: 'double_points',
      loyal: 'double_points',
      potential: 'gift_and_upgrade_plan',
      regular: 'discount',
      churn_risk: 'win_back_pack',
      new: 'coupon_pack',
    });
    expect(offerContent('potential', 'sms').text).toMatch(/gift.*upgrade plan/);
  });

  it('is valid campaign content on every channel, personalised with the first name', () => {
    for (const group of RFM_GROUPS) {
      for (const channel of PERSONALISED_CHANNELS) {
        const parts = campaignParts(channel, 'x', offerContent(group, channel));
        expect(() => checkParts(parts, 'content')).not.toThrow();
        const rendered = Object.values(parts)
          .map((p) => renderTemplate(p, { customer: { first_name: 'Ada' }, brand: 'Shop' }, 'text'))
          .join(' ');
        expect(rendered).toContain('Ada');
        expect(rendered).not.toContain('{{');
      }
    }
    expect(renderTemplate(offerContent('vip', 'sms').text!, { customer: { first_name: null } }, 'text')).toMatch(/^Hi there, /);
  });
});
