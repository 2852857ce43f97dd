import { createRoute, z } from '@hono/zod-openapi';
import { CAMPAIGN_TYPES } from './parts.js';
import { errorResponses, idParam, json, jsonBody, jsonRequest } from '../api/route-helpers.js';

const templateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    channel: z.enum(CAMPAIGN_TYPES),
    parts: z.record(z.string(), z.string()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Template');

const templateId = idParam(64);

export const createTemplate = createRoute({
  method: 'post',
  path: '/api/templates',
  tags: ['templates'],
  summary: 'Store a message template (Liquid parts for one channel)',
  description:
    'Parts by channel: email `subject`, `html`, `text` (subject and one body required); sms `text`; push_notification `title`, `body`; ' +
    'wechat `template_id`, `url?` and one part per data key (`first`, `keyword1`, `remark`…); webhook `body`. ' +
    'A part that does not parse, an unknown filter, a `render`, `include` or `layout` tag (templates read no file) or a part over ' +
    'the limits of templates (source, time, allocation, output) is a 422 naming the part, its message the line and column.',
  middleware: [jsonBody(1024 * 1024)] as const,
  request: {
    body: jsonRequest(
      z.strictObject({
        name: z.string().trim().min(1).max(200),
        channel: z.enum(CAMPAIGN_TYPES),
        parts: z.record(z.string(), z.string().max(200_000)),
      }),
    ),
  },
  responses: { 201: json(templateSchema, 'The template'), ...errorResponses(400, 413, 415, 422) },
});

export const getTemplate = createRoute({
  method: 'get',
  path: '/api/templates/{id}',
  tags: ['templates'],
  summary: 'One template',
  request: { params: templateId },
  responses: { 200: json(templateSchema, 'The template'), ...errorResponses(404) },
});

export const previewTemplate = createRoute({
  method: 'post',
  path: '/api/templates/{id}/preview',
  tags: ['templates'],
  summary: 'Render a template for one customer',
  description:
    'The parts as a message to this customer would carry them: `{{ customer.* }}` from the profile, `{{ brand }}`, and `{{ event.* }}` ' +
    "from `event` (a flow's trigger). HTML parts are escaped. Tracking links and the unsubscribe URL are added at send time, not here.",
  middleware: [jsonBody(64 * 1024)] as const,
  request: {
    params: templateId,
    body: jsonRequest(
      z.strictObject({
        customer_id: z.string().min(1).max(200),
        /** What a flow's trigger gives templates as `event`: id, type, properties. */
        event: z.record(z.string(), z.unknown()).optional(),
      }),
    ),
  },
  responses: {
    200: json(
      z
        .object({
          template_id: z.string(),
          channel: z.enum(CAMPAIGN_TYPES),
          customer_id: z.string(),
          parts: z.record(z.string(), z.string()),
        })
        .openapi('TemplatePreview'),
      'The rendered parts',
    ),
    ...errorResponses(400, 404, 413, 415, 422),
  },
});

export const listTemplates = createRoute({
  method: 'get',
  path: '/api/templates',
  tags: ['templates'],
  summary: 'Templates, newest first',
  responses: { 200: json(z.object({ templates: z.array(templateSchema) }), 'Templates') },
});
