// Computed customer tags: behaviour, preference and value, each with the numbers that made it
// hold. Tags are absolute, whatever the RFM method: frequency and value tags use the threshold table's
// numbers, so "high_value" means the same under quintile scoring. Pure; the SQL in src/intelligence/
// computes the same for everyone at once.
import { PACKAGE_CATEGORY_PATTERN } from './behaviour.js';
import type { IntelligenceSettings, RfmValues } from './rfm.js';

export const TAG_KINDS = ['behaviour', 'preference', 'value', 'manual'] as const;
export type TagKind = (typeof TAG_KINDS)[number];

export const BEHAVIOUR_TAGS = ['high_frequency', 'low_frequency', 'active', 'dormant', 'night_visitor', 'churn_risk'] as const;
export const VALUE_TAGS = ['high_value', 'medium_value', 'low_value', 'potential', 'responsive'] as const;

export interface TagFacts extends RfmValues {
  lifetimeOrders: number;
  /** Whole days since the latest of the last order and the last activity; null: neither (signup counts). */
  daysSinceActivity: number | null;
  daysSinceSignup: number;
  /** Orders in the window placed at night in the customer's time zone. */
  nightOrders: number;
  /** Visits (behaviour.ts isVisit) in the window, and those at night in the customer's time zone. */
  visits: number;
  nightVisits: number;
  /** Items in the window from package categories (behaviour.ts isPackageCategory). */
  packageItems: number;
  timezone: string | null;
  /** Items (quantities) per category in the window, and all items in it (with those of no category). */
  categoryItems: Record<string, number>;
  totalItems: number;
  /** Messages sent in the window, and those opened, clicked or converted. */
  messagesSent: number;
  messagesResponded: number;
}

export interface ComputedTag {
  tag: string;
  kind: Exclude<TagKind, 'manual'>;
  evidence: Record<string, unknown>;
}

/** `Craft Beer` → `craft_beer_lover`; null for a category with no letters or digits. */
export function preferenceTag(category: string): string | null {
  const slug = category
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug ? `${slug}_lover` : null;
}

export const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Every tag that holds, behaviour first, then preference (alphabetical), then value. Evidence holds the
 * customer's numbers that made the tag hold; the thresholds they met are the settings' (thresholdsOf).
 */
export function tagsOf(f: TagFacts, s: IntelligenceSettings): ComputedTag[] {
  const { frequency: F, monetary: M, recency: R } = s.rfm.thresholds;
  const t = s.tags;
  const tags: ComputedTag[] = [];
  const add = (kind: ComputedTag['kind'], tag: string, evidence: Record<string, unknown>) => tags.push({ tag, kind, evidence });
  const ordered = f.lifetimeOrders > 0;

  if (f.frequency > F.highAbove) add('behaviour', 'high_frequency', { orders: f.frequency });
  if (ordered && f.frequency < F.lowBelow) add('behaviour', 'low_frequency', { orders: f.frequency, lifetime_orders: f.lifetimeOrders });
  const quiet = f.daysSinceActivity ?? f.daysSinceSignup;
  if (quiet < t.activity.activeBelowDays) add('behaviour', 'active', { days_since_activity: quiet });
  if (quiet > t.activity.dormantAboveDays) {
    add('behaviour', 'dormant', { days_since_activity: quiet, since: f.daysSinceActivity === null ? 'signup' : 'activity' });
  }
  const n = t.nightVisitor;
  // Orders and visits alike: a customer who browses at night is a night visitor before they buy at night.
  const touches = f.frequency + f.visits;
  const night = f.nightOrders + f.nightVisits;
  if (touches >= n.minOrders && night >= n.minShare * touches - 1e-9) {
    add('behaviour', 'night_visitor', {
      night_orders: f.nightOrders,
      orders: f.frequency,
      night_visits: f.nightVisits,
      visits: f.visits,
      share: round(night / touches, 4),
      time_zone: f.timezone ?? 'UTC',
    });
  }
  if (f.lifetimeOrders >= (s.segments.churn_risk.minLifetimeOrders ?? 0) && f.recencyDays !== null && f.recencyDays > R.lowAboveDays) {
    add('behaviour', 'churn_risk', { lifetime_orders: f.lifetimeOrders, recency_days: f.recencyDays });
  }

  const p = t.preference;
  // One tag per name (two categories spelt differently can make the same tag: the one with more items
  // stays), in alphabetical order.
  const loved = new Map<string, { category: string; items: number }>();
  for (const [category, items] of Object.entries(f.categoryItems)) {
    const tag = preferenceTag(category);
    if (!tag || items < p.minItems || items < p.minShare * f.totalItems - 1e-9) continue;
    if ((loved.get(tag)?.items ?? -1) < items) loved.set(tag, { category, items });
  }
  for (const tag of [...loved.keys()].sort()) {
    const { category, items } = loved.get(tag)!;
    add('preference', tag, { category, items, total_items: f.totalItems, share: round(items / f.totalItems, 4) });
  }
  // After the lovers: any share of packages counts, a bundle being one item that stands for several.
  if (f.packageItems >= p.minItems) add('preference', 'package_buyer', { package_items: f.packageItems });

  if (ordered) {
    const value = f.monetary > M.highAbove ? 'high_value' : f.monetary >= M.lowBelow ? 'medium_value' : 'low_value';
    add('value', value, { monetary: f.monetary });
  }
  if (f.frequency > 0 && f.frequency <= F.highAbove && f.monetary >= t.potential.minAverageOrder * f.frequency) {
    add('value', 'potential', { orders: f.frequency, average_order: round(f.monetary / f.frequency, 2) });
  }
  const r = t.responsive;
  if (f.messagesSent >= r.minMessages && f.messagesResponded >= r.minRate * f.messagesSent - 1e-9) {
    add('value', 'responsive', {
      messages: f.messagesSent,
      responded: f.messagesResponded,
      rate: round(f.messagesResponded / f.messagesSent, 4),
    });
  }
  return tags;
}

