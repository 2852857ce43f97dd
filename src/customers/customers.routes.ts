import { createRoute, z } from '@hono/zod-openapi';
import { isKnownTimeZone } from '../domain/local-time.js';
import { customerIdParam, errorResponses, json, jsonBody, jsonRequest } from '../api/route-helpers.js';
import { tagSchema } from '../domain/tags.js';
import { profileInsightsSchema } from './crm.routes.js';

const isCalendarDate = (d: string) => {
  const date = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === d && date.getUTCFullYear() >= 1900 && date <= new Date();
};

const channelSchema = z.enum(['email', 'sms', 'push', 'wechat', 'webhook']);

export const customerPatchSchema = z
  .strictObject({
    email: z.email().max(320).nullable().optional(),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +4915123456789')
      .nullable()
      .optional(),
    name: z.string().min(1).max(200).nullable().optional(),
    birthday: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
      .refine(isCalendarDate, 'must be a real date between 1900 and today')
      .nullable()
      .optional(),
    timezone: z.string().refine(isKnownTimeZone, 'must be an IANA time zone, e.g. Europe/Berlin').nullable().optional(),
    attributes: z.record(z.string().min(1).max(100), z.unknown()).optional(),
    tags: z.array(tagSchema).max(200).optional(),
    consent: z.partialRecord(channelSchema, z.boolean()).optional(),
  })
  .openapi('CustomerPatch');

const customerSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    name: z.string().nullable(),
    birthday: z.string().nullable(),
    timezone: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    consent: z.record(channelSchema, z.boolean()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Customer');

const journeySchema = z
  .object({
    journey: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    startedAt: z.string(),
    status: z.unknown().optional(),
  })
  .openapi('ActiveJourney');

export const putCustomer = createRoute({
  method: 'put',
  path: '/api/customers/{id}',
  tags: ['customers'],
  summary: 'Identify: create or update a customer',
  description:
    'Fields left out are kept; `attributes` and `consent` are merged, `tags` replaced. Opting out of email ends the customer’s journeys.',
  middleware: [jsonBody(256 * 1024)] as const,
  request: { params: customerIdParam, body: jsonRequest(customerPatchSchema) },
  responses: {
    200: json(z.object({ customer: customerSchema }), 'Updated'),
    201: json(z.object({ customer: customerSchema }), 'Created'),
    ...errorResponses(400, 410, 413, 415, 422),
  },
});

export const getCustomer = createRoute({
  method: 'get',
  path: '/api/customers/{id}',
  tags: ['customers'],
  summary: 'A customer profile with its active journeys and insights (tier, points, tags, RFM group, behaviour data)',
  request: { params: customerIdParam },
  responses: {
    200: json(z.object({ customer: customerSchema, journeys: z.array(journeySchema), insights: profileInsightsSchema }), 'Profile'),
    ...errorResponses(404, 410),
  },
});

export const deleteCustomer = createRoute({
  method: 'delete',
  path: '/api/customers/{id}',
  tags: ['customers'],
  summary: 'Erase a customer: end every journey, remove personal data',
  request: { params: customerIdParam },
  responses: {
    200: json(z.object({ erased: z.literal(true), journeysEnded: z.number() }), 'Erased'),
    ...errorResponses(404),
  },
});
