// The CRM views' routes: the customer list, a customer's upgrades and timeline.
import { createRoute, z } from '@hono/zod-openapi';
import { customerIdParam, errorResponses, json, pageQuery, paginationSchema } from '../api/route-helpers.js';
import { TIERS } from '../domain/tiers.js';

const rateSchema = z
  .object({ value: z.number().nullable(), base: z.string(), numerator: z.number().int(), denominator: z.number().int() })
  .openapi('CrmRate');

export const profileInsightsSchema = z
  .object({
    tier: z.string(),
    points: z.number().int(),
    tags: z.array(z.object({ tag: z.string(), kind: z.string() })).openapi({ description: 'manual tags, then computed ones' }),
    rfm_segment: z.string().nullable().openapi({ description: 'the RFM group of the last refresh; null: never computed' }),
    behaviour: z
      .object({
        preferred_time_slots: z.array(z.object({ slot: z.string(), hours: z.string(), touches: z.number().int() })),
        response_rate: rateSchema.openapi({ description: 'marketing messages of the window opened or clicked, per sent' }),
        churn_risk: z.number().nullable().openapi({ description: '0–1 (docs/intelligence.md); null: never ordered' }),
      })
      .nullable(),
    clv: z
      .object({
        historic: z.number().nullable().openapi({ description: 'Revenue to date, as of the last full refresh' }),
        predicted_12m: z.number().nullable().openapi({ description: 'Predicted revenue of the next 12 months (BG/NBD + Gamma-Gamma)' }),
        expected_purchases_12m: z.number().nullable(),
        p_alive: z.number().nullable(),
      })
      .nullable()
      .openapi({ description: 'Customer lifetime value (docs/clv.md); null fields before a full refresh, or without a fitted model' }),
    computed_at: z.string().nullable(),
  })
  .openapi('CustomerInsights');

const listItemSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    tier: z.string(),
    points: z.number().int(),
    tags: z.array(z.string()),
    rfm_segment: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('CustomerListItem');

export const listCustomers = createRoute({
  method: 'get',
  path: '/api/customers',
  tags: ['customers'],
  summary: 'Customers (not erased), newest first: search and filters, paged',
  request: {
    query: z.object({
      q: z.string().trim().min(1).max(200).optional().openapi({ description: 'part of the id, email or name, any case' }),
      tag: z.string().trim().normalize('NFC').min(1).max(64).optional().openapi({ description: 'a manual or computed tag' }),
      tier: z.enum(TIERS).optional(),
      segment: z.string().min(1).max(200).optional().openapi({ description: 'an RFM group (vip, loyal, …) or a segment id' }),
      ...pageQuery(200, 50),
    }),
  },
  responses: {
    200: json(z.object({ customers: z.array(listItemSchema), pagination: paginationSchema }), 'Customers'),
    ...errorResponses(400, 404),
  },
});

const upgradeSchema = z
  .object({
    id: z.string(),
    from_tier: z.string(),
    to_tier: z.string(),
    rewards: z.record(z.string(), z.unknown()),
    source: z.string(),
    created_at: z.string(),
  })
  .openapi('CustomerUpgrade');

export const customerUpgrades = createRoute({
  method: 'get',
  path: '/api/customers/{id}/upgrades',
  tags: ['customers'],
  summary: "The customer's tier changes with their rewards, newest first",
  request: { params: customerIdParam },
  responses: { 200: json(z.object({ upgrades: z.array(upgradeSchema) }), 'Upgrades'), ...errorResponses(404, 410) },
});

const stamp = z.string().nullable();
const timelineItemSchema = z
  .object({
    kind: z.enum(['event', 'touch']),
    at: z.string(),
    event: z.object({ id: z.string(), type: z.string(), properties: z.record(z.string(), z.unknown()) }).optional(),
    touch: z
      .object({
        message_id: z.string(),
        channel: z.string(),
        status: z.string(),
        campaign_id: z.string().nullable(),
        journey: z.string().nullable(),
        subject: z.string().nullable(),
        sent_at: stamp,
        delivered_at: stamp,
        opened_at: stamp,
        clicked_at: stamp,
        converted_at: stamp,
      })
      .optional(),
  })
  .openapi('TimelineItem');

export const customerTimeline = createRoute({
  method: 'get',
  path: '/api/customers/{id}/timeline',
  tags: ['customers'],
  summary: "The customer's events and touches (messages with their funnel's times), newest first, paged",
  description: 'A touch is at its sending time (its recording time when never sent).',
  request: { params: customerIdParam, query: z.object(pageQuery(200, 50)) },
  responses: {
    200: json(z.object({ items: z.array(timelineItemSchema), pagination: paginationSchema }), 'Timeline'),
    ...errorResponses(400, 404, 410),
  },
});