/** The thresholds a tag's evidence met, by the settings (shown beside the customer's numbers). */
export function thresholdsOf(tag: string, s: IntelligenceSettings): Record<string, unknown> {
  const { frequency: F, monetary: M, recency: R } = s.rfm.thresholds;
  const t = s.tags;
  const window_days = s.rfm.windowDays;
  switch (tag) {
    case 'high_frequency':
      return { above: F.highAbove, window_days };
    case 'low_frequency':
      return { below: F.lowBelow, window_days };
    case 'active':
      return { below: t.activity.activeBelowDays };
    case 'dormant':
      return { above: t.activity.dormantAboveDays };
    case 'night_visitor':
      // min_orders: of orders and visits together (the setting kept its name).
      return { min_orders: t.nightVisitor.minOrders, min_share: t.nightVisitor.minShare, hours: nightHours(s), window_days };
    case 'churn_risk':
      return { above: R.lowAboveDays, min_lifetime_orders: s.segments.churn_risk.minLifetimeOrders ?? 0 };
    case 'high_value':
      return { above: M.highAbove, window_days };
    case 'medium_value':
      return { from: M.lowBelow, to: M.highAbove, window_days };
    case 'low_value':
      return { below: M.lowBelow, window_days };
    case 'potential':
      return { min_average_order: t.potential.minAverageOrder, max_orders: F.highAbove, window_days };
    case 'responsive':
      return { min_messages: t.responsive.minMessages, min_rate: t.responsive.minRate, window_days };
    case 'package_buyer':
      return { min_items: t.preference.minItems, categories: PACKAGE_CATEGORY_PATTERN, window_days };
    default:
      return { min_items: t.preference.minItems, min_share: t.preference.minShare, window_days };
  }
}

const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
export const nightHours = (s: IntelligenceSettings) => `${hh(s.tags.nightVisitor.startHour)}-${hh(s.tags.nightVisitor.endHour)}`;

/** An hour of the day (0–23) is at night: from startHour up to, not including, endHour (across midnight when start > end). */
export function isNightHour(hour: number, n: IntelligenceSettings['tags']['nightVisitor']): boolean {
  return (hour + 24 - n.startHour) % 24 < (n.endHour - n.startHour + 24) % 24;
}

/** Which kind a computed tag is, from its name. */
export function kindOf(tag: string): ComputedTag['kind'] {
  if ((BEHAVIOUR_TAGS as readonly string[]).includes(tag)) return 'behaviour';
  if ((VALUE_TAGS as readonly string[]).includes(tag)) return 'value';
  return 'preference';
}
