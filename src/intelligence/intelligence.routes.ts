import { createRoute, z } from '@hono/zod-openapi';
import { TAG_KINDS } from './customer-tags.js';
import { RFM_GROUPS, RFM_METHODS } from './rfm.js';
import { errorResponses, json, jsonBody, jsonRequest } from '../api/route-helpers.js';

const method = z.enum(RFM_METHODS);

const rfmGroupSchema = z
  .object({
    id: z.enum(RFM_GROUPS),
    name: z.string().openapi({ example: 'VIP' }),
    customerCount: z.number().int(),
    description: z.string(),
    rule: z.string().openapi({
      example: 'R high (< 30 days since the last order) and F high (> 5 orders) and M high (spent > 1000); F and M over the last 365 days',
    }),
  })
  .openapi('CustomerSegment');

export const listRfmGroups = createRoute({
  method: 'get',
  path: '/api/ai-ops/customer/segment',
  tags: ['ai-ops'],
  summary: 'The six customer segments (VIP, loyal, potential, regular, churn risk, new) with their counts',
  description:
    "By the settings' RFM method: counted from customer_insights, refreshed first when never computed (or computed by other " +
    'settings) and when `refresh=true`. With another `method`: computed on the fly, nothing stored.',
  request: {
    query: z.object({
      method: method.optional().openapi({ description: "threshold (the fixed R/F/M bounds) or quintile; default: the settings'" }),
      refresh: z.enum(['true', 'false']).optional().openapi({ description: 'refresh every customer first' }),
    }),
  },
  responses: {
    200: json(
      z.object({
        segments: z.array(rfmGroupSchema),
        method,
        windowDays: z.number().int(),
        totalCustomers: z.number().int(),
        computedAt: z.string(),
        source: z.enum(['stored', 'computed']),
      }),
      'Segments',
    ),
    ...errorResponses(400),
  },
});

const tagSchema = z
  .object({
    tag: z.string().openapi({ example: 'beer_lover' }),
    kind: z.enum(TAG_KINDS),
    evidence: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({
        description: "the customer's numbers and the thresholds they met; null for a manual tag",
        example: { items: 5, share: 0.5, min_items: 3 },
      }),
  })
  .openapi('CustomerTag');

export const customerTags = createRoute({
  method: 'post',
  path: '/api/ai-ops/customer/tags',
  tags: ['ai-ops'],
  summary: "Computes and stores a customer's tags; answers them with their evidence, and the manual ones",
  middleware: [jsonBody(16 * 1024)] as const,
  request: {
    body: jsonRequest(z.strictObject({ customer_id: z.string().min(1).max(200).openapi({ example: 'cust_42' }) })),
  },
  responses: {
    200: json(
      z.object({
        customer_id: z.string(),
        tags: z.array(tagSchema),
        segment: z.enum(RFM_GROUPS),
        rfm: z.object({
          method,
          recency_days: z.number().int().nullable(),
          frequency: z.number().int(),
          monetary: z.number(),
          r_score: z.number().int(),
          f_score: z.number().int(),
          m_score: z.number().int(),
        }),
        computed_at: z.string(),
      }),
      'Tags',
    ),
    ...errorResponses(400, 404, 410, 413, 415, 422),
  },
});

export const tagDistribution = createRoute({
  method: 'get',
  path: '/api/ai-ops/customer/tags/distribution',
  tags: ['ai-ops'],
  summary: 'How many customers carry each tag, manual and computed, most first',
  description:
    'Manual tags from the profiles, computed ones (behaviour, preference, value) from the stored insights — refreshed first ' +
    'when never computed or computed by other settings, as GET segment does. Erased customers are not counted.',
  request: {
    query: z.object({
      kind: z.enum(TAG_KINDS).optional().openapi({ description: 'only tags of this kind' }),
      limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: 'the most carried tags kept; default 50' }),
    }),
  },
  responses: {
    200: json(
      z.object({
        tags: z.array(
          z
            .object({ tag: z.string().openapi({ example: 'beer_lover' }), kind: z.enum(TAG_KINDS), customers: z.number().int() })
            .openapi('TagCount'),
        ),
        total_tags: z.number().int().openapi({ description: 'tags (of the kind asked) before the limit' }),
        total_customers: z.number().int(),
        computed_at: z.string().openapi({ description: 'when the computed tags counted were computed' }),
      }),
      'Customers per tag',
    ),
    ...errorResponses(400),
  },
});

export const refreshInsights = createRoute({
  method: 'post',
  path: '/api/ai-ops/customer/refresh',
  tags: ['ai-ops'],
  summary: 'Recomputes RFM, segment and tags of every customer now (the schedule does it every INSIGHTS_REFRESH_EVERY_MINUTES)',
  responses: {
    200: json(
      z.object({
        customers: z.number().int(),
        segments: z.record(z.string(), z.number().int()),
        method,
        windowDays: z.number().int(),
        durationMs: z.number().int(),
        computedAt: z.string(),
      }),
      'Refreshed',
    ),
  },
});

const settingsSchema = z.record(z.string(), z.unknown()).openapi('IntelligenceSettings', {
  description:
    'rfm { method, windowDays, thresholds }, segments { new, churn_risk, vip, loyal, potential }, tags { … } (README, "Customer intelligence")',
});

export const getSettings = createRoute({
  method: 'get',
  path: '/api/ai-ops/customer/settings',
  tags: ['ai-ops'],
  summary: 'Customer-intelligence settings: RFM method, window and thresholds, segment rules, tag thresholds',
  responses: { 200: json(z.object({ settings: settingsSchema }), 'Settings') },
});

export const putSettings = createRoute({
  method: 'put',
  path: '/api/ai-ops/customer/settings',
  tags: ['ai-ops'],
  summary: 'Changes settings: the body is laid over the current ones, object by object; the result must validate',
  description:
    'Takes effect at the next refresh (GET segment refreshes first when the method or window changed). A bad value is a 422 naming it, e.g. `rfm.windowDays`.',
  middleware: [jsonBody(64 * 1024)] as const,
  request: { body: jsonRequest(settingsSchema) },
  responses: { 200: json(z.object({ settings: settingsSchema }), 'Settings'), ...errorResponses(400, 413, 415, 422) },
});
