import { createRoute, z } from '@hono/zod-openapi';
import { CAMPAIGN_STATUSES, CHANNEL_MODES } from './campaign.js';
import { CAMPAIGN_TYPES } from '../templates/parts.js';
import { errorResponses, idParam, isoTimestamp, json, jsonBody, jsonRequest, pageQuery, paginationSchema } from '../api/route-helpers.js';
import { tagSchema } from '../domain/tags.js';

const MESSAGE_STATUSES = [
  'pending',
  'sent',
  'delivered',
  'failed',
  'opened',
  'clicked',
  'converted',
  'skipped',
  'simulated',
  'uncertain',
] as const;
export const MAX_PAGE_SIZE = 500;

const datetime = isoTimestamp().nullable().optional();

const oneContent = z.union([z.string().min(1).max(100_000), z.record(z.string(), z.string().max(100_000))]);
/** One channel's content (a holiday campaign's): a string or the parts. */
export const oneChannelContent = oneContent
  .nullable()
  .optional()
  .openapi({
    description:
      'The message, as Liquid (`{{ customer.first_name }}`): a string, or the parts — email `{ subject, html?, text? }`, ' +
      'sms `{ text }`, push_notification `{ title?, body }`, wechat `{ template_id, url?, <data key>… }`, webhook `{ body }`.',
  });
const content = z
  .union([oneContent, z.record(z.string(), oneContent)])
  .nullable()
  .optional()
  .openapi({
    description:
      'The message, as Liquid (`{{ customer.first_name }}`): a string, or the parts by channel — email `{ subject, html?, text? }`, ' +
      'sms `{ text }`, push_notification `{ title?, body }`, wechat `{ template_id, url?, <data key>… }`, webhook `{ body }`. ' +
      "A string is an email's text (subject: the campaign name); a wechat campaign needs parts. " +
      'A campaign on several `channels` gives each one its own: `{ email: { subject, text }, sms: "…" }`.',
    example: 'Hi {{ customer.first_name }}, your June gift is waiting: https://shop.example/june',
  });

const sendAtSchema = z
  .union([
    z.strictObject({
      local_time: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, 00:00 to 23:59')
        .openapi({ example: '10:00' }),
    }),
    z.strictObject({ best_hour: z.literal(true) }),
  ])
  .openapi('CampaignSendAt', {
    description:
      'When each customer gets it, on their own clock: the next time it reads `local_time`, or at their best hour (the hour they open ' +
      "and click most, else the workspace's, else 10:00). Unset: at once. Not on a campaign on several channels.",
    example: { best_hour: true },
  });

export const campaignFields = {
  name: z.string().trim().min(1).max(200).openapi({ example: 'June VIP care SMS' }),
  type: z.enum(CAMPAIGN_TYPES).optional().openapi({ description: 'The channel; with `channels`, the first of them (or left out)' }),
  channels: z
    .array(z.enum(CAMPAIGN_TYPES))
    .min(2)
    .max(CAMPAIGN_TYPES.length)
    .nullable()
    .optional()
    .openapi({
      description: 'Several channels, in order (each named once); `content` then gives each its message. One channel: `type` alone',
      example: ['email', 'sms'],
    }),
  channel_mode: z
    .enum(CHANNEL_MODES)
    .nullable()
    .optional()
    .openapi({
      description:
        'With `channels`: `all` (default) sends each customer a message on every channel they can receive; `fallback` sends on the ' +
        'first that can reach them — the next channel goes to those the one before could not (no address, no consent, suppressed, ' +
        'or refused for good)',
    }),
  send_at: sendAtSchema.nullable().optional(),
  target_tags: z
    .array(tagSchema)
    .max(100)
    .optional()
    .openapi({ description: 'Customers with any of these tags', example: ['VIP'] }),
  target_segment_id: z
    .string()
    .min(1)
    .max(200)
    .nullable()
    .optional()
    .openapi({ description: 'Members of this segment (with target_tags: both)' }),
  content,
  content_template_id: z
    .string()
    .min(1)
    .max(64)
    .nullable()
    .optional()
    .openapi({ description: 'A stored template (POST /api/templates) instead of content' }),
  webhook_url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable()
    .optional()
    .openapi({ description: 'webhook campaigns: where each message is POSTed' }),
  rate_limit: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .nullable()
    .optional()
    .openapi({ description: 'Messages per second (under the channel limit)' }),
  start_time: datetime.openapi({
    description: 'In the future: the campaign is scheduled and starts itself',
    example: '2026-06-10T09:00:00Z',
  }),
  end_time: datetime.openapi({ description: 'Sending stops at this time', example: '2026-06-15T23:59:59Z' }),
};

