import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, isoTimestamp, json, jsonBody, jsonRequest } from '../api/route-helpers.js';

export const MAX_BATCH = 1000;
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export const eventSchema = z
  .strictObject({
    id: z.string().min(1).max(200).openapi({ description: "The producer's idempotency key", example: 'evt_01J9Z' }),
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'must be lowercase letters, digits, _ . : or -, starting with a letter')
      .openapi({ example: 'user_signup' }),
    customerId: z.string().min(1).max(200).openapi({ example: 'cust_42' }),
    timestamp: isoTimestamp().optional().openapi({ description: 'When it happened (ISO 8601); defaults to now' }),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Event');

export const outcomeSchema = z
  .object({
    id: z.string(),
    status: z.enum(['accepted', 'duplicate', 'refused']),
    customerCreated: z.boolean().optional(),
    journeys: z
      .array(z.object({ journey: z.string(), workflowId: z.string(), result: z.enum(['queued']) }))
      .optional()
      .openapi({
        description:
          'The journey runs the accepted event will start or signal, by workflow id, once the outbox dispatches it ' +
          "(the customer's open flow runs it concerns are found then and not listed)",
      }),
    error: z.object({ code: z.string(), message: z.string() }).optional().openapi({
      description: 'For a refused event `customer_erased` (and, for Segment calls, `user_id_required` or `unsupported_type`)',
    }),
  })
  .openapi('EventOutcome');

export const postEvents = createRoute({
  method: 'post',
  path: '/api/events',
  tags: ['events'],
  summary: 'Send one event, or a batch of up to 1 000',
  description:
    'At-least-once safe: an event id seen before is reported as `duplicate` and has no further effect. ' +
    'An unknown customerId creates the customer. An event is `accepted` once it is stored: its journeys are ' +
    'started by the outbox right after, whether or not Temporal is reachable now (GET /api/events/backlog shows ' +
    "what waits). An erased customer's events are refused and store nothing: one event is answered 410 " +
    '`customer_erased`, an event in a batch `refused`.',
  middleware: [jsonBody(MAX_BODY_BYTES)] as const,
  request: {
    // Each event is validated by the handler, so a bad one is named by its index (`[3].type`).
    body: jsonRequest(
      z
        .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
        .openapi({ description: 'One `Event` object, or an array of 1 to 1 000 `Event` objects' }),
    ),
  },
  responses: {
    202: json(z.object({ results: z.array(outcomeSchema) }), 'Per-event outcome'),
    ...errorResponses(400, 410, 413, 415, 422),
  },
});

export const backlogSchema = z
  .object({
    backlog: z.number().int().openapi({ description: 'Events stored and not dispatched to their journeys yet' }),
    retrying: z
      .number()
      .int()
      .openapi({ description: 'Of those, events whose dispatch failed (Temporal unreachable…) and is tried again' }),
    oldestReceivedAt: z.string().nullable().openapi({ description: 'When the oldest waiting event was received; null when none waits' }),
    oldestAgeSeconds: z.number().nullable(),
    lastError: z.string().nullable().openapi({ description: "The oldest retrying event's last error" }),
  })
  .openapi('EventBacklog');

export const getBacklog = createRoute({
  method: 'get',
  path: '/api/events/backlog',
  tags: ['events'],
  summary: "The outbox: this workspace's events not dispatched to their journeys yet, and the oldest one's age",
  responses: { 200: json(backlogSchema, 'The backlog') },
});
