import { describe, expect, it } from 'vitest';
import { tierRulesFrom, tierSettingsSchema } from '../../src/tiers/settings.js';
import { type CustomerTotals, DEFAULT_TIER_RULES, evaluate, tierRank, TIERS } from '../../src/domain/tiers.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const totals = (t: Partial<CustomerTotals> = {}): CustomerTotals => ({
  tier: 'new',
  totalSpend: 0,
  orderCount: 0,
  visitCount: 0,
  lastActivityAt: NOW,
  ...t,
});
const run = (t: Partial<CustomerTotals>) => evaluate(totals(t), DEFAULT_TIER_RULES, NOW);
const qualified = (t: Partial<CustomerTotals>) => run(t).qualifiedTier;

describe('tier ranks', () => {
  it('orders churn_risk < new < regular < potential < loyal < vip, unknown tiers below all', () => {
    expect(TIERS.map(tierRank)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tierRank('gold')).toBe(-1);
  });
});

describe('qualified tier at each default threshold (inclusive)', () => {
  it('new: nothing yet, or just short of regular on any one threshold', () => {
    expect(qualified({})).toBe('new');
    expect(qualified({ lastActivityAt: null })).toBe('new');
    expect(qualified({ totalSpend: 99.99, orderCount: 2, visitCount: 1 })).toBe('new');
    expect(qualified({ totalSpend: 100, orderCount: 1, visitCount: 1 })).toBe('new');
    expect(qualified({ totalSpend: 100, orderCount: 2, visitCount: 0 })).toBe('new');
  });

  it('regular: 100 spent, 2 orders, 1 visit', () => {
    expect(qualified({ totalSpend: 100, orderCount: 2, visitCount: 1 })).toBe('regular');
    expect(qualified({ totalSpend: 999.99, orderCount: 9, visitCount: 9 })).toBe('regular');
  });

  it('potential: 1000 spent in a single order (high value, low frequency)', () => {
    expect(qualified({ totalSpend: 1000, orderCount: 1, visitCount: 1 })).toBe('potential');
    expect(qualified({ totalSpend: 1999.99, orderCount: 30, visitCount: 30 })).toBe('potential');
  });

  it('loyal: 2000 spent, 10 orders, 10 visits', () => {
    expect(qualified({ totalSpend: 2000, orderCount: 10, visitCount: 10 })).toBe('loyal');
    expect(qualified({ totalSpend: 2000, orderCount: 10, visitCount: 9 })).toBe('potential');
    expect(qualified({ totalSpend: 2000, orderCount: 9, visitCount: 10 })).toBe('potential');
  });

  it('vip: 5000 spent, 20 orders, 20 visits', () => {
    expect(qualified({ totalSpend: 5000, orderCount: 20, visitCount: 20 })).toBe('vip');
    expect(qualified({ totalSpend: 4999.99, orderCount: 20, visitCount: 20 })).toBe('loyal');
    expect(qualified({ totalSpend: 5000, orderCount: 19, visitCount: 20 })).toBe('loyal');
    expect(qualified({ totalSpend: 5000, orderCount: 20, visitCount: 19 })).toBe('loyal');
  });

  it('churn_risk: 60 days without activity, whatever the totals', () => {
    const vipTotals = { totalSpend: 9000, orderCount: 50, visitCount: 50 };
    expect(qualified({ ...vipTotals, lastActivityAt: NOW - 59 * DAY - 1 })).toBe('vip');
    expect(qualified({ ...vipTotals, lastActivityAt: NOW - 60 * DAY })).toBe('churn_risk');
    expect(run({ ...vipTotals, lastActivityAt: NOW - 60 * DAY })).toMatchObject({ eligible: false, daysSinceActivity: 60 });
    // Never active at all is new, not at risk; activity stamped in the future counts as today.
    expect(qualified({ lastActivityAt: null })).toBe('new');
    expect(run({ lastActivityAt: NOW + DAY }).daysSinceActivity).toBe(0);
  });
});

