import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, idParam, json, jsonBody, jsonRequest, pageQuery, paginationSchema } from '../api/route-helpers.js';

export const SOCIAL_POST_STATUSES = ['scheduled', 'publishing', 'published', 'failed', 'cancelled', 'uncertain'] as const;
const status = z.enum(SOCIAL_POST_STATUSES).openapi({
  description:
    'scheduled → publishing → published; failed (refused by the provider), cancelled, uncertain (the attempt publishing it died after its request; never posted again)',
});

const httpUrl = z
  .string()
  .max(2000)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an absolute http(s) URL');

export const socialPostSchema = z
  .object({
    id: z.string(),
    account: z.string(),
    text: z.string(),
    media_urls: z.array(z.string()),
    link: z.string().nullable(),
    scheduled_at: z.string(),
    status,
    provider_post_id: z.string().nullable().openapi({ description: "The provider's id of the post (its answer's `id`)" }),
    error: z.string().nullable(),
    published_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('SocialPost');

export const createSocialPost = createRoute({
  method: 'post',
  path: '/api/social/posts',
  tags: ['marketing'],
  summary: "Schedule a post to one of the workspace's social accounts (published once, at its time, through its social provider)",
  description:
    "The workspace's social provider (settings `providers.social`) receives a signed POST `{ post_id, account, text, media_urls, link }` with " +
    '`Idempotency-Key: social/<id>` at `scheduled_at` (now when left out). 409 `no_social_provider` when the workspace has none.',
  middleware: [jsonBody(64 * 1024)] as const,
  request: {
    body: jsonRequest(
      z
        .strictObject({
          account: z.string().trim().min(1).max(200).openapi({ example: 'weibo:@shop' }),
          text: z.string().min(1).max(10_000),
          media_urls: z.array(httpUrl).max(20).optional(),
          link: httpUrl.optional(),
          scheduled_at: z.iso.datetime({ offset: true }).optional().openapi({ example: '2026-11-11T00:00:00+08:00' }),
        })
        .openapi('SocialPostInput', {
          example: { account: 'weibo:@shop', text: '双十一狂欢，全场五折！', link: 'https://shop.example/1111' },
        }),
    ),
  },
  responses: { 201: json(socialPostSchema, 'Scheduled'), ...errorResponses(409, 413, 415, 422, 503) },
});

export const listSocialPosts = createRoute({
  method: 'get',
  path: '/api/social/posts',
  tags: ['marketing'],
  summary: 'Social posts, latest scheduled first',
  request: { query: z.object({ status: status.optional(), account: z.string().min(1).max(200).optional(), ...pageQuery(500, 50) }) },
  responses: {
    200: json(z.object({ posts: z.array(socialPostSchema), pagination: paginationSchema }), 'A page of posts'),
    ...errorResponses(400),
  },
});

export const getSocialPost = createRoute({
  method: 'get',
  path: '/api/social/posts/{id}',
  tags: ['marketing'],
  summary: 'One social post and what became of it',
  request: { params: idParam(64) },
  responses: { 200: json(socialPostSchema, 'The post'), ...errorResponses(404, 422) },
});

export const cancelSocialPost = createRoute({
  method: 'post',
  path: '/api/social/posts/{id}/cancel',
  tags: ['marketing'],
  summary: 'Cancel a scheduled post (409 `not_cancellable` once publishing began)',
  request: { params: idParam(64) },
  responses: { 200: json(socialPostSchema, 'Cancelled'), ...errorResponses(404, 409, 422) },
});
