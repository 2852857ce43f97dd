import { z } from 'zod';
import { DEFAULT_TIER_RULES, RULE_TIERS, type TierRules } from '../domain/tiers.js';
import { log } from '../observability/logger.js';

// The tier journey's settings (journey_configs.settings for `tier_upgrade`), checked when a version is
// written. Kept apart from tiers.ts so workflow code never bundles zod.

const count = z.number().int().min(0);

const tierRuleSchema = z.strictObject({
  tier: z.enum(RULE_TIERS),
  minSpend: z.number().min(0).max(1e11),
  minOrders: count,
  minVisits: count,
  rewards: z.strictObject({
    points: count.max(1_000_000),
    coupon: z.strictObject({ percentOff: z.number().int().min(1).max(100), validDays: z.number().int().min(1) }).optional(),
    gift: z.strictObject({ sku: z.string().min(1).max(200), name: z.string().min(1).max(500) }).optional(),
    discount: z.strictObject({ percentOff: z.number().int().min(1).max(100) }).optional(),
  }),
});

export const tierSettingsSchema = z.strictObject({
  rules: z
    .array(tierRuleSchema)
    .min(1)
    .max(RULE_TIERS.length)
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((rule, i) => {
        if (seen.has(rule.tier)) ctx.addIssue({ code: 'custom', path: [i, 'tier'], message: `tier "${rule.tier}" appears twice` });
        seen.add(rule.tier);
      });
    }),
  churnRisk: z.strictObject({ inactiveDays: z.number().int().min(1).max(3650) }),
});

/** The rules in a stored version; null settings mean the defaults. A malformed row (edited by hand) too, said aloud. */
export function tierRulesFrom(settings: unknown): TierRules {
  if (settings === null || settings === undefined) return DEFAULT_TIER_RULES;
  const parsed = tierSettingsSchema.safeParse(settings);
  if (parsed.success) return parsed.data;
  log.warn({ component: 'tiers', problem: parsed.error.issues[0]?.message }, 'invalid tier_upgrade settings, using the defaults');
  return DEFAULT_TIER_RULES;
}
