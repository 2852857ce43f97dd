import { createRoute, z } from '@hono/zod-openapi';
import { TIERS } from '../domain/tiers.js';
import { errorResponses, errorSchema, jsonBody } from '../api/errors.js';

const body = z.strictObject({ customer_id: z.string().min(1).max(200).openapi({ example: 'cust_42' }) }).openapi('UpgradeRequest');

const tier = z.string().openapi({ example: 'regular', description: `one of ${TIERS.join(', ')}` });

export const evaluationSchema = z
  .object({
    customerId: z.string(),
    currentTier: tier,
    qualifiedTier: tier,
    nextTier: tier.nullable(),
    progress: z.number().int().min(0).max(100).openapi({ description: 'toward nextTier, 0–100' }),
    eligible: z.boolean(),
    missing: z.object({ spend: z.number(), orders: z.number().int(), visits: z.number().int() }).openapi({ description: 'still missing for nextTier' }),
    totals: z.object({
      totalSpend: z.number(),
      orderCount: z.number().int(),
      visitCount: z.number().int(),
      daysSinceActivity: z.number().int().nullable(),
      points: z.number().int(),
    }),
    rulesVersion: z.number().int().nullable().openapi({ description: 'the tier_upgrade configuration version whose rules applied' }),
  })
  .openapi('TierEvaluation');

const upgradeSchema = z
  .object({
    id: z.string(),
    fromTier: tier,
    toTier: tier,
    rewards: z.object({
      points: z.number().int(),
      coupon: z.object({ code: z.string(), percent_off: z.number(), expires_on: z.string() }).nullable(),
    }),
    source: z.string().openapi({ example: 'api' }),
    createdAt: z.string(),
  })
  .openapi('TierUpgrade');

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

export const evaluateUpgrade = createRoute({
  method: 'post',
  path: '/api/ai-ops/customer/upgrade/evaluate',
  tags: ['ai-ops'],
  summary: "A customer's tier standing: current, qualified and next tier, progress, eligibility",
  description: 'Read only. Uses the rules of the current tier_upgrade configuration version.',
  middleware: [jsonBody(16 * 1024)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: body } } } },
  responses: {
    200: json(z.object({ evaluation: evaluationSchema }), 'Evaluation'),
    ...errorResponses(400, 404, 410, 413, 415, 422),
  },
});

export const executeUpgrade = createRoute({
  method: 'post',
  path: '/api/ai-ops/customer/upgrade/execute',
  tags: ['ai-ops'],
  summary: 'Upgrade a customer now, when eligible (the same logic and guarantee as the automatic upgrade)',
  description:
    'Tier, points, coupon and the upgrade_history row in one transaction, at most once. The congratulation is sent by the ' +
    "customer's tier journey, which this signals. 409 `not_eligible` (with the evaluation) when the customer qualifies for no higher tier.",
  middleware: [jsonBody(16 * 1024)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: body } } } },
  responses: {
    200: json(
      z.object({
        upgraded: z.literal(true),
        upgrade: upgradeSchema,
        evaluation: evaluationSchema.openapi({ description: 'after the upgrade' }),
        message: z.string(),
        congratulation: z.object({ journey: z.string(), workflowId: z.string(), result: z.string() }).nullable(),
      }),
      'Upgraded',
    ),
    409: json(errorSchema.extend({ evaluation: evaluationSchema }), 'Not eligible'),
    ...errorResponses(400, 404, 410, 413, 415, 422),
  },
});

const rate = (what: string) =>
  z.number().nullable().openapi({ description: `${what}, in percent of rateBase (2 places); null when rateBase is 0` });

export const performanceSchema = z
  .object({
    campaign_id: z.string(),
    sent: z.number().int().openapi({ description: 'records with a send time or a status from sent on' }),
    delivered: z.number().int().openapi({ description: 'records delivered, opened or clicked' }),
    opened: z.number().int(),
    clicked: z.number().int(),
    converted: z.number().int(),
    revenue: z.number().openapi({ description: 'sum of the records’ attributed revenue' }),
    cost: z.number().openapi({ description: 'sent × the channel’s CHANNEL_COST_*' }),
    roi: z.number().nullable().openapi({ description: '(revenue − cost) / cost × 100; null when cost is 0' }),
    responseRate: rate('records opened or clicked'),
    conversionRate: rate('records converted'),
    openRate: rate('records opened'),
    clickRate: rate('records clicked'),
    rateBase: z.enum(['delivered', 'sent']).openapi({ description: 'delivered, or sent when no record is marked delivered' }),
  })
  .openapi('CampaignPerformance');

export const campaignPerformance = createRoute({
  method: 'get',
  path: '/api/ai-ops/customer/performance',
  tags: ['ai-ops'],
  summary: "A campaign's funnel, revenue, cost and ROI (seed 002 效果追踪)",
  description: 'Computed from the campaign’s records at the time of the request (simulated records are not counted).',
  request: { query: z.object({ campaign_id: z.string().min(1).max(64).openapi({ example: '7d3f2c1a-9b8e-4c6d-a5f4-3e2d1c0b9a87' }) }) },
  responses: {
    200: json(performanceSchema, 'Performance'),
    ...errorResponses(400, 404),
  },
});
