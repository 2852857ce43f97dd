// Customer intelligence: RFM scores, the RFM group a customer stands in and the computed
// tags with the numbers that made them hold. Pure: src/intelligence/ computes the same for every customer
// at once in SQL (its tests check both agree); these functions are the readable definition.

import { TIER_LABELS } from '../domain/tiers.js';

export const RFM_METHODS = ['threshold', 'quintile'] as const;
export type RfmMethod = (typeof RFM_METHODS)[number];

export const LEVELS = ['low', 'mid', 'high'] as const;
export type Level = (typeof LEVELS)[number];

/**
 * Every RFM group, in the order they are shown. In code "segment" means a dynamic segment (src/segments/);
 * the API's paths and fields, and customer_insights.segment, still call these groups segments.
 */
export const RFM_GROUPS = ['vip', 'loyal', 'potential', 'regular', 'churn_risk', 'new'] as const;
export type RfmGroup = (typeof RFM_GROUPS)[number];
/** The order the groups' rules are tried in: the first that holds places the customer; regular when none does. */
export const RFM_GROUP_EVALUATION_ORDER = ['new', 'churn_risk', 'vip', 'loyal', 'potential'] as const;
export type RuleRfmGroup = (typeof RFM_GROUP_EVALUATION_ORDER)[number];

/** RFM groups carry the tier names, and the tiers' labels too. */
export const RFM_GROUP_NAMES: Record<RfmGroup, string> = TIER_LABELS;

/**
 * The threshold table: R < 30 days high, 30–90 mid, > 90 low; F > 5 high, 2–5 mid, < 2 low;
 * M > 1000 high, 500–1000 mid, < 500 low. The middle band includes both of its ends.
 */
export interface RfmThresholds {
  recency: { highBelowDays: number; lowAboveDays: number };
  frequency: { highAbove: number; lowBelow: number };
  monetary: { highAbove: number; lowBelow: number };
}

export interface LevelBounds {
  r?: Level;
  f?: Level;
  m?: Level;
}

/** Holds when every `min` level is reached, no `max` level is exceeded, and the lifetime orders suffice. */
export interface RfmGroupRule {
  min?: LevelBounds;
  max?: LevelBounds;
  minLifetimeOrders?: number;
}

export interface IntelligenceSettings {
  rfm: {
    method: RfmMethod;
    /** F and M count the orders of the last `windowDays` days; R is days since the last order ever. */
    windowDays: number;
    thresholds: RfmThresholds;
  };
  /** The RFM groups' rules (`segments` as the settings' JSON names them). */
  segments: {
    /** First order (or, with none, signup) within this many days. */
    new: { withinDays: number };
    churn_risk: RfmGroupRule;
    vip: RfmGroupRule;
    loyal: RfmGroupRule;
    potential: RfmGroupRule;
  };
  tags: {
    /** Days since the latest of the last order and the last activity (signup when neither). */
    activity: { activeBelowDays: number; dormantAboveDays: number };
    /** Orders placed from `startHour` to before `endHour` in the customer's time zone (UTC when none). */
    nightVisitor: { minOrders: number; minShare: number; startHour: number; endHour: number };
    /** `<category>_lover`: items (quantities) of the category in the window. */
    preference: { minItems: number; minShare: number };
    /** Spends much per order but orders rarely: average order in the window, orders not above F's high bound. */
    potential: { minAverageOrder: number };
    /** Messages sent in the window; responded = opened, clicked or converted. */
    responsive: { minMessages: number; minRate: number };
  };
}

export const DEFAULT_INTELLIGENCE_SETTINGS: IntelligenceSettings = {
  rfm: {
    method: 'threshold',
    windowDays: 365,
    thresholds: {
      recency: { highBelowDays: 30, lowAboveDays: 90 },
      frequency: { highAbove: 5, lowBelow: 2 },
      monetary: { highAbove: 1000, lowBelow: 500 },
    },
  },
  segments: {
    new: { withinDays: 30 },
    churn_risk: { max: { r: 'low' }, minLifetimeOrders: 2 },
    vip: { min: { r: 'high', f: 'high', m: 'high' } },
    loyal: { min: { f: 'high', m: 'mid' } },
    potential: { min: { m: 'high' }, max: { f: 'mid' } },
  },
  tags: {
    activity: { activeBelowDays: 30, dormantAboveDays: 90 },
    nightVisitor: { minOrders: 3, minShare: 0.6, startHour: 22, endHour: 6 },
    preference: { minItems: 3, minShare: 0.4 },
    potential: { minAverageOrder: 200 },
    responsive: { minMessages: 3, minRate: 0.3 },
  },
};

