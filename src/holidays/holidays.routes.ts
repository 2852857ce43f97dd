import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, idParam, json, jsonBody, jsonRequest } from '../api/route-helpers.js';
import { campaignFields, oneChannelContent } from '../campaigns/campaigns.routes.js';

const holidayInput = z
  .strictObject({
    name: z.string().trim().min(1).max(100).openapi({ example: '店庆日' }),
    month_day: z.string().max(5).optional().openapi({ description: 'Every year on this day, MM-DD', example: '08-18' }),
    dates: z
      .record(z.string().regex(/^\d{4}$/, 'must be a year, e.g. 2027'), z.string().max(10))
      .optional()
      .openapi({ description: 'The date in each year (the key is the year), YYYY-MM-DD', example: { '2027': '2027-08-18' } }),
  })
  .openapi('HolidayInput');

export const holidaySchema = z
  .object({
    id: z.string().openapi({ description: "A shipped holiday's key (spring-festival) or the workspace holiday's id" }),
    name: z.string(),
    kind: z.enum(['fixed', 'lunar', 'workspace']),
    shipped: z.boolean(),
    month_day: z.string().nullable(),
    dates: z.record(z.string(), z.string()).nullable(),
    upcoming: z.array(z.string()).openapi({ description: 'Its dates this year and the next two' }),
  })
  .openapi('Holiday');

const holidayCampaignInput = z
  .strictObject({
    name: campaignFields.name.openapi({ example: '中秋节 greetings' }),
    holiday_id: z.string().min(1).max(64).openapi({ example: 'mid-autumn-festival' }),
    type: z.enum(['email', 'sms', 'push_notification', 'wechat']),
    target_tags: campaignFields.target_tags,
    target_segment_id: campaignFields.target_segment_id,
    content: oneChannelContent,
    content_template_id: campaignFields.content_template_id,
    send_time: z.string().max(5).openapi({ description: "The local time of day in each customer's zone, HH:MM", example: '10:00' }),
  })
  .openapi('HolidayCampaignInput');

export const holidayCampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    holiday_id: z.string(),
    holiday_name: z.string().nullable(),
    type: z.string(),
    target_tags: z.array(z.string()),
    target_segment_id: z.string().nullable(),
    content: z.unknown(),
    content_template_id: z.string().nullable(),
    send_time: z.string(),
    next_date: z.string().nullable(),
    next_run_at: z.string().nullable().openapi({ description: "When the next year's execution begins (UTC)" }),
    campaigns: z
      .array(z.object({ year: z.number(), campaign_id: z.string(), status: z.string() }))
      .openapi({ description: "Each year's campaign so far (GET /api/marketing/campaigns/{id} for its progress)" }),
    created_by: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('HolidayCampaign');

const holidayId = idParam(64, 'spring-festival');
const holidayCampaignId = idParam(64);

export const listHolidays = createRoute({
  method: 'get',
  path: '/api/holidays',
  tags: ['holidays'],
  summary: "The workspace's holiday calendar: the shipped holidays (fixed and lunar) and its own",
  responses: { 200: json(z.object({ holidays: z.array(holidaySchema) }), 'The calendar') },
});

export const createHoliday = createRoute({
  method: 'post',
  path: '/api/holidays',
  tags: ['holidays'],
  summary: 'Add a holiday of the workspace: a month-day every year, or a date per year',
  middleware: [jsonBody(64 * 1024)] as const,
  request: { body: jsonRequest(holidayInput) },
  responses: { 201: json(holidaySchema, 'The holiday'), ...errorResponses(409, 413, 415, 422) },
});

export const deleteHoliday = createRoute({
  method: 'delete',
  path: '/api/holidays/{id}',
  tags: ['holidays'],
  summary: 'Delete a holiday of the workspace; 409 for a shipped one or one a holiday campaign runs on',
  request: { params: holidayId },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(404, 409) },
});

export const createHolidayCampaign = createRoute({
  method: 'post',
  path: '/api/holiday-campaigns',
  tags: ['holidays'],
  summary: "A campaign sent every year on a holiday at each customer's local send time, on a Temporal Schedule of its own",
  middleware: [jsonBody(1024 * 1024)] as const,
  request: { body: jsonRequest(holidayCampaignInput) },
  responses: { 201: json(holidayCampaignSchema, 'The holiday campaign'), ...errorResponses(413, 415, 422, 503) },
});

export const listHolidayCampaigns = createRoute({
  method: 'get',
  path: '/api/holiday-campaigns',
  tags: ['holidays'],
  summary: 'Holiday campaigns, oldest first',
  responses: { 200: json(z.object({ holiday_campaigns: z.array(holidayCampaignSchema) }), 'Holiday campaigns') },
});

export const getHolidayCampaign = createRoute({
  method: 'get',
  path: '/api/holiday-campaigns/{id}',
  tags: ['holidays'],
  summary: 'One holiday campaign, with its next run and its years',
  request: { params: holidayCampaignId },
  responses: { 200: json(holidayCampaignSchema, 'The holiday campaign'), ...errorResponses(404) },
});

export const deleteHolidayCampaign = createRoute({
  method: 'delete',
  path: '/api/holiday-campaigns/{id}',
  tags: ['holidays'],
  summary: "Delete a holiday campaign and its schedule (a year's campaign already made stays, as a campaign)",
  request: { params: holidayCampaignId },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(404, 503) },
});
