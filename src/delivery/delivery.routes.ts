import { createRoute, z } from '@hono/zod-openapi';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../domain/webhook-signature.js';
import { errorResponses, isoTimestamp, json, jsonBody, jsonRequest } from '../api/route-helpers.js';
import { verifyDeliverySignature, WEBHOOK_MAX_BYTES } from './delivery.signature.js';

export const MAX_REPORTS = 1000;
export const SUPPRESSION_CHANNELS = ['email', 'sms'] as const;

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +4915112345678');

// Unknown keys are ignored (not refused): a provider answered 4xx retries the batch for days.
const reportSchema = z
  .object({
    type: z.enum(['delivered', 'bounced', 'complained']),
    message_id: z.string().min(1).max(500).optional().openapi({
      description:
        'The id the provider knows the message by: the SMTP Message-ID (with or without <>) or the SMS/push provider’s id; Touchpoint’s own message id works too',
    }),
    email: z.email().max(320).optional(),
    phone: e164.optional(),
    bounce_type: z.enum(['hard', 'soft']).optional().openapi({ description: 'bounced only; absent: hard' }),
    occurred_at: isoTimestamp().optional().openapi({ description: 'When the provider saw it; default now' }),
  })
  .refine((r) => r.message_id || r.email || r.phone, {
    message: 'name the message (message_id) or the address (email or phone)',
    path: ['message_id'],
  })
  .refine((r) => r.type === 'bounced' || r.bounce_type === undefined, { message: 'only for bounced', path: ['bounce_type'] })
  .openapi('DeliveryReport');

export const deliveryWebhookBody = z.object({ events: z.array(reportSchema).min(1).max(MAX_REPORTS) }).openapi('DeliveryWebhook', {
  example: {
    events: [
      {
        type: 'bounced',
        message_id: '<4f1c…@touchpoint.example>',
        email: 'ada@example.com',
        bounce_type: 'hard',
        occurred_at: '2026-05-01T10:00:00Z',
      },
    ],
  },
});

const outcome = z.object({
  type: z.enum(['delivered', 'bounced', 'complained']),
  message_id: z.string().nullable().openapi({ description: 'Touchpoint’s id of the message the report named; null: none found' }),
  suppressed: z.array(z.object({ channel: z.enum(SUPPRESSION_CHANNELS), address: z.string() })),
});

export const deliveryWebhook = createRoute({
  method: 'post',
  path: '/api/webhooks/delivery/{provider}',
  tags: ['delivery'],
  summary: 'Delivery receipts, bounces and complaints from an email/SMS provider (signed)',
  description:
    `\`${SIGNATURE_HEADER}: sha256=<hex>\` is the HMAC-SHA256 of \`<${TIMESTAMP_HEADER}>.<raw body>\` under the provider’s secret ` +
    '(`DELIVERY_WEBHOOK_SECRETS`); the timestamp is Unix seconds and may be at most 5 minutes from the server’s clock. ' +
    'delivered sets the message’s `delivered_at`; a hard bounce or a complaint puts the address on the suppression list and marks the ' +
    'message (`bounced_at`/`bounce_type`, `complained_at`); a soft bounce is only recorded on the message. Repeats change nothing. ' +
    '401 `missing_signature`, `invalid_signature`, `stale_signature`; 404 `unknown_provider`.',
  middleware: [verifyDeliverySignature, jsonBody(WEBHOOK_MAX_BYTES)] as const,
  request: {
    params: z.object({ provider: z.string().openapi({ param: { name: 'provider', in: 'path' }, example: 'ses' }) }),
    headers: z.object({
      [SIGNATURE_HEADER.toLowerCase()]: z
        .string()
        .openapi({ example: 'sha256=3b1f9c0d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e' }),
      [TIMESTAMP_HEADER.toLowerCase()]: z.string().openapi({ example: '1767225600' }),
    }),
    body: jsonRequest(deliveryWebhookBody),
  },
  responses: {
    200: json(z.object({ results: z.array(outcome) }), 'What each report did, in order'),
    ...errorResponses(400, 401, 404, 413, 415, 422),
  },
});
