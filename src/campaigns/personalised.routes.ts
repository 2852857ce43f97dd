import { createRoute, z } from '@hono/zod-openapi';
import { PERSONALISED_CHANNELS } from './personalised-plan.js';
import { RFM_GROUPS } from '../intelligence/rfm.js';
import { errorResponses, json, jsonBody, jsonRequest } from '../api/route-helpers.js';
import { campaignSchema } from './campaigns.routes.js';

const body = z
  .strictObject({
    segment: z.enum(RFM_GROUPS).openapi({ example: 'potential' }),
    channel: z.enum(PERSONALISED_CHANNELS).default('email'),
  })
  .openapi('PersonalisedCampaignRequest');

export const personalisedCampaign = createRoute({
  method: 'post',
  path: '/api/ai-ops/customer/campaign',
  tags: ['ai-ops'],
  summary: "A personalised draft campaign for a customer segment, with the segment's offer and expected ROI",
  description:
    'Keeps the system segment `segment_<name>` (rules `{ "segment": "<name>" }`) and refreshes it, then creates a draft campaign ' +
    "targeting it with the segment's offer (discount for regular, coupon pack for new, gift and upgrade plan for potential, " +
    'double points for VIP and loyal, win-back pack for churn_risk), its content personalised with `{{ customer.first_name }}`. ' +
    "The expected return comes from the segment's history: marketing messages sent to its current members (response: opened or clicked; " +
    'conversion: converted; transactional ones left out) and their orders; the channel’s default rates with fewer than 100 such messages. Trigger it with POST /api/marketing/campaigns/{id}/trigger.',
  middleware: [jsonBody(16 * 1024)] as const,
  request: {
    body: jsonRequest(body),
  },
  responses: {
    201: json(
      z.object({
        campaign: campaignSchema
          .extend({
            expectedROI: z.number().nullable().openapi({ description: 'expected.roi: the expected ROI, percent' }),
            roi: z.number().nullable().openapi({ description: 'the same expected ROI, percent' }),
            responseRate: z.number().openapi({ description: 'expected.responseRate, percent' }),
          })
          .openapi('PersonalisedCampaignDraft'),
        offer: z.object({
          segment: z.enum(RFM_GROUPS),
          kind: z.string(),
          title: z.string(),
          description: z.string(),
          details: z.record(z.string(), z.unknown()),
        }),
        audience: z.object({ segment_id: z.string(), size: z.number().int() }),
        expected: z.object({
          responseRate: z.number().openapi({ description: 'percent' }),
          conversionRate: z.number().openapi({ description: 'percent' }),
          avgOrderValue: z.number(),
          revenue: z.number().openapi({ description: 'audience × conversion rate × average order value' }),
          cost: z.number().openapi({ description: 'audience × cost per message (CHANNEL_COST_<CHANNEL>)' }),
          roi: z.number().nullable().openapi({ description: '(revenue − cost) / cost × 100; null when the cost is 0' }),
          basis: z.object({
            rates: z.enum(['history', 'defaults']).openapi({ description: 'history only with at least min_messages comparable messages' }),
            avgOrderValue: z.enum(['history', 'defaults']),
            messages: z
              .number()
              .int()
              .openapi({ description: 'comparable messages: sent marketing (not transactional) messages to the members' }),
            min_messages: z.number().int().openapi({ description: 'MIN_HISTORY_MESSAGES' }),
          }),
        }),
        history: z.object({
          sent: z.number().int(),
          responded: z.number().int(),
          converted: z.number().int(),
          orders: z.number().int(),
          orderRevenue: z.number(),
          costPerMessage: z.number(),
        }),
      }),
      'The draft campaign',
    ),
    ...errorResponses(400, 413, 415, 422, 503),
  },
});
