import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, isoTimestamp, json } from '../api/route-helpers.js';
import { deliveredBasisSchema, rateSchema } from '../campaigns/performance.routes.js';
import type { ChannelName } from '../domain/channels.js';
import { STAGES } from './funnel.js';

const CHANNELS = ['email', 'sms', 'push', 'wechat', 'webhook'] as const satisfies readonly ChannelName[];
const id = (example: string) => z.string().min(1).max(200).optional().openapi({ example });
const period = {
  from: isoTimestamp().optional().openapi({ description: 'ISO 8601, included (records: their sent_at)', example: '2026-06-01T00:00:00Z' }),
  to: isoTimestamp().optional().openapi({ description: 'ISO 8601, excluded', example: '2026-07-01T00:00:00Z' }),
};
const channelSchema = z.enum(CHANNELS);

const funnelGroup = z
  .object({
    key: z
      .string()
      .nullable()
      .openapi({ description: 'the group’s channel, variant, step (journey/step) or UTC day; null when not grouped' }),
    delivered_basis: deliveredBasisSchema,
    stages: z.array(
      z.object({
        stage: z.enum(STAGES),
        count: z.number().int(),
        // A union, not .nullable(): on a schema with a name of its own, OpenAPI 3.1 would lose the null.
        of_previous: z
          .union([rateSchema, z.null()])
          .openapi({ description: 'share of the stage before (its name is the base); null for sent' }),
        of_sent: rateSchema,
      }),
    ),
    revenue: z.number().openapi({ description: 'sum of the records’ attributed revenue' }),
  })
  .openapi('FunnelGroup');

export const funnel = createRoute({
  method: 'get',
  path: '/api/analytics/funnel',
  tags: ['analytics'],
  summary: 'The funnel sent → delivered → opened → clicked → converted of a campaign, journey, step, flow, channel or experiment',
  description:
    'Counts the workspace’s message records the query names (every parameter narrows it; simulated records never count). ' +
    'Delivered: records with a delivery receipt, or sent − bounced on a channel none of whose records has one. ' +
    'An experiment’s funnel is grouped by variant unless group_by says otherwise.',
  request: {
    query: z.object({
      campaign_id: id('7d3f2c1a-9b8e-4c6d-a5f4-3e2d1c0b9a87'),
      journey_key: id('welcome'),
      step_key: id('guide').openapi({ description: 'with journey_key or flow_id' }),
      flow_id: id('flow-1'),
      channel: channelSchema.optional(),
      experiment_id: id('exp-1'),
      ...period,
      group_by: z.enum(['channel', 'variant', 'step', 'day']).optional(),
    }),
  },
  responses: {
    200: json(z.object({ group_by: z.enum(['channel', 'variant', 'step', 'day']).nullable(), groups: z.array(funnelGroup) }), 'Funnel'),
    ...errorResponses(400),
  },
});

export const channels = createRoute({
  method: 'get',
  path: '/api/analytics/channels',
  tags: ['analytics'],
  summary: 'Each channel over a period: volume, cost, rates with their bases, revenue and ROI',
  request: { query: z.object(period) },
  responses: {
    200: json(
      z.object({
        channels: z.array(
          z
            .object({
              channel: channelSchema,
              sent: z.number().int(),
              delivered: z.number().int(),
              delivered_basis: deliveredBasisSchema,
              opened: z.number().int(),
              clicked: z.number().int(),
              converted: z.number().int(),
              revenue: z.number(),
              cost: z.number().openapi({ description: 'sent × the channel’s cost per message (channel_costs, else CHANNEL_COST_*)' }),
              roi: z.number().nullable().openapi({ description: '(revenue − cost) / cost × 100, percent; null when cost is 0' }),
              rates: z.object({ delivery_rate: rateSchema, open_rate: rateSchema, click_rate: rateSchema, conversion_rate: rateSchema }),
            })
            .openapi('ChannelComparison'),
        ),
      }),
      'Channels',
    ),
    ...errorResponses(400),
  },
});

export const cohorts = createRoute({
  method: 'get',
  path: '/api/analytics/cohorts',
  tags: ['analytics'],
  summary: 'Customers by signup week, and the share who placed their first order by each week since',
  description:
    'A cohort: the customers created (customers.created_at) in one ISO week (Monday, UTC) of [from, to) — default: the `weeks` weeks ' +
    'up to now. For week n = 0 … weeks − 1, the share of the cohort (base: its size) whose first order came by the end of week n.',
  request: {
    query: z.object({
      ...period,
      weeks: z.coerce.number().int().min(1).max(104).default(12).openapi({ description: 'weeks after signup, 1–104' }),
    }),
  },
  responses: {
    200: json(
      z.object({
        from: z.string(),
        to: z.string(),
        weeks: z.number().int(),
        cohorts: z.array(
          z
            .object({
              week_start: z.string().openapi({ example: '2026-06-01' }),
              iso_week: z.string().openapi({ example: '2026-W23' }),
              size: z.number().int(),
              weeks: z.array(z.object({ week: z.number().int(), converted: z.number().int(), rate: rateSchema, complete: z.boolean() })),
            })
            .openapi('Cohort'),
        ),
      }),
      'Cohorts',
    ),
    ...errorResponses(400),
  },
});
