// Behaviour data of design doc 002 (member_behavior): preferred time slots, response rate, churn risk, and
// what the package_buyer and night_visitor tags count. Pure; src/intelligence/behaviour-sql.ts computes the
// same in the refresh (tests check both agree). Every rule is a few comparisons a marketer can redo by hand.
import type { IntelligenceSettings } from './rfm.js';

/** Four slots of six local hours each: slot = ⌊hour / 6⌋, so the SQL needs no lookup table. */
export const TIME_SLOTS = [
  { slot: 'night', hours: '00:00-06:00' },
  { slot: 'morning', hours: '06:00-12:00' },
  { slot: 'afternoon', hours: '12:00-18:00' },
  { slot: 'evening', hours: '18:00-24:00' },
] as const;

export const slotIndex = (localHour: number) => Math.floor(localHour / 6);

export interface PreferredSlot {
  slot: string;
  hours: string;
  touches: number;
}

/**
 * The (at most) two slots with the most touches — orders, opens and clicks, each at its local hour — most
 * first; a tie goes to the earlier slot of the day (night before morning). Slots without a touch never show.
 */
export function preferredSlots(touches: readonly number[]): PreferredSlot[] {
  return TIME_SLOTS.map((s, k) => ({ ...s, touches: touches[k] ?? 0 }))
    .map((s, k) => ({ s, k }))
    .filter(({ s }) => s.touches > 0)
    .sort((a, b) => b.s.touches - a.s.touches || a.k - b.k)
    .slice(0, 2)
    .map(({ s }) => s);
}

export interface ChurnFacts {
  lifetimeOrders: number;
  /** Days since the last order; null: none. */
  recencyDays: number | null;
  /** Days from the first order to the last (fractional). */
  orderSpanDays: number;
  /** Days since the latest of the last order, the last activity and signup. */
  quietDays: number;
}

/** The weights of the two parts of the score: being overdue for an order matters more than being quiet. */
export const CHURN_WEIGHTS = { overdue: 0.7, silence: 0.3 } as const;

/**
 * Churn risk in [0, 1], to 4 places; null for a customer who never ordered (nothing to lapse from: the
 * `new` group and activation journeys are theirs).
 * - expected gap: the customer's own mean days between orders (span ÷ (orders − 1), at least 1 day); one
 *   order only: the threshold table's "recent" bound (recency.highBelowDays, 30).
 * - overdue = clamp((recency ÷ gap − 1) ÷ 2, 0, 1): 0 within one gap of the last order, 1 at three gaps.
 * - silence = clamp(quiet days ÷ activity.dormantAboveDays, 0, 1): browsing without buying lowers the risk.
 * - score = 0.7 × overdue + 0.3 × silence.
 */
export function churnRiskOf(f: ChurnFacts, s: IntelligenceSettings): number | null {
  if (f.lifetimeOrders === 0 || f.recencyDays === null) return null;
  const gap = expectedGap(f, s);
  const overdue = clamp((f.recencyDays / gap - 1) / 2);
  const silence = clamp(f.quietDays / s.tags.activity.dormantAboveDays);
  return Math.round((CHURN_WEIGHTS.overdue * overdue + CHURN_WEIGHTS.silence * silence) * 10_000) / 10_000;
}

export function expectedGap(f: Pick<ChurnFacts, 'lifetimeOrders' | 'orderSpanDays'>, s: IntelligenceSettings): number {
  return f.lifetimeOrders >= 2 ? Math.max(1, f.orderSpanDays / (f.lifetimeOrders - 1)) : s.rfm.thresholds.recency.highBelowDays;
}

const clamp = (x: number) => Math.min(1, Math.max(0, x));

/** Marketing messages opened or clicked ÷ sent (0–1, 4 places); null when none was sent. */
export const responseRateOf = (responded: number, sent: number) => (sent > 0 ? Math.round((responded / sent) * 10_000) / 10_000 : null);

/**
 * A package item: its category names a package, bundle, set menu (套餐) or gift box (礼盒), in any case.
 * By category, because the refresh reads items per category from customer_category_days, never the orders.
 */
export const PACKAGE_CATEGORY_PATTERN = 'package|bundle|套餐|礼盒';
export const isPackageCategory = (category: string) => new RegExp(PACKAGE_CATEGORY_PATTERN, 'i').test(category);

/** The event types that are a visit (a session or a view), counted by night_visitor beside orders. */
export const VISIT_EVENT_TYPES = ['login', 'page_view', 'app_open'] as const;

/** Whether an event is a visit: a visit type, not marked `properties.activity: false` (as src/events/activity.ts). */
export const isVisit = (e: { type: string; properties?: Record<string, unknown> }) =>
  (VISIT_EVENT_TYPES as readonly string[]).includes(e.type) && e.properties?.activity !== false;
