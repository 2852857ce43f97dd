import { describe, expect, it } from 'vitest';
import {
  churnRiskOf,
  expectedGap,
  isPackageCategory,
  isVisit,
  preferredSlots,
  responseRateOf,
  slotIndex,
} from '../../src/intelligence/behaviour.js';
import { DEFAULT_INTELLIGENCE_SETTINGS as S } from '../../src/intelligence/rfm.js';

describe('time slots', () => {
  it('six local hours each: 05 night, 06 morning, 12 afternoon, 18 evening, 23 evening', () => {
    expect([0, 5, 6, 11, 12, 17, 18, 23].map(slotIndex)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it('the two slots with most touches, most first; a tie to the earlier slot; empty slots never', () => {
    expect(preferredSlots([0, 3, 0, 4]).map((s) => s.slot)).toEqual(['evening', 'morning']);
    expect(preferredSlots([2, 2, 2, 0]).map((s) => s.slot)).toEqual(['night', 'morning']);
    expect(preferredSlots([0, 0, 1, 0])).toEqual([{ slot: 'afternoon', hours: '12:00-18:00', touches: 1 }]);
    expect(preferredSlots([0, 0, 0, 0])).toEqual([]);
  });
});

describe('churn risk', () => {
  const f = { lifetimeOrders: 3, recencyDays: 10, orderSpanDays: 20, quietDays: 0 };
  it('0 within one of the customer’s own gaps, silence only adding', () => {
    expect(churnRiskOf(f, S)).toBe(0);
    expect(churnRiskOf({ ...f, quietDays: 45 }, S)).toBe(0.15); // 0.3 × 45 ÷ 90
  });
  it('overdue grows to 1 at three gaps; silence caps at the dormant bound', () => {
    expect(churnRiskOf({ ...f, recencyDays: 20, quietDays: 0 }, S)).toBe(0.35); // (20 ÷ 10 − 1) ÷ 2 = 0.5
    expect(churnRiskOf({ ...f, recencyDays: 30, quietDays: 90 }, S)).toBe(1);
    expect(churnRiskOf({ ...f, recencyDays: 300, quietDays: 300 }, S)).toBe(1);
  });
  it('one order: the gap is the threshold table’s "recent" bound; none: null', () => {
    expect(expectedGap({ lifetimeOrders: 1, orderSpanDays: 0 }, S)).toBe(30);
    expect(expectedGap({ lifetimeOrders: 2, orderSpanDays: 0 }, S)).toBe(1); // same-day orders: at least a day
    expect(churnRiskOf({ lifetimeOrders: 1, recencyDays: 60, orderSpanDays: 0, quietDays: 60 }, S)).toBe(0.55);
    expect(churnRiskOf({ lifetimeOrders: 0, recencyDays: null, orderSpanDays: 0, quietDays: 500 }, S)).toBeNull();
  });
});

describe('response rate, packages, visits', () => {
  it('responded ÷ sent to 4 places; null when nothing was sent', () => {
    expect([responseRateOf(1, 3), responseRateOf(0, 2), responseRateOf(0, 0)]).toEqual([0.3333, 0, null]);
  });
  it('a package category in any case and script', () => {
    expect(['Gift Package', 'BUNDLE deals', '啤酒套餐', '中秋礼盒'].map(isPackageCategory)).toEqual([true, true, true, true]);
    expect(['beer', 'packing tape', '礼物'].map(isPackageCategory)).toEqual([false, false, false]);
  });
  it('visits: logins, page views and app opens, unless marked not activity', () => {
    expect(['login', 'page_view', 'app_open', 'order_completed', 'cart_updated'].map((type) => isVisit({ type }))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(isVisit({ type: 'page_view', properties: { activity: false } })).toBe(false);
  });
});
