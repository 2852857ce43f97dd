// The Segment HTTP Tracking API's calls Touchpoint understands (identify, track, and a batch of them), so
// that a product backend already sending to Segment plugs in by pointing its library here. Segment's
// clients add fields of their own (context.library, integrations, _metadata, sentAt, writeKey…): they are
// accepted and left out, as Segment's own API accepts them.
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { customerPatchSchema } from '../customers/customers.routes.js';
import { errorResponses, isoTimestamp, json, jsonBody, jsonRequest } from '../api/route-helpers.js';
import { DomainError } from '../domain/errors.js';
import { eventSchema, MAX_BATCH, outcomeSchema } from './events.routes.js';
import { knownEventProperties } from './properties.js';

/** Segment's limits: 32 KB per call (alone, or each call of a batch), 500 KB per batch. */
export const MAX_CALL_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;

/**
 * Segment's per-call limit inside a batch, and ingestion's per-request one (MAX_BATCH events: an identify is
 * one event too), checked on the parsed body before it is validated.
 */
const batchLimits: MiddlewareHandler = async (c, next) => {
  // Any JSON value got past jsonBody; what is not an object with a batch is left to the validation.
  const body = await c.req.json<unknown>();
  const batch: unknown = body && typeof body === 'object' ? (body as { batch?: unknown }).batch : undefined;
  if (Array.isArray(batch)) {
    if (batch.length > MAX_BATCH) {
      throw new DomainError('batch_too_large', `a batch holds at most ${MAX_BATCH} calls; got ${batch.length}`, 'batch', 413);
    }
    batch.forEach((call, i) => {
      const bytes = Buffer.byteLength(JSON.stringify(call));
      if (bytes > MAX_CALL_BYTES) {
        throw new DomainError(
          'payload_too_large',
          `batch[${i}] is ${bytes} bytes; a call is at most ${MAX_CALL_BYTES}`,
          `batch[${i}]`,
          413,
        );
      }
    });
  }
  await next();
};

const profile = customerPatchSchema.shape;
const idString = z.string().min(1).max(200);

const traitsSchema = z
  .looseObject({
    email: profile.email,
    phone: profile.phone,
    name: profile.name,
    firstName: z.string().min(1).max(100).nullable().optional(),
    lastName: z.string().min(1).max(100).nullable().optional(),
    // Segment's birthday trait is a date or a date-time (a Date, serialised); the profile keeps the date.
    birthday: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time')
      .refine((d) => profile.birthday.safeParse(d.slice(0, 10)).success, 'must be a real date between 1900 and today')
      .nullable()
      .optional(),
    timezone: profile.timezone,
  })
  .superRefine((traits, ctx) => {
    for (const key of Object.keys(traits)) {
      if (key.length > 100) ctx.addIssue({ code: 'custom', path: [key], message: 'a trait name is at most 100 characters' });
    }
    if (traits.name == null && [traits.firstName, traits.lastName].filter(Boolean).join(' ').length > 200) {
      ctx.addIssue({ code: 'custom', path: ['lastName'], message: 'firstName and lastName together are at most 200 characters' });
    }
  })
  .openapi({
    description:
      '`email`, `phone` (E.164), `name` (or `firstName` + `lastName`), `birthday` and `timezone` (IANA) set the profile; every other trait is kept in its attributes (null removes one)',
  });

const contextSchema = z
  .looseObject({ timezone: profile.timezone.openapi({ description: "The user's IANA time zone, when no `timezone` trait says it" }) })
  .openapi({ description: 'Accepted; only `timezone` is read' });

/** What every call carries: who (userId, else anonymousId), the idempotency key and when. */
const common = {
  userId: idString.nullish().openapi({ description: 'The customer id; required by Touchpoint (journeys need a known customer)' }),
  anonymousId: idString.nullish().openapi({ description: 'Accepted, but a call with only an anonymousId is refused (`user_id_required`)' }),
  messageId: idString.optional().openapi({
    description: 'The idempotency key: the stored event id. Without one, a repeated call is a new event',
    example: 'node-next-1',
  }),
  timestamp: isoTimestamp().optional().openapi({ description: 'When it happened (ISO 8601); defaults to now' }),
  context: contextSchema.optional(),
};

const hasIdentity = (call: { userId?: string | null; anonymousId?: string | null }) => Boolean(call.userId || call.anonymousId);
const identityRequired = { path: ['userId'], message: 'userId (or anonymousId) is required' };

