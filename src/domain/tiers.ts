// Loyalty tiers: which tier a customer's totals qualify for, and how far the next one is.
// Pure (no I/O, no zod), so workflow code, activities and the API share it.

/** Every tier, lowest rank first. Upgrades only move up this list. */
export const TIERS = ['churn_risk', 'new', 'regular', 'potential', 'loyal', 'vip'] as const;
export type Tier = (typeof TIERS)[number];

/** The tiers reached by thresholds; `new` is where everyone starts, `churn_risk` comes from inactivity. */
export const RULE_TIERS = ['regular', 'potential', 'loyal', 'vip'] as const;
export type RuleTier = (typeof RULE_TIERS)[number];

export const TIER_LABELS: Record<Tier, string> = {
  churn_risk: 'Churn risk',
  new: 'New',
  regular: 'Regular',
  potential: 'Potential',
  loyal: 'Loyal',
  vip: 'VIP',
};

/** Rank in TIERS; -1 for a tier this code does not know (a row edited by hand), below every known one. */
export const tierRank = (tier: string): number => (TIERS as readonly string[]).indexOf(tier);

export interface TierRewards {
  points: number;
  /** A coupon issued with the upgrade. */
  coupon?: { percentOff: number; validDays: number };
  /** A gift to send the customer: a gift record (pending until the CRM fulfils it) is made with the upgrade. */
  gift?: { sku: string; name: string };
  /** The tier's standing member discount (percent off every order while the tier is held), shown on the profile. */
  discount?: { percentOff: number };
}

/** A customer qualifies for `tier` when every threshold is met (all inclusive). */
export interface TierRule {
  tier: RuleTier;
  minSpend: number;
  minOrders: number;
  minVisits: number;
  rewards: TierRewards;
}

export interface TierRules {
  rules: TierRule[];
  /** Active before, but nothing for this many days: the customer is at churn risk and upgrades wait. */
  churnRisk: { inactiveDays: number };
}

export interface CustomerTotals {
  tier: string;
  totalSpend: number;
  orderCount: number;
  visitCount: number;
  /** Epoch ms; null when the customer was never seen active. */
  lastActivityAt: number | null;
}

export interface TierEvaluation {
  /** The tier the customer holds. */
  currentTier: string;
  /** The highest tier the totals qualify for (churn_risk overrides them all). */
  qualifiedTier: Tier;
  /** Where the next upgrade goes: the qualified tier when eligible, else the lowest tier above the current one. */
  nextTier: RuleTier | null;
  /** 0–100 toward nextTier: the mean of each threshold's share met, rounded down (100 only when all are met). */
  progress: number;
  /** The qualified tier ranks above the current one. */
  eligible: boolean;
  /** What is still missing for nextTier (zeros when eligible or at the top). */
  missing: { spend: number; orders: number; visits: number };
  daysSinceActivity: number | null;
}

const DAY = 86_400_000;

/** The defaults of version 1 (README, "Tier rules"). */
export const DEFAULT_TIER_RULES: TierRules = {
  rules: [
    { tier: 'regular', minSpend: 100, minOrders: 2, minVisits: 1, rewards: { points: 100 } },
    { tier: 'potential', minSpend: 1000, minOrders: 1, minVisits: 1, rewards: { points: 200, coupon: { percentOff: 10, validDays: 30 } } },
    { tier: 'loyal', minSpend: 2000, minOrders: 10, minVisits: 10, rewards: { points: 500, coupon: { percentOff: 15, validDays: 30 } } },
    { tier: 'vip', minSpend: 5000, minOrders: 20, minVisits: 20, rewards: { points: 1000, coupon: { percentOff: 20, validDays: 60 } } },
  ],
  churnRisk: { inactiveDays: 60 },
};

export const ruleFor = (rules: TierRules, tier: string): TierRule | undefined => rules.rules.find((r) => r.tier === tier);

function meets(totals: CustomerTotals, rule: TierRule): boolean {
  return totals.totalSpend >= rule.minSpend && totals.orderCount >= rule.minOrders && totals.visitCount >= rule.minVisits;
}

/** The share of one threshold met, 0..1; a zero threshold is met. */
const share = (value: number, threshold: number) => (threshold <= 0 ? 1 : Math.min(1, Math.max(0, value) / threshold));

const cents = (n: number) => Math.round(n * 100) / 100;

export function evaluate(totals: CustomerTotals, rules: TierRules, now: number): TierEvaluation {
  const daysSinceActivity = totals.lastActivityAt === null ? null : Math.max(0, Math.floor((now - totals.lastActivityAt) / DAY));
  const atRisk = daysSinceActivity !== null && daysSinceActivity >= rules.churnRisk.inactiveDays;
  const byRank = [...rules.rules].sort((a, b) => tierRank(a.tier) - tierRank(b.tier));
  const qualifiedTier: Tier = atRisk ? 'churn_risk' : (byRank.filter((r) => meets(totals, r)).at(-1)?.tier ?? 'new');
  const current = tierRank(totals.tier);
  const eligible = tierRank(qualifiedTier) > current;

  const target = eligible ? ruleFor(rules, qualifiedTier) : byRank.find((r) => tierRank(r.tier) > current);
  if (!target)
    return { currentTier: totals.tier, qualifiedTier, nextTier: null, progress: 100, eligible, missing: none(), daysSinceActivity };
  const missing = {
    spend: cents(Math.max(0, target.minSpend - totals.totalSpend)),
    orders: Math.max(0, target.minOrders - totals.orderCount),
    visits: Math.max(0, target.minVisits - totals.visitCount),
  };
  const shares = [
    share(totals.totalSpend, target.minSpend),
    share(totals.orderCount, target.minOrders),
    share(totals.visitCount, target.minVisits),
  ];
  const complete = missing.spend === 0 && missing.orders === 0 && missing.visits === 0;
  // Rounded down, and never 100 while something is missing (99.6 % is not done).
  const progress = complete ? 100 : Math.min(99, Math.floor((shares.reduce((a, b) => a + b, 0) / shares.length) * 100));
  return { currentTier: totals.tier, qualifiedTier, nextTier: target.tier, progress, eligible, missing, daysSinceActivity };
}

function none() {
  return { spend: 0, orders: 0, visits: 0 };
}