// --- Scores -------------------------------------------------------------------------------------------

/** 3 high, 2 mid, 1 low by the threshold table; no order at all is low. */
export function recencyScore(days: number | null, t: RfmThresholds['recency']): number {
  if (days === null) return 1;
  return days < t.highBelowDays ? 3 : days <= t.lowAboveDays ? 2 : 1;
}

export function frequencyScore(orders: number, t: RfmThresholds['frequency']): number {
  return orders > t.highAbove ? 3 : orders >= t.lowBelow ? 2 : 1;
}

export function monetaryScore(amount: number, t: RfmThresholds['monetary']): number {
  return amount > t.highAbove ? 3 : amount >= t.lowBelow ? 2 : 1;
}

/**
 * Quintile score 1–5 of a value held by `atOrBelow` of `population` customers (counting itself and every
 * tie): ceil(5 × atOrBelow / population), i.e. ceil(5 × cume_dist). Ties share a score, unlike NTILE, which
 * cuts a run of equal values in two.
 */
export function quintileScore(atOrBelow: number, population: number): number {
  return Math.ceil((5 * atOrBelow) / population);
}

/**
 * Where scores 2–5 start (the least value scoring at least s, for s = 2..5), from the values of the
 * customers who are ranked. Higher values rank higher; recency ranks by negated days.
 */
export function quintileCuts(values: number[]): number[] | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let s = 2; s <= 5; s++) {
    // The least value whose count at-or-below makes ceil(5k/n) ≥ s; the top value always scores 5.
    for (let i = 0; i < sorted.length; i++) {
      const v = sorted[i]!;
      let k = i + 1;
      while (k < sorted.length && sorted[k] === v) k++;
      if (quintileScore(k, sorted.length) >= s) {
        cuts.push(v);
        break;
      }
      i = k - 1;
    }
  }
  return cuts;
}

/** 1 + the number of cuts the value reaches. */
export const scoreByCuts = (value: number, cuts: number[]): number => 1 + cuts.filter((c) => value >= c).length;

/** Quintile cuts per dimension; recency's are negated days (more recent ranks higher). */
export interface QuintileCuts {
  r: number[] | null;
  f: number[] | null;
  m: number[] | null;
}

export interface RfmValues {
  /** Whole days since the last order; null: never ordered. */
  recencyDays: number | null;
  /** Orders in the window. */
  frequency: number;
  /** Their total. */
  monetary: number;
}

export interface RfmScores {
  r: number;
  f: number;
  m: number;
}

/**
 * Threshold scores by the table; quintile scores by the cuts of the last full refresh, where only customers
 * with a value to rank are ranked (R: those who ordered; F and M: those who ordered in the window) and the
 * others score 1.
 */
export function scoreRfm(v: RfmValues, rfm: IntelligenceSettings['rfm'], cuts?: QuintileCuts): RfmScores {
  if (rfm.method === 'threshold') {
    const t = rfm.thresholds;
    return {
      r: recencyScore(v.recencyDays, t.recency),
      f: frequencyScore(v.frequency, t.frequency),
      m: monetaryScore(v.monetary, t.monetary),
    };
  }
  const by = (value: number | null, c: number[] | null | undefined) => (value === null || !c ? 1 : scoreByCuts(value, c));
  return {
    r: by(v.recencyDays === null ? null : -v.recencyDays, cuts?.r),
    f: by(v.frequency > 0 ? v.frequency : null, cuts?.f),
    m: by(v.monetary > 0 ? v.monetary : null, cuts?.m),
  };
}

/** Threshold: 3 high, 2 mid, 1 low. Quintile: 4–5 high, 3 mid, 1–2 low. */
export function levelOf(score: number, method: RfmMethod): Level {
  if (method === 'threshold') return score >= 3 ? 'high' : score === 2 ? 'mid' : 'low';
  return score >= 4 ? 'high' : score === 3 ? 'mid' : 'low';
}

const rank = (l: Level) => LEVELS.indexOf(l);

// --- RFM groups ---------------------------------------------------------------------------------------

export interface RfmGroupFacts {
  levels: { r: Level; f: Level; m: Level };
  lifetimeOrders: number;
  /** Days since the first order; null: never ordered. */
  daysSinceFirstOrder: number | null;
  daysSinceSignup: number;
}

