import { describe, expect, it } from 'vitest';
import { isNightHour, kindOf, preferenceTag, type TagFacts, tagsOf, thresholdsOf } from '../../src/intelligence/customer-tags.js';
import { DEFAULT_INTELLIGENCE_SETTINGS as S } from '../../src/intelligence/rfm.js';

/** A customer with one order today worth 100 and nothing else remarkable (active, low_value). */
const facts = (f: Partial<TagFacts> = {}): TagFacts => ({
  recencyDays: 0,
  frequency: 1,
  monetary: 100,
  lifetimeOrders: 1,
  daysSinceActivity: 0,
  daysSinceSignup: 100,
  nightOrders: 0,
  visits: 0,
  nightVisits: 0,
  packageItems: 0,
  timezone: null,
  categoryItems: {},
  totalItems: 0,
  messagesSent: 0,
  messagesResponded: 0,
  ...f,
});
const names = (f: Partial<TagFacts>) => tagsOf(facts(f), S).map((t) => t.tag);
const has = (tag: string, f: Partial<TagFacts>) => names(f).includes(tag);
const evidence = (tag: string, f: Partial<TagFacts>) => tagsOf(facts(f), S).find((t) => t.tag === tag)?.evidence;

describe('behaviour tags, each just holding and just missing', () => {
  it('high_frequency: more than 5 orders in the window', () => {
    expect(has('high_frequency', { frequency: 6 })).toBe(true);
    expect(has('high_frequency', { frequency: 5 })).toBe(false);
    expect(evidence('high_frequency', { frequency: 6 })).toEqual({ orders: 6 });
  });

  it('low_frequency: fewer than 2 orders in the window, having ordered at all', () => {
    expect(has('low_frequency', { frequency: 1 })).toBe(true);
    expect(has('low_frequency', { frequency: 0, lifetimeOrders: 3 })).toBe(true);
    expect(has('low_frequency', { frequency: 2, lifetimeOrders: 2 })).toBe(false);
    expect(has('low_frequency', { frequency: 0, lifetimeOrders: 0 })).toBe(false);
  });

  it('active: under 30 days since the last order or activity; dormant: over 90 (signup when neither)', () => {
    expect(has('active', { daysSinceActivity: 29 })).toBe(true);
    expect(has('active', { daysSinceActivity: 30 })).toBe(false);
    expect(has('dormant', { daysSinceActivity: 91 })).toBe(true);
    expect(has('dormant', { daysSinceActivity: 90 })).toBe(false);
    expect(evidence('dormant', { daysSinceActivity: null, daysSinceSignup: 200 })).toEqual({ days_since_activity: 200, since: 'signup' });
  });

  it('night_visitor: at least 3 orders in the window, at least 60 % of them at night', () => {
    expect(has('night_visitor', { frequency: 5, nightOrders: 3 })).toBe(true);
    expect(has('night_visitor', { frequency: 5, nightOrders: 2 })).toBe(false);
    expect(has('night_visitor', { frequency: 2, nightOrders: 2 })).toBe(false);
    expect(evidence('night_visitor', { frequency: 3, nightOrders: 2, timezone: 'Asia/Tokyo' })).toEqual({
      night_orders: 2,
      orders: 3,
      night_visits: 0,
      visits: 0,
      share: 0.6667,
      time_zone: 'Asia/Tokyo',
    });
  });

  it('night_visitor counts visits beside orders: 3 touches, 60 % of them at night', () => {
    // No order at all: three night visits of three make it.
    expect(has('night_visitor', { frequency: 0, lifetimeOrders: 0, visits: 3, nightVisits: 3 })).toBe(true);
    expect(has('night_visitor', { frequency: 0, lifetimeOrders: 0, visits: 2, nightVisits: 2 })).toBe(false);
    // 1 night order of 2 and 2 night visits of 3: 3 of 5 = 60 %.
    expect(evidence('night_visitor', { frequency: 2, nightOrders: 1, visits: 3, nightVisits: 2 })).toMatchObject({ share: 0.6 });
    expect(has('night_visitor', { frequency: 2, nightOrders: 1, visits: 3, nightVisits: 1 })).toBe(false);
  });

  it('package_buyer: at least 3 package items in the window, after the lover tags', () => {
    const f = { packageItems: 3, categoryItems: { wine: 5 }, totalItems: 8 };
    expect(names(f).filter((t) => t === 'wine_lover' || t === 'package_buyer')).toEqual(['wine_lover', 'package_buyer']);
    expect(evidence('package_buyer', f)).toEqual({ package_items: 3 });
    expect(has('package_buyer', { packageItems: 2 })).toBe(false);
    expect(kindOf('package_buyer')).toBe('preference');
  });

  it('night hours: 22:00 up to 06:00, across midnight', () => {
    const night = S.tags.nightVisitor;
    expect([21, 22, 23, 0, 5, 6].map((h) => isNightHour(h, night))).toEqual([false, true, true, true, true, false]);
    expect([8, 9, 16, 17].map((h) => isNightHour(h, { ...night, startHour: 9, endHour: 17 }))).toEqual([false, true, true, false]);
  });

  it('churn_risk: at least 2 orders ever and more than 90 days since the last', () => {
    expect(has('churn_risk', { lifetimeOrders: 2, recencyDays: 91, frequency: 0 })).toBe(true);
    expect(has('churn_risk', { lifetimeOrders: 2, recencyDays: 90, frequency: 0 })).toBe(false);
    expect(has('churn_risk', { lifetimeOrders: 1, recencyDays: 200, frequency: 0 })).toBe(false);
  });
});

