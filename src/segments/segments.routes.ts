import { createRoute, z } from '@hono/zod-openapi';
import { RFM_GROUPS } from '../intelligence/rfm.js';
import { ATTRIBUTE_OPS, COMPARE_OPS, MAX_RULE_CONDITIONS, MAX_RULE_DEPTH, RULE_COLUMNS, segmentRuleSchema } from './rules.js';
import { errorSchema } from '../api/errors.js';
import { errorResponses, idParam, json, jsonBody, jsonRequest, pageQuery, paginationSchema } from '../api/route-helpers.js';

export const MAX_PAGE_SIZE = 500;

const RULE_EXAMPLE = {
  all: [
    { attribute: 'total_spend', op: 'gte', value: 500 },
    { any: [{ has_tag: 'beer_lover' }, { event: 'page_view', count: { op: 'gte', value: 3 }, within_days: 30 }] },
    { not: { segment: 'churn_risk' } },
  ],
};

// The domain's schema may be built before @hono/zod-openapi extends zod: the description sits on a schema of
// this module, piped into it.
const rules = z
  .unknown()
  .openapi({
    type: 'object',
    description:
      `A rule: \`{ "all": [rules] }\`, \`{ "any": [rules] }\`, \`{ "not": rule }\` (at most ${MAX_RULE_DEPTH} levels, ${MAX_RULE_CONDITIONS} conditions) ` +
      'or a condition: ' +
      `\`{ "attribute", "op": ${ATTRIBUTE_OPS.join('|')}, "value"? }\` on ${RULE_COLUMNS.join(', ')} or "attributes.<key>"; ` +
      '`{ "has_tag" }` (manual or computed tags); ' +
      `\`{ "event", "count": { "op": ${COMPARE_OPS.join('|')}, "value" }, "within_days" }\`; ` +
      '`{ "rfm": "r"|"f"|"m", "op", "value" }` (customer_insights scores); ' +
      `\`{ "segment": ${RFM_GROUPS.join('|')} }\`. A bad rule is a 422 naming its path, e.g. \`rules.all[1].any[0].op\`.`,
    example: RULE_EXAMPLE,
  } as never)
  .pipe(segmentRuleSchema);

const segmentFields = {
  name: z.string().trim().min(1).max(200).openapi({ example: 'Big spenders who browse' }),
  description: z.string().max(2000).nullable().optional(),
  rules,
};

export const segmentSchema = z
  .object({
    id: z.string().openapi({ example: 'seg_3f9a1c2b7d4e5f60' }),
    name: z.string(),
    description: z.string().nullable(),
    rules: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'null: members kept by hand (not refreshed)' }),
    count: z.number().int().openapi({ description: 'Members at the last refresh' }),
    refreshed_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Segment');

const paging = z.object(pageQuery(MAX_PAGE_SIZE, 20));
const segmentId = idParam(200);

export const createSegment = createRoute({
  method: 'post',
  path: '/api/segments',
  tags: ['segments'],
  summary: 'Create a dynamic segment; its members are computed at once',
  middleware: [jsonBody(256 * 1024)] as const,
  request: { body: jsonRequest(z.strictObject(segmentFields).openapi('SegmentInput')) },
  responses: { 201: json(segmentSchema, 'The segment, with its member count'), ...errorResponses(400, 413, 415, 422) },
});

export const listSegments = createRoute({
  method: 'get',
  path: '/api/segments',
  tags: ['segments'],
  summary: 'Segments, newest first, paged',
  request: { query: paging },
  responses: {
    200: json(z.object({ segments: z.array(segmentSchema), pagination: paginationSchema }), 'A page of segments'),
    ...errorResponses(400),
  },
});

export const getSegment = createRoute({
  method: 'get',
  path: '/api/segments/{id}',
  tags: ['segments'],
  summary: 'One segment with its member count',
  request: { params: segmentId },
  responses: { 200: json(segmentSchema, 'The segment'), ...errorResponses(404) },
});

export const segmentMembers = createRoute({
  method: 'get',
  path: '/api/segments/{id}/members',
  tags: ['segments'],
  summary: "A page of the segment's members (as of its last refresh), by customer id",
  request: { params: segmentId, query: paging },
  responses: {
    200: json(
      z.object({
        members: z.array(z.object({ customer_id: z.string(), email: z.string().nullable(), name: z.string().nullable() })),
        pagination: paginationSchema,
      }),
      'A page of members',
    ),
    ...errorResponses(400, 404),
  },
});

export const putSegment = createRoute({
  method: 'put',
  path: '/api/segments/{id}',
  tags: ['segments'],
  summary: "Edit a segment's name, description or rules; its members are refreshed at once",
  middleware: [jsonBody(256 * 1024)] as const,
  request: {
    params: segmentId,
    body: jsonRequest(
      z
        .strictObject(segmentFields)
        .partial()
        .refine((p) => Object.keys(p).length > 0, { message: 'give name, description or rules' })
        .openapi('SegmentPatch'),
    ),
  },
  responses: { 200: json(segmentSchema, 'The segment'), ...errorResponses(400, 404, 409, 413, 415, 422) },
});

export const deleteSegment = createRoute({
  method: 'delete',
  path: '/api/segments/{id}',
  tags: ['segments'],
  summary: 'Delete a segment and its members; 409 `segment_in_use` while a campaign that is not archived targets it',
  request: { params: segmentId },
  responses: {
    204: { description: 'Deleted' },
    409: json(errorSchema.extend({ campaigns: z.array(z.object({ id: z.string(), status: z.string() })) }), 'Targeted by campaigns'),
    ...errorResponses(404),
  },
});

export const refreshSegment = createRoute({
  method: 'post',
  path: '/api/segments/{id}/refresh',
  tags: ['segments'],
  summary: "Re-evaluate the segment's rules now: members who no longer match leave, new ones join",
  request: { params: segmentId },
  responses: {
    200: json(
      z.object({
        id: z.string(),
        count: z.number().int(),
        added: z.number().int(),
        removed: z.number().int(),
        refreshed_at: z.string(),
      }),
      'The refresh',
    ),
    ...errorResponses(404, 409),
  },
});