export function ruleHolds(rule: RfmGroupRule, facts: RfmGroupFacts): boolean {
  for (const dim of ['r', 'f', 'm'] as const) {
    const min = rule.min?.[dim];
    const max = rule.max?.[dim];
    if (min && rank(facts.levels[dim]) < rank(min)) return false;
    if (max && rank(facts.levels[dim]) > rank(max)) return false;
  }
  return facts.lifetimeOrders >= (rule.minLifetimeOrders ?? 0);
}

/** The first RFM group whose rule holds, in RFM_GROUP_EVALUATION_ORDER; regular when none does. */
export function rfmGroupOf(facts: RfmGroupFacts, s: IntelligenceSettings['segments']): RfmGroup {
  const isNew =
    facts.daysSinceFirstOrder === null ? facts.daysSinceSignup < s.new.withinDays : facts.daysSinceFirstOrder < s.new.withinDays;
  if (isNew) return 'new';
  for (const id of ['churn_risk', 'vip', 'loyal', 'potential'] as const) if (ruleHolds(s[id], facts)) return id;
  return 'regular';
}

// --- Descriptions -------------------------------------------------------------------------------------

const DIMENSION_NAMES = { r: 'R', f: 'F', m: 'M' } as const;

function levelText(dim: 'r' | 'f' | 'm', level: Level, rfm: IntelligenceSettings['rfm'], bound: 'min' | 'max'): string {
  if (rfm.method === 'quintile') {
    const scores = { low: [1, 2], mid: [3, 3], high: [4, 5] }[level];
    return bound === 'min' ? `${DIMENSION_NAMES[dim]} score ≥ ${scores[0]}` : `${DIMENSION_NAMES[dim]} score ≤ ${scores[1]}`;
  }
  const t = rfm.thresholds;
  const texts = {
    r: {
      high: `< ${t.recency.highBelowDays} days since the last order`,
      mid: `≤ ${t.recency.lowAboveDays} days since the last order`,
      low: '',
    },
    f: { high: `> ${t.frequency.highAbove} orders`, mid: `≥ ${t.frequency.lowBelow} orders`, low: '' },
    m: { high: `spent > ${t.monetary.highAbove}`, mid: `spent ≥ ${t.monetary.lowBelow}`, low: '' },
  };
  const maxTexts = {
    r: {
      low: `> ${t.recency.lowAboveDays} days since the last order (or none)`,
      mid: `≥ ${t.recency.highBelowDays} days since the last order`,
      high: '',
    },
    f: { low: `< ${t.frequency.lowBelow} orders`, mid: `≤ ${t.frequency.highAbove} orders`, high: '' },
    m: { low: `spent < ${t.monetary.lowBelow}`, mid: `spent ≤ ${t.monetary.highAbove}`, high: '' },
  };
  return (bound === 'min' ? texts : maxTexts)[dim][level];
}

/** The rule in words, by the current settings ("R high (< 30 days …) and …"). */
export function describeRule(id: RfmGroup, settings: IntelligenceSettings): string {
  const { rfm, segments: groups } = settings;
  if (id === 'new') return `first order, or signup when no order yet, within the last ${groups.new.withinDays} days`;
  if (id === 'regular') return 'none of the other rules holds';
  const rule = groups[id];
  const parts: string[] = [];
  for (const bound of ['min', 'max'] as const) {
    for (const dim of ['r', 'f', 'm'] as const) {
      const level = rule[bound]?.[dim];
      // A bound that excludes nothing says nothing.
      if (!level || (bound === 'min' && level === 'low') || (bound === 'max' && level === 'high')) continue;
      const text = levelText(dim, level, rfm, bound);
      parts.push(
        `${DIMENSION_NAMES[dim]} ${bound === 'min' ? (level === 'high' ? 'high' : 'at least mid') : level === 'low' ? 'low' : 'at most mid'} (${text})`,
      );
    }
  }
  if (rule.minLifetimeOrders) parts.push(`at least ${rule.minLifetimeOrders} orders ever`);
  const window = `; F and M over the last ${rfm.windowDays} days`;
  return (parts.length ? parts.join(' and ') : 'always') + window;
}

export const RFM_GROUP_DESCRIPTIONS: Record<RfmGroup, string> = {
  vip: 'High value, frequent and recent: the core customers',
  loyal: 'Frequent buyers of at least middling value: the steady customers',
  potential: 'Spend a lot but buy rarely: room to grow',
  regular: 'Everyday customers that no other rule describes',
  churn_risk: 'Were active, but have not ordered for a long time',
  new: 'Signed up or ordered for the first time recently',
};
