import { z } from 'zod';
import { DEFAULT_INTELLIGENCE_SETTINGS, type IntelligenceSettings, LEVELS, RFM_METHODS } from './rfm.js';
import { log } from '../observability/logger.js';

// Customer intelligence settings (intelligence_settings, key "customer"), checked when written and when
// read: a row edited by hand into something invalid falls back to the defaults, said aloud.

const days = z.number().int().min(0).max(3650);
const count = z.number().int().min(0).max(1_000_000);
const money = z.number().min(0).max(1e11);
const share = z.number().min(0).max(1);
const hour = z.number().int().min(0).max(23);
const level = z.enum(LEVELS);
const bounds = z.strictObject({ r: level.optional(), f: level.optional(), m: level.optional() });
const rule = z.strictObject({ min: bounds.optional(), max: bounds.optional(), minLifetimeOrders: count.optional() });

/** `low` must not be above `high` on either side of the middle band. */
const ordered = <T extends z.ZodType>(schema: T, low: string, high: string, message: string) =>
  schema.refine((v) => (v as Record<string, number>)[low]! <= (v as Record<string, number>)[high]!, { message, path: [low] });

export const intelligenceSettingsSchema = z.strictObject({
  rfm: z.strictObject({
    method: z.enum(RFM_METHODS),
    windowDays: days.min(1),
    thresholds: z.strictObject({
      recency: ordered(
        z.strictObject({ highBelowDays: days, lowAboveDays: days }),
        'highBelowDays',
        'lowAboveDays',
        'highBelowDays must not be above lowAboveDays',
      ),
      frequency: ordered(
        z.strictObject({ highAbove: count, lowBelow: count }),
        'lowBelow',
        'highAbove',
        'lowBelow must not be above highAbove',
      ),
      monetary: ordered(
        z.strictObject({ highAbove: money, lowBelow: money }),
        'lowBelow',
        'highAbove',
        'lowBelow must not be above highAbove',
      ),
    }),
  }),
  segments: z.strictObject({
    new: z.strictObject({ withinDays: days }),
    churn_risk: rule,
    vip: rule,
    loyal: rule,
    potential: rule,
  }),
  tags: z.strictObject({
    activity: z.strictObject({ activeBelowDays: days, dormantAboveDays: days }),
    nightVisitor: z.strictObject({ minOrders: count.min(1), minShare: share, startHour: hour, endHour: hour }),
    preference: z.strictObject({ minItems: count.min(1), minShare: share }),
    potential: z.strictObject({ minAverageOrder: money }),
    responsive: z.strictObject({ minMessages: count.min(1), minRate: share }),
  }),
}) satisfies z.ZodType<IntelligenceSettings>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `patch` laid over `base`, object by object; anything else in the patch (numbers, arrays, null) replaces. */
export function mergeSettings(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = mergeSettings(base[k], v);
  return out;
}

/** The stored settings over the defaults (so a setting added later has its default); invalid: the defaults. */
export function intelligenceSettingsFrom(stored: unknown): IntelligenceSettings {
  if (stored === null || stored === undefined) return DEFAULT_INTELLIGENCE_SETTINGS;
  const parsed = intelligenceSettingsSchema.safeParse(mergeSettings(DEFAULT_INTELLIGENCE_SETTINGS, stored));
  if (parsed.success) return parsed.data;
  log.warn({ component: 'intelligence', problem: parsed.error.issues[0]?.message }, 'invalid settings, using the defaults');
  return DEFAULT_INTELLIGENCE_SETTINGS;
}