const identifyFields = { ...common, traits: traitsSchema.optional() };
const trackFields = {
  ...common,
  event: eventSchema.shape.type.openapi({ description: 'The event type Touchpoint stores, e.g. `user_signup`', example: 'user_signup' }),
  properties: z.record(z.string(), z.unknown()).optional(),
};

/** Journeys read some properties of well-known event types (a cart's items, an order's amount): checked as /api/events checks them. */
function knownProperties(call: { event: string; properties?: Record<string, unknown> | undefined }, ctx: z.RefinementCtx) {
  const parsed = knownEventProperties[call.event]?.safeParse(call.properties ?? {});
  if (!parsed || parsed.success) return;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: ['properties', ...issue.path], message: issue.message });
}

export const identifySchema = z
  .object({ ...identifyFields, type: z.literal('identify').optional() })
  .refine(hasIdentity, identityRequired)
  .openapi('SegmentIdentify');

export const trackSchema = z
  .object({ ...trackFields, type: z.literal('track').optional() })
  .refine(hasIdentity, identityRequired)
  .superRefine(knownProperties)
  .openapi('SegmentTrack');

/** Segment's other calls: accepted in a batch, each answered `refused` (`unsupported_type`). */
const otherCallSchema = z.object({ type: z.enum(['page', 'screen', 'group', 'alias']), messageId: idString.optional() });

const batchItemSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ ...identifyFields, type: z.literal('identify') }).refine(hasIdentity, identityRequired),
    z
      .object({ ...trackFields, type: z.literal('track') })
      .refine(hasIdentity, identityRequired)
      .superRefine(knownProperties),
    otherCallSchema,
  ],
  { error: 'must be identify, track, page, screen, group or alias' },
);

export const batchSchema = z
  .object({
    batch: z.array(batchItemSchema).min(1, 'the batch is empty'),
    context: contextSchema.optional().openapi({ description: "Merged into each call's context" }),
  })
  .openapi('SegmentBatch');

export type IdentifyCall = z.infer<typeof identifySchema> & { type?: 'identify' };
export type TrackCall = z.infer<typeof trackSchema> & { type?: 'track' };
export type SegmentCall = z.infer<typeof batchItemSchema>;
export type SegmentContext = z.infer<typeof contextSchema>;

const accepted = json(z.object({ success: z.literal(true), results: z.array(outcomeSchema) }), 'Taken: each call’s outcome');

const description =
  'Segment HTTP Tracking API compatible (`Authorization: Basic base64(<write key>:)`). `messageId` is the event id, ' +
  'the same idempotency key as `POST /api/events` ids: a repeat is `duplicate`. Bad input is a 400 naming the field.';

export const postIdentify = createRoute({
  method: 'post',
  path: '/v1/identify',
  tags: ['events'],
  summary: 'Segment identify: create or update the customer from traits, and record an `identify` event',
  description: `${description} A call with only an anonymousId is a 400 \`user_id_required\`; an erased customer a 410 \`customer_erased\`.`,
  middleware: [jsonBody(MAX_CALL_BYTES, { invalidStatus: 400 })] as const,
  'x-validation-status': 400,
  request: { body: jsonRequest(identifySchema) },
  responses: { 200: accepted, ...errorResponses(400, 410, 413, 415) },
});

export const postTrack = createRoute({
  method: 'post',
  path: '/v1/track',
  tags: ['events'],
  summary: 'Segment track: an event of type `event` for the customer `userId`',
  description: `${description} A call with only an anonymousId is a 400 \`user_id_required\`; an erased customer a 410 \`customer_erased\`.`,
  middleware: [jsonBody(MAX_CALL_BYTES, { invalidStatus: 400 })] as const,
  'x-validation-status': 400,
  request: { body: jsonRequest(trackSchema) },
  responses: { 200: accepted, ...errorResponses(400, 410, 413, 415) },
});

export const postBatch = createRoute({
  method: 'post',
  path: '/v1/batch',
  tags: ['events'],
  summary: 'Segment batch: identify and track calls, up to 500 KB (32 KB and 1 000 calls)',
  description:
    `${description} Every call is checked before any is taken: one bad call refuses the batch (400, \`batch[3].event\`). ` +
    'Calls Touchpoint does not act on are answered per call, `refused`: only an anonymousId (`user_id_required`), ' +
    'an erased customer (`customer_erased`), page, screen, group and alias (`unsupported_type`).',
  middleware: [jsonBody(MAX_BATCH_BYTES, { invalidStatus: 400 }), batchLimits] as const,
  'x-validation-status': 400,
  request: { body: jsonRequest(batchSchema) },
  responses: { 200: accepted, ...errorResponses(400, 413, 415) },
});