const campaignBody = z.strictObject(campaignFields).openapi('CampaignInput');
const campaignPatch = z.strictObject(campaignFields).partial().openapi('CampaignPatch');

export const campaignSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    type: z.enum(CAMPAIGN_TYPES),
    channels: z.array(z.enum(CAMPAIGN_TYPES)).openapi({ description: 'The channels it sends on, in order (`[type]` on one channel)' }),
    channel_mode: z.enum(CHANNEL_MODES).nullable().openapi({ description: 'On several channels: `all` or `fallback`' }),
    send_at: sendAtSchema.nullable(),
    status: z.enum(CAMPAIGN_STATUSES),
    target_tags: z.array(z.string()),
    target_segment_id: z.string().nullable(),
    content: z.union([z.string(), z.record(z.string(), z.union([z.string(), z.record(z.string(), z.string())]))]).nullable(),
    content_template_id: z.string().nullable(),
    webhook_url: z.string().nullable(),
    rate_limit: z.number().int().nullable(),
    start_time: z.string().nullable(),
    end_time: z.string().nullable(),
    actual_start_time: z.string().nullable(),
    actual_end_time: z.string().nullable(),
    execution_id: z.string().nullable().openapi({ description: 'The actual execution, once scheduled or triggered' }),
    created_by: z.string().nullable(),
    updated_by: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Campaign');

const pagination = paginationSchema.openapi('Pagination');
const paging = pageQuery(MAX_PAGE_SIZE, 20);
const campaignId = idParam(64);
const oneCampaign = (description: string) => json(campaignSchema, description);

export const createCampaign = createRoute({
  method: 'post',
  path: '/api/marketing/campaigns',
  tags: ['marketing'],
  summary: 'Create a campaign: draft, or scheduled when start_time is in the future',
  description:
    'Refused with a 422 naming the field when it could not run: no audience (target_tags or target_segment_id), no content, ' +
    'content that does not parse, an unknown template or segment, end_time not after start_time.',
  middleware: [jsonBody(1024 * 1024)] as const,
  request: { body: jsonRequest(campaignBody) },
  responses: { 201: oneCampaign('The campaign'), ...errorResponses(400, 413, 415, 422, 503) },
});

export const listCampaigns = createRoute({
  method: 'get',
  path: '/api/marketing/campaigns',
  tags: ['marketing'],
  summary: 'Campaigns, newest first, filtered and paged',
  request: {
    query: z.object({
      status: z.enum(CAMPAIGN_STATUSES).optional(),
      type: z.enum(CAMPAIGN_TYPES).optional(),
      name: z.string().min(1).max(200).optional().openapi({ description: 'Part of the name, any case' }),
      ...paging,
    }),
  },
  responses: {
    200: json(z.object({ campaigns: z.array(campaignSchema), pagination }), 'A page of campaigns (empty past the last page)'),
    ...errorResponses(400),
  },
});

export const getCampaign = createRoute({
  method: 'get',
  path: '/api/marketing/campaigns/{id}',
  tags: ['marketing'],
  summary: 'One campaign',
  request: { params: campaignId },
  responses: { 200: oneCampaign('The campaign'), ...errorResponses(404) },
});

export const putCampaign = createRoute({
  method: 'put',
  path: '/api/marketing/campaigns/{id}',
  tags: ['marketing'],
  summary: 'Edit a campaign before it starts (draft or scheduled); a new start_time reschedules it',
  description: 'The fields given replace the saved ones. Once a campaign has started: 409 `campaign_not_editable`.',
  middleware: [jsonBody(1024 * 1024)] as const,
  request: { params: campaignId, body: jsonRequest(campaignPatch) },
  responses: { 200: oneCampaign('The campaign'), ...errorResponses(400, 404, 409, 413, 415, 422, 503) },
});

