import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, json, jsonBody, jsonRequest, pageQuery, paginationSchema } from '../api/route-helpers.js';
import { SUPPRESSION_CHANNELS } from '../delivery/delivery.routes.js';

export const MAX_PAGE_SIZE = 500;

const channel = z.enum(SUPPRESSION_CHANNELS).openapi({ description: 'email (an email address) or sms (an E.164 phone number)' });

export const suppressionSchema = z
  .object({
    channel,
    address: z.string().openapi({ example: 'ada@example.com', description: 'Normalised: emails in lower case' }),
    reason: z.enum(['hard_bounce', 'complaint', 'manual']),
    source: z.string().openapi({ description: 'The provider that reported it, or api' }),
    message_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Suppression');

/** The address must be one of its channel's: checked here so the API and the body agree on the field named. */
export const suppressionInput = z
  .strictObject({ channel, address: z.string().trim().min(1).max(320) })
  .superRefine((v, ctx) => {
    const ok = v.channel === 'email' ? z.email().safeParse(v.address).success : /^\+[1-9]\d{6,14}$/.test(v.address);
    if (!ok)
      ctx.addIssue({
        code: 'custom',
        path: ['address'],
        message: v.channel === 'email' ? 'must be an email address' : 'must be E.164, e.g. +4915112345678',
      });
  })
  .openapi('SuppressionInput', { example: { channel: 'email', address: 'ada@example.com' } });

export const listSuppressions = createRoute({
  method: 'get',
  path: '/api/suppressions',
  tags: ['delivery'],
  summary: 'The suppression list, by channel and address, paged',
  request: {
    query: z.object({
      channel: channel.optional(),
      address: z.string().min(1).max(320).optional().openapi({ description: 'A part of the address' }),
      ...pageQuery(MAX_PAGE_SIZE, 50),
    }),
  },
  responses: {
    200: json(z.object({ suppressions: z.array(suppressionSchema), pagination: paginationSchema }), 'A page of the list'),
    ...errorResponses(400),
  },
});

export const addSuppression = createRoute({
  method: 'post',
  path: '/api/suppressions',
  tags: ['delivery'],
  summary: 'Suppress an address by hand (reason manual): nothing is sent to it any more',
  middleware: [jsonBody(16 * 1024)] as const,
  request: { body: jsonRequest(suppressionInput) },
  responses: {
    201: json(suppressionSchema, 'Added'),
    200: json(suppressionSchema, 'Already on the list (kept as it was)'),
    ...errorResponses(400, 413, 415, 422),
  },
});

export const removeSuppression = createRoute({
  method: 'delete',
  path: '/api/suppressions/{channel}/{address}',
  tags: ['delivery'],
  summary: 'Take an address off the list (URL-encode it: %40 for @, %2B for +)',
  request: {
    params: z.object({
      channel: channel.openapi({ param: { name: 'channel', in: 'path' } }),
      address: z
        .string()
        .min(1)
        .max(320)
        .openapi({ param: { name: 'address', in: 'path' }, example: 'ada%40example.com' }),
    }),
  },
  responses: { 204: { description: 'Removed' }, ...errorResponses(404, 422) },
});
