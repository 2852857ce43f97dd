import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/env.js';
import { campaignCost, campaignPerformance, DEFAULT_CHANNEL_COSTS, percent, roi } from '../../src/campaigns/roi.js';

describe('campaign performance formulas', () => {
  it('costs sent messages at their channel’s price, without float noise', () => {
    expect(campaignCost({ email: 3 }, DEFAULT_CHANNEL_COSTS)).toBe(0.003);
    expect(campaignCost({ email: 1000, sms: 10, push: 3, webhook: 50 }, DEFAULT_CHANNEL_COSTS)).toBe(1 + 0.5 + 0.0015);
    expect(campaignCost({}, DEFAULT_CHANNEL_COSTS)).toBe(0);
  });

  it('gives ROI in percent, null when nothing was spent', () => {
    expect(roi(150, 50)).toBe(200);
    expect(roi(0, 0.003)).toBe(-100);
    expect(roi(10, 0.003)).toBe(333233.33);
    expect(roi(10, 0)).toBeNull();
  });

  it('gives rates in percent to 2 places, null on an empty base', () => {
    expect(percent(1, 3)).toBe(33.33);
    expect(percent(2, 3)).toBe(66.67);
    expect(percent(0, 5)).toBe(0);
    expect(percent(1, 0)).toBeNull();
  });

  it('takes rates per delivered record, or per sent one when no delivery is recorded', () => {
    const counts = { sent: 10, sentByChannel: { sms: 10 }, opened: 0, clicked: 3, responded: 3, converted: 2, revenue: 40 };
    expect(campaignPerformance({ ...counts, delivered: 6 }, DEFAULT_CHANNEL_COSTS)).toEqual({
      sent: 10,
      delivered: 6,
      opened: 0,
      clicked: 3,
      converted: 2,
      revenue: 40,
      cost: 0.5,
      roi: 7900,
      responseRate: 50,
      conversionRate: 33.33,
      openRate: 0,
      clickRate: 50,
      rateBase: 'delivered',
      delivered_basis: 'receipts',
      rates: {
        delivery_rate: { value: 60, base: 'sent', numerator: 6, denominator: 10 },
        open_rate: { value: 0, base: 'delivered', numerator: 0, denominator: 6 },
        click_rate: { value: 50, base: 'delivered', numerator: 3, denominator: 6 },
        response_rate: { value: 50, base: 'delivered', numerator: 3, denominator: 6 },
        conversion_rate: { value: 33.33, base: 'delivered', numerator: 2, denominator: 6 },
      },
    });
    expect(campaignPerformance({ ...counts, delivered: 0 }, DEFAULT_CHANNEL_COSTS)).toMatchObject({
      responseRate: 30,
      conversionRate: 20,
      clickRate: 30,
      rateBase: 'sent',
      delivered_basis: 'sent_minus_bounces',
    });
    // No receipt, two of ten bounced: delivered is 8, declared as sent − bounces, and every rate is of it.
    const bounced = campaignPerformance({ ...counts, delivered: 8, deliveredBasis: 'sent_minus_bounces' }, DEFAULT_CHANNEL_COSTS);
    expect(bounced).toMatchObject({ delivered: 8, clickRate: 37.5, rateBase: 'sent', delivered_basis: 'sent_minus_bounces' });
    expect(bounced.rates.click_rate).toEqual({ value: 37.5, base: 'delivered', numerator: 3, denominator: 8 });
    expect(bounced.rates.delivery_rate).toEqual({ value: 80, base: 'sent', numerator: 8, denominator: 10 });
    // Nothing sent: no cost, no ROI, no rates.
    const none = campaignPerformance(
      { sent: 0, sentByChannel: {}, delivered: 0, opened: 0, clicked: 0, responded: 0, converted: 0, revenue: 0 },
      DEFAULT_CHANNEL_COSTS,
    );
    expect(none).toMatchObject({ cost: 0, roi: null, responseRate: null, conversionRate: null, openRate: null, clickRate: null });
  });

  it('uses the configured costs', () => {
    const p = campaignPerformance(
      { sent: 4, sentByChannel: { webhook: 4 }, delivered: 0, opened: 0, clicked: 0, responded: 0, converted: 1, revenue: 9.99 },
      { ...DEFAULT_CHANNEL_COSTS, webhook: 0.25 },
    );
    expect(p).toMatchObject({ cost: 1, revenue: 9.99, roi: 899 });
  });
});

describe('channel costs and recommendation settings from the environment', () => {
  it('has the documented defaults and reads each variable', () => {
    const defaults = loadConfig({});
    expect(defaults.channelCosts).toEqual(DEFAULT_CHANNEL_COSTS);
    expect(defaults.recommendations).toEqual({ refreshEveryMinutes: 360, topK: 20, minTogether: 1 });
    const set = loadConfig({
      CHANNEL_COST_EMAIL: '0.002',
      CHANNEL_COST_SMS: '0.07',
      CHANNEL_COST_PUSH: '0',
      CHANNEL_COST_WEBHOOK: '0.01',
      RECOMMENDATIONS_REFRESH_EVERY_MINUTES: '0',
      RECOMMENDATIONS_TOP_K: '5',
      RECOMMENDATIONS_MIN_TOGETHER: '2',
    });
    expect(set.channelCosts).toEqual({ email: 0.002, sms: 0.07, push: 0, wechat: 0.001, webhook: 0.01 });
    expect(set.recommendations).toEqual({ refreshEveryMinutes: 0, topK: 5, minTogether: 2 });
    expect(() => loadConfig({ CHANNEL_COST_SMS: '-1' })).toThrow(/CHANNEL_COST_SMS/);
    expect(() => loadConfig({ RECOMMENDATIONS_TOP_K: '0' })).toThrow(/RECOMMENDATIONS_TOP_K/);
  });
});