export const triggerCampaign = createRoute({
  method: 'post',
  path: '/api/marketing/campaigns/{id}/trigger',
  tags: ['marketing'],
  summary: 'Run the campaign now: `actual` sends (once per campaign), `simulation` renders and records without sending',
  description:
    'A second `actual` trigger is a 409 `campaign_already_triggered`; every `simulation` is an execution of its own. ' +
    'Records of an execution: GET /api/marketing/records?campaign_id=&execution_id=.',
  request: {
    params: campaignId,
    body: {
      required: false,
      content: { 'application/json': { schema: z.strictObject({ execution_type: z.enum(['actual', 'simulation']).default('actual') }) } },
    },
  },
  responses: {
    202: json(z.object({ status: z.enum(['triggered', 'simulation_started']), message: z.string(), execution_id: z.string() }), 'Started'),
    ...errorResponses(404, 409, 422, 503),
  },
});

export const archiveCampaign = createRoute({
  method: 'post',
  path: '/api/marketing/campaigns/{id}/archive',
  tags: ['marketing'],
  summary: 'Archive a campaign that is not running (a scheduled one is unscheduled)',
  request: { params: campaignId },
  responses: { 200: oneCampaign('The archived campaign'), ...errorResponses(404, 409) },
});

const controlRoute = (action: 'pause' | 'resume' | 'cancel', summary: string) =>
  createRoute({
    method: 'post',
    path: `/api/marketing/campaigns/{id}/${action}`,
    tags: ['marketing'],
    summary,
    request: { params: campaignId },
    responses: { 200: oneCampaign('The campaign'), ...errorResponses(404, 409, 503) },
  });
export const pauseCampaign = controlRoute('pause', 'Pause a running broadcast (it stops after the batch in flight)');
export const resumeCampaign = controlRoute('resume', 'Resume a paused broadcast');
export const cancelCampaign = controlRoute('cancel', 'Cancel a scheduled or running broadcast (records so far are kept)');