describe('preference tags', () => {
  it('<category>_lover: at least 3 items of it and at least 40 % of all items in the window', () => {
    expect(names({ categoryItems: { beer: 3, wine: 4 }, totalItems: 7 })).toEqual(expect.arrayContaining(['wine_lover', 'beer_lover']));
    expect(has('beer_lover', { categoryItems: { beer: 3, wine: 5 }, totalItems: 8 })).toBe(false);
    expect(has('beer_lover', { categoryItems: { beer: 2 }, totalItems: 2 })).toBe(false);
    expect(evidence('beer_lover', { categoryItems: { beer: 3, wine: 2 }, totalItems: 5 })).toEqual({
      category: 'beer',
      items: 3,
      total_items: 5,
      share: 0.6,
    });
  });

  it('alphabetical, one per tag; the tag is the category in lower case, words joined by _', () => {
    expect(names({ categoryItems: { wine: 4, beer: 3 }, totalItems: 7 }).filter((t) => t.endsWith('_lover'))).toEqual([
      'beer_lover',
      'wine_lover',
    ]);
    // "Beer" and "beer" make one tag: the category with more items gives the evidence.
    expect(tagsOf(facts({ categoryItems: { Beer: 3, beer: 4 }, totalItems: 7 }), S).filter((t) => t.kind === 'preference')).toEqual([
      { tag: 'beer_lover', kind: 'preference', evidence: { category: 'beer', items: 4, total_items: 7, share: 0.5714 } },
    ]);
    expect(preferenceTag('Craft Beer')).toBe('craft_beer_lover');
    expect(preferenceTag('  --  ')).toBeNull();
    expect(kindOf('craft_beer_lover')).toBe('preference');
  });
});

describe('value tags', () => {
  it('high_value > 1000, medium_value 500–1000, low_value < 500 in the window, having ordered', () => {
    expect(names({ monetary: 1000.01 })).toContain('high_value');
    expect(names({ monetary: 1000 })).toContain('medium_value');
    expect(names({ monetary: 500 })).toContain('medium_value');
    expect(names({ monetary: 499.99 })).toContain('low_value');
    expect(names({ monetary: 0, frequency: 0, lifetimeOrders: 0 }).some((t) => t.endsWith('_value'))).toBe(false);
  });

  it('potential: an average order of at least 200 with no more than 5 orders', () => {
    expect(has('potential', { frequency: 2, monetary: 400 })).toBe(true);
    expect(has('potential', { frequency: 2, monetary: 399.99 })).toBe(false);
    expect(has('potential', { frequency: 6, monetary: 6000 })).toBe(false);
    expect(evidence('potential', { frequency: 2, monetary: 401 })).toEqual({ orders: 2, average_order: 200.5 });
  });

  it('responsive: at least 3 messages, at least 30 % opened, clicked or converted', () => {
    expect(has('responsive', { messagesSent: 10, messagesResponded: 3 })).toBe(true);
    expect(has('responsive', { messagesSent: 10, messagesResponded: 2 })).toBe(false);
    expect(has('responsive', { messagesSent: 2, messagesResponded: 2 })).toBe(false);
  });

  it('evidence beside its thresholds', () => {
    expect(thresholdsOf('high_value', S)).toEqual({ above: 1000, window_days: 365 });
    expect(thresholdsOf('night_visitor', S)).toEqual({ min_orders: 3, min_share: 0.6, hours: '22:00-06:00', window_days: 365 });
    expect(thresholdsOf('beer_lover', S)).toEqual({ min_items: 3, min_share: 0.4, window_days: 365 });
  });
});
