import { createRoute, z } from '@hono/zod-openapi';
import { TIERS } from '../domain/tiers.js';
import { errorSchema } from '../api/errors.js';
import { errorResponses, json, jsonBody, jsonRequest } from '../api/route-helpers.js';

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
    missing: z
      .object({ spend: z.number(), orders: z.number().int(), visits: z.number().int() })
      .openapi({ description: 'still missing for nextTier' }),
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
      gift: z
        .object({ id: z.string(), sku: z.string(), name: z.string() })
        .nullable()
        .openapi({ description: 'The gift record made with the upgrade: its fulfilment at GET /api/gifts/{id}' }),
      discount: z.object({ percent_off: z.number() }).nullable().openapi({ description: "The tier's standing member discount" }),
    }),
    source: z.string().openapi({ example: 'api' }),
    createdAt: z.string(),
  })
  .openapi('TierUpgrade');

export const evaluateUpgrade = createRoute({
  method: 'post',
  path: '/api/ai-ops/customer/upgrade/evaluate',
  tags: ['ai-ops'],
  summary: "A customer's tier standing: current, qualified and next tier, progress, eligibility",
  description: 'Read only. Uses the rules of the current tier_upgrade configuration version.',
  middleware: [jsonBody(16 * 1024)] as const,
  request: { body: jsonRequest(body) },
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
  request: { body: jsonRequest(body) },
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