describe('eligibility, next tier, progress and what is missing', () => {
  it('a new customer halfway to regular', () => {
    expect(run({ totalSpend: 50, orderCount: 1, visitCount: 1 })).toEqual({
      currentTier: 'new',
      qualifiedTier: 'new',
      nextTier: 'regular',
      // (50/100 + 1/2 + 1/1) / 3
      progress: 66,
      eligible: false,
      missing: { spend: 50, orders: 1, visits: 0 },
      daysSinceActivity: 0,
    });
  });

  it('is eligible when the qualified tier ranks above the current one, and may skip tiers', () => {
    expect(run({ totalSpend: 150, orderCount: 2, visitCount: 1 })).toMatchObject({ eligible: true, nextTier: 'regular', progress: 100 });
    expect(run({ totalSpend: 1500, orderCount: 2, visitCount: 1 })).toMatchObject({
      eligible: true,
      qualifiedTier: 'potential',
      nextTier: 'potential',
      missing: { spend: 0, orders: 0, visits: 0 },
    });
    expect(run({ tier: 'regular', totalSpend: 1500, orderCount: 2, visitCount: 1 })).toMatchObject({
      eligible: true,
      nextTier: 'potential',
    });
  });

  it('is not eligible at or below the current tier; the next tier is the one above it', () => {
    expect(run({ tier: 'regular', totalSpend: 150, orderCount: 2, visitCount: 1 })).toMatchObject({
      eligible: false,
      qualifiedTier: 'regular',
      nextTier: 'potential',
      missing: { spend: 850, orders: 0, visits: 0 },
      // (150/1000 + 1 + 1) / 3
      progress: 71,
    });
    // Held a higher tier than the totals support (rules changed): no downgrade, no upgrade.
    expect(run({ tier: 'loyal', totalSpend: 150, orderCount: 2, visitCount: 1 })).toMatchObject({ eligible: false, nextTier: 'vip' });
  });

  it('never shows 100 % while something is missing, and 100 % at the top', () => {
    expect(run({ tier: 'regular', totalSpend: 999.99, orderCount: 5, visitCount: 5 }).progress).toBe(99);
    expect(run({ tier: 'vip', totalSpend: 10, orderCount: 1, visitCount: 1 })).toMatchObject({
      nextTier: null,
      progress: 100,
      eligible: false,
    });
  });

  it('a customer at churn risk is not eligible even with the totals for a higher tier', () => {
    expect(run({ totalSpend: 150, orderCount: 2, visitCount: 1, lastActivityAt: NOW - 90 * DAY })).toMatchObject({
      qualifiedTier: 'churn_risk',
      eligible: false,
      nextTier: 'regular',
      progress: 100,
    });
  });

  it('an unknown current tier (a row edited by hand) can be upgraded out of', () => {
    expect(run({ tier: 'gold', totalSpend: 0 })).toMatchObject({ eligible: true, qualifiedTier: 'new' });
  });

  it('follows configured rules, in any order, with zero thresholds met', () => {
    const rules = {
      rules: [
        { tier: 'vip' as const, minSpend: 300, minOrders: 0, minVisits: 0, rewards: { points: 1 } },
        { tier: 'regular' as const, minSpend: 10, minOrders: 0, minVisits: 0, rewards: { points: 1 } },
      ],
      churnRisk: { inactiveDays: 7 },
    };
    expect(evaluate(totals({ totalSpend: 10 }), rules, NOW)).toMatchObject({ qualifiedTier: 'regular', eligible: true });
    expect(evaluate(totals({ tier: 'regular', totalSpend: 150 }), rules, NOW)).toMatchObject({ nextTier: 'vip', progress: 83 });
    expect(evaluate(totals({ totalSpend: 300, lastActivityAt: NOW - 7 * DAY }), rules, NOW).qualifiedTier).toBe('churn_risk');
  });
});

describe('tier settings', () => {
  it('accepts the defaults and names a bad field', () => {
    expect(tierSettingsSchema.safeParse(DEFAULT_TIER_RULES).success).toBe(true);
    const bad = structuredClone(DEFAULT_TIER_RULES) as unknown as { rules: Array<Record<string, unknown>> };
    bad.rules[1]!.minSpend = -1;
    const result = tierSettingsSchema.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['rules', 1, 'minSpend']);
    const twice = { ...DEFAULT_TIER_RULES, rules: [DEFAULT_TIER_RULES.rules[0], DEFAULT_TIER_RULES.rules[0]] };
    expect(tierSettingsSchema.safeParse(twice).error?.issues[0]?.path).toEqual(['rules', 1, 'tier']);
  });

  it('reads missing or malformed stored settings as the defaults', () => {
    expect(tierRulesFrom(null)).toBe(DEFAULT_TIER_RULES);
    expect(tierRulesFrom({ rules: 'x' })).toBe(DEFAULT_TIER_RULES);
    expect(tierRulesFrom({ ...DEFAULT_TIER_RULES, churnRisk: { inactiveDays: 3 } }).churnRisk.inactiveDays).toBe(3);
  });
});
