import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, idParam, json, jsonBody, jsonRequest, pageQuery, paginationSchema } from '../api/route-helpers.js';
import { GIFT_STATUSES } from './gifts.js';

const status = z.enum(GIFT_STATUSES).openapi({
  description: 'pending → processing → shipped → delivered; cancelled from pending or processing. Delivered and cancelled are final.',
});

export const giftSchema = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    source: z.string().openapi({ description: 'What owes it: tier_upgrade' }),
    upgrade_id: z.string().nullable().openapi({ description: 'The upgrade_history row that made it' }),
    sku: z.string(),
    name: z.string(),
    status,
    tracking_number: z.string().nullable(),
    history: z
      .array(z.object({ status, at: z.string(), note: z.string().optional() }))
      .openapi({ description: 'Every status it had, oldest first' }),
    announced_at: z.string().nullable().openapi({ description: "When the workspace's gift webhook answered 2xx for it" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Gift');

export const listGifts = createRoute({
  method: 'get',
  path: '/api/gifts',
  tags: ['ai-ops'],
  summary: 'Gifts owed to customers (tier rewards), newest first: what a CRM or warehouse polls',
  request: {
    query: z.object({
      status: status.optional(),
      customer_id: z.string().min(1).max(200).optional(),
      ...pageQuery(500, 50),
    }),
  },
  responses: {
    200: json(z.object({ gifts: z.array(giftSchema), pagination: paginationSchema }), 'A page of gifts'),
    ...errorResponses(400),
  },
});

export const getGift = createRoute({
  method: 'get',
  path: '/api/gifts/{id}',
  tags: ['ai-ops'],
  summary: 'One gift and its fulfilment history',
  request: { params: idParam(64) },
  responses: { 200: json(giftSchema, 'The gift'), ...errorResponses(404, 422) },
});

export const updateGift = createRoute({
  method: 'patch',
  path: '/api/gifts/{id}',
  tags: ['ai-ops'],
  summary: "Move a gift along its fulfilment (the CRM's or warehouse's update)",
  description:
    'Setting the status it already has is accepted and changes only the tracking number (a retried call). 409 `invalid_transition` ' +
    'for a move its status does not allow (back, or out of delivered or cancelled).',
  middleware: [jsonBody(16 * 1024)] as const,
  request: {
    params: idParam(64),
    body: jsonRequest(
      z
        .strictObject({
          status,
          tracking_number: z.string().min(1).max(200).optional(),
          note: z.string().min(1).max(1000).optional(),
        })
        .openapi('GiftUpdate', { example: { status: 'shipped', tracking_number: 'SF1234567890', note: '顺丰' } }),
    ),
  },
  responses: { 200: json(giftSchema, 'The gift after the update'), ...errorResponses(400, 404, 409, 413, 415, 422) },
});