const progressSchema = z
  .object({
    campaignId: z.string(),
    executionId: z.string(),
    mode: z.enum(['actual', 'simulation']),
    state: z.enum(['scheduled', 'running', 'paused', 'completed', 'cancelled']),
    stopReason: z.enum(['audience_done', 'end_time', 'cancelled']).nullable(),
    audienceSize: z.number().int().nullable().openapi({ description: 'Counted when the execution began' }),
    processed: z.number().int(),
    sent: z.number().int().openapi({ description: 'Sent (simulation: rendered and recorded)' }),
    failed: z.number().int(),
    skipped: z.number().int(),
    uncertain: z.number().int().optional().openapi({
      description: 'Handed to the SMTP server or provider by an attempt that died before recording the answer; never sent again',
    }),
    reasons: z.record(z.string(), z.number().int()).openapi({ description: 'Skipped customers by reason', example: { unsubscribed: 3 } }),
    channels: z
      .record(
        z.string(),
        z.object({
          processed: z.number().int(),
          sent: z.number().int(),
          failed: z.number().int(),
          skipped: z.number().int(),
          uncertain: z.number().int().optional(),
          reasons: z.record(z.string(), z.number().int()),
        }),
      )
      .optional()
      .openapi({
        description:
          "A campaign on several channels: each channel's records (by type). `processed` above then counts customers done on every channel; sent, failed, skipped count messages",
        example: { email: { processed: 10, sent: 8, failed: 1, skipped: 1, reasons: { no_email_address: 1 } } },
      }),
    startAt: z.number().nullable(),
    endAt: z.number().nullable(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
    ratePerSecond: z.number().nullable(),
    etaSeconds: z.number().nullable(),
    runs: z.number().int().openapi({ description: 'Workflow runs so far (each continue-as-new starts one)' }),
    deferred: z
      .number()
      .int()
      .optional()
      .openapi({ description: "Records waiting for their recipients' quiet hours to end (as last looked up)" }),
    deferredUntil: z.number().nullable().optional().openapi({ description: 'When the first waiting record may go (epoch ms)' }),
    experiment: z
      .object({
        experimentId: z.string(),
        waitSeconds: z.number(),
        phase: z.enum(['test', 'rollout']),
        winner: z.string().nullable(),
        reason: z.string().nullable(),
        decidesAt: z.number().nullable(),
      })
      .nullable()
      .optional()
      .openapi({
        description: 'An auto-winner experiment: the pass it is in (the test sample, then the rest), when it chooses, and its winner',
      }),
  })
  .openapi('CampaignProgress');

export const campaignStatus = createRoute({
  method: 'get',
  path: '/api/marketing/campaigns/{id}/status',
  tags: ['marketing'],
  summary: "Live progress of the campaign's execution, from its workflow",
  request: {
    params: campaignId,
    query: z.object({
      execution_id: z.string().min(1).max(100).optional().openapi({ description: 'A simulation; default: the actual execution' }),
    }),
  },
  responses: {
    200: json(z.object({ campaign_id: z.string(), status: z.enum(CAMPAIGN_STATUSES), execution: progressSchema.nullable() }), 'Progress'),
    ...errorResponses(400, 404, 503),
  },
});

export const listRecords = createRoute({
  method: 'get',
  path: '/api/marketing/records',
  tags: ['marketing'],
  summary: "A campaign's records (one per customer per execution), filtered and paged",
  request: {
    query: z.object({
      campaign_id: z.string().min(1).max(64),
      execution_id: z.string().min(1).max(100).optional(),
      customer_id: z.string().min(1).max(200).optional(),
      status: z.enum(MESSAGE_STATUSES).optional().openapi({
        description:
          'the status as it stands: a sent record moves on to delivered, opened, clicked, converted (status=clicked: clicked, not converted yet)',
      }),
      channel: z.enum(CAMPAIGN_TYPES).optional(),
      ...paging,
    }),
  },
  responses: {
    200: json(
      z.object({
        records: z.array(
          z
            .object({
              id: z.string(),
              campaign_id: z.string(),
              execution_id: z.string().nullable(),
              customer_id: z.string(),
              channel: z.enum(CAMPAIGN_TYPES),
              status: z.enum(MESSAGE_STATUSES),
              error_message: z.string().nullable(),
              response: z.record(z.string(), z.unknown()).nullable(),
              sent_at: z.string().nullable(),
              opened_at: z.string().nullable(),
              clicked_at: z.string().nullable(),
              delivered_at: z.string().nullable().openapi({ description: 'A provider’s delivery receipt (delivery webhook)' }),
              bounce_type: z.enum(['hard', 'soft']).nullable(),
              complained_at: z.string().nullable(),
              converted_at: z.string().nullable().openapi({ description: 'When the order attributed to this record happened' }),
              revenue: z.number().nullable().openapi({ description: 'That order’s amount' }),
            })
            .openapi('CampaignRecord'),
        ),
        pagination,
      }),
      'A page of records',
    ),
    ...errorResponses(400, 404),
  },
});

export const audienceSize = createRoute({
  method: 'get',
  path: '/api/marketing/audience',
  tags: ['marketing'],
  summary: "How many customers a campaign with these targets would reach now (the create form's live count)",
  description: 'Customers not erased with any of `tags` and, with `segment_id`, in that segment — as the broadcast counts them.',
  request: {
    query: z.object({
      tags: z
        .string()
        .max(100 * 65)
        .optional()
        .openapi({ description: 'Comma-separated target tags', example: 'vip,新用户' })
        .transform((v, ctx) => {
          const parsed = z
            .array(tagSchema)
            .max(100)
            .safeParse(v ? v.split(',').filter((t) => t.trim()) : []);
          if (parsed.success) return parsed.data;
          ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'bad tags' });
          return z.NEVER;
        }),
      segment_id: z.string().min(1).max(64).optional(),
    }),
  },
  responses: { 200: json(z.object({ count: z.number().int() }), 'The audience size'), ...errorResponses(400) },
});

export const previewCampaign = createRoute({
  method: 'post',
  path: '/api/marketing/campaigns/{id}/preview',
  tags: ['marketing'],
  summary: "The campaign's message rendered for one customer, as its send would render it",
  description:
    'Its inline content or its template, with `{{ customer.* }}` of that customer, `{{ brand }}` and `{{ event.* }}` from `event`. ' +
    'Tracking links and the unsubscribe URL are added per message at send time, not here.',
  middleware: [jsonBody(64 * 1024)] as const,
  request: {
    params: campaignId,
    body: jsonRequest(z.strictObject({ customer_id: z.string().min(1).max(200), event: z.record(z.string(), z.unknown()).optional() })),
  },
  responses: {
    200: json(
      z
        .object({
          campaign_id: z.string(),
          channel: z.enum(CAMPAIGN_TYPES),
          customer_id: z.string(),
          parts: z.record(z.string(), z.string()),
        })
        .openapi('CampaignPreview'),
      'The rendered parts',
    ),
    ...errorResponses(400, 404, 413, 415, 422),
  },
});
