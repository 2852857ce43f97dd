import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, json } from '../api/route-helpers.js';

const rate = (what: string) =>
  z
    .number()
    .nullable()
    .openapi({ description: `${what}, in percent of delivered records (2 places; its base in \`rates\`); null when there are none` });

/** A rate with what it is a share of: the one shape of every rate the analytics answers give. */
export const rateSchema = z
  .object({
    value: z.number().nullable().openapi({ description: 'numerator / denominator in percent, 2 places; null when the denominator is 0' }),
    base: z.enum(['sent', 'delivered', 'opened', 'clicked', 'cohort_size']),
    numerator: z.number().int(),
    denominator: z.number().int(),
  })
  .openapi('Rate');

export const deliveredBasisSchema = z.enum(['receipts', 'sent_minus_bounces', 'mixed']).openapi({
  description:
    'receipts: delivered = records with a delivery receipt; sent_minus_bounces: no record had a receipt, delivered = sent − bounced; ' +
    'mixed: several channels, each counted its own way',
});

const funnel = {
  sent: z.number().int().openapi({ description: 'records with a send time or a status from sent on' }),
  delivered: z.number().int().openapi({
    description: 'records with a delivery receipt, or sent − bounced when none has one (delivered_basis); opens and clicks are no receipt',
  }),
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
  rateBase: z
    .enum(['delivered', 'sent'])
    .openapi({ description: 'delivered when receipts count deliveries; sent when none came (the base is then sent − bounced)' }),
  delivered_basis: deliveredBasisSchema,
  rates: z.object({
    delivery_rate: rateSchema,
    open_rate: rateSchema,
    click_rate: rateSchema,
    response_rate: rateSchema,
    conversion_rate: rateSchema,
  }),
};

export const performanceSchema = z
  .object({
    campaign_id: z.string(),
    ...funnel,
    channels: z
      .record(z.string(), z.object(funnel))
      .optional()
      .openapi({ description: "Records on several channels (a campaign on several): each channel's funnel, cost and ROI, by type" }),
  })
  .openapi('CampaignPerformance');

export const campaignPerformance = createRoute({
  method: 'get',
  path: '/api/ai-ops/customer/performance',
  tags: ['ai-ops'],
  summary: "A campaign's funnel, revenue, cost and ROI",
  description: 'Computed from the campaign’s records at the time of the request (simulated records are not counted).',
  request: { query: z.object({ campaign_id: z.string().min(1).max(64).openapi({ example: '7d3f2c1a-9b8e-4c6d-a5f4-3e2d1c0b9a87' }) }) },
  responses: {
    200: json(performanceSchema, 'Performance'),
    ...errorResponses(400, 404),
  },
});
