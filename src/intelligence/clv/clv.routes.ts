import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, json } from '../../api/route-helpers.js';

const modelSchema = z
  .object({
    params: z
      .object({
        r: z.number(),
        alpha: z.number(),
        a: z.number(),
        b: z.number(),
        p: z.number(),
        q: z.number(),
        gamma: z.number(),
      })
      .openapi({
        description: 'BG/NBD r, α (days), a, b; Gamma-Gamma p, q, γ (lifetimes calls γ `v`)',
        example: { r: 0.66, alpha: 29.4, a: 0.91, b: 2.81, p: 5.88, q: 3.81, gamma: 14.76 },
      }),
    fittedAt: z.string(),
    observationDay: z.string().openapi({ description: 'the UTC day every T is counted to', example: '2026-06-15' }),
    customers: z.number().int().openapi({ description: 'customers with an order, whom the BG/NBD fit read' }),
    repeatCustomers: z.number().int().openapi({ description: 'of them, those who bought on more than one day' }),
    spendCustomers: z.number().int().openapi({ description: 'repeat customers with a positive mean repeat spend: the Gamma-Gamma fit' }),
    logLikelihood: z.object({ bgNbd: z.number(), gammaGamma: z.number() }).openapi({ description: 'Σ over customers, time in days' }),
    penalizer: z.number(),
    monthlyDiscountRate: z.number(),
  })
  .openapi('ClvModel');

const groupSchema = z
  .object({
    id: z.string().openapi({ example: 'vip' }),
    customers: z.number().int(),
    historicSum: z.number().openapi({ description: 'revenue to date of the group’s customers' }),
    historicMean: z.number().openapi({ description: 'historicSum / customers' }),
    predictedCustomers: z.number().int().openapi({ description: 'customers with a prediction (an order, and a model)' }),
    predictedSum: z.number().openapi({ description: 'predicted 12-month CLV summed over predictedCustomers' }),
    predictedMean: z.number().nullable().openapi({ description: 'predictedSum / predictedCustomers; null when none' }),
  })
  .openapi('ClvGroup');

export const getClv = createRoute({
  method: 'get',
  path: '/api/ai-ops/customer/clv',
  tags: ['ai-ops'],
  summary: 'Customer lifetime value: the fitted BG/NBD + Gamma-Gamma model, and CLV per segment and per tier',
  description:
    'As of the last full refresh (POST /api/ai-ops/customer/refresh, or the schedule); refreshed first when there was none. ' +
    '`model: null` with a `reason` when the orders cannot support a fit (fewer than 20 repeat customers). docs/clv.md.',
  responses: {
    200: json(
      z.object({
        model: modelSchema.nullable(),
        reason: z.string().nullable(),
        computedAt: z.string(),
        segments: z.array(groupSchema).openapi({ description: 'by RFM group, all six, zeros included' }),
        tiers: z.array(groupSchema).openapi({ description: 'by customers.tier, every tier, zeros included' }),
      }),
      'CLV',
    ),
  },
});

export const getCustomerClv = createRoute({
  method: 'get',
  path: '/api/ai-ops/customer/clv/{customer_id}',
  tags: ['ai-ops'],
  summary: "One customer's historic and predicted 12-month CLV, expected purchases, P(alive) and the history they come from",
  description: 'Null values: no order, no model, or a customer the last full refresh did not include yet (`computedAt` null).',
  request: {
    params: z.object({
      customer_id: z
        .string()
        .min(1)
        .max(200)
        .openapi({ param: { name: 'customer_id', in: 'path' }, example: 'cust_42' }),
    }),
  },
  responses: {
    200: json(
      z.object({
        customerId: z.string(),
        historicClv: z.number().nullable().openapi({ description: 'revenue to date' }),
        predictedClv12m: z.number().nullable().openapi({ description: 'expected purchases × expected order value, over 365 days' }),
        expectedPurchases12m: z.number().nullable(),
        pAlive: z.number().nullable(),
        expectedOrderValue: z.number().nullable().openapi({ description: 'Gamma-Gamma conditional expectation' }),
        frequency: z.number().int().nullable().openapi({ description: 'repeat purchase days' }),
        recency: z.number().int().nullable().openapi({ description: 'days from the first purchase day to the last' }),
        T: z.number().int().nullable().openapi({ description: 'days from the first purchase day to observationDay' }),
        observationDay: z.string().nullable(),
        computedAt: z.string().nullable(),
      }),
      'CLV',
    ),
    ...errorResponses(404, 410, 422),
  },
});
