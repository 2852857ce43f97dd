import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import { DomainError } from '../domain/errors.js';
import type { SocialPost } from './posts.js';
import type { cancelSocialPost, createSocialPost, getSocialPost, listSocialPosts } from './social.routes.js';

const view = (p: SocialPost) => ({
  id: p.id,
  account: p.account,
  text: p.text,
  media_urls: p.mediaUrls,
  link: p.link,
  scheduled_at: p.scheduledAt.toISOString(),
  status: p.status,
  provider_post_id: p.providerPostId,
  error: p.error,
  published_at: p.publishedAt?.toISOString() ?? null,
  created_at: p.createdAt.toISOString(),
});

export const createSocialPostHandler: RouteHandler<typeof createSocialPost, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const post = await c.var.deps.socialPosts.create({
    account: body.account,
    text: body.text,
    mediaUrls: body.media_urls,
    link: body.link,
    scheduledAt: body.scheduled_at ? new Date(body.scheduled_at) : undefined,
  });
  return c.json(view(post), 201);
};

export const listSocialPostsHandler: RouteHandler<typeof listSocialPosts, AppEnv> = async (c) => {
  const q = c.req.valid('query');
  const { posts, total } = await c.var.deps.socialPosts.list({ status: q.status, account: q.account, page: q.page, pageSize: q.page_size });
  return c.json({ posts: posts.map(view), pagination: { total, page: q.page, page_size: q.page_size } }, 200);
};

export const getSocialPostHandler: RouteHandler<typeof getSocialPost, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const post = await c.var.deps.socialPosts.byId(id);
  if (!post) throw new DomainError('social_post_not_found', `no social post "${id}"`, undefined, 404);
  return c.json(view(post), 200);
};

export const cancelSocialPostHandler: RouteHandler<typeof cancelSocialPost, AppEnv> = async (c) =>
  c.json(view(await c.var.deps.socialPosts.cancel(c.req.valid('param').id)), 200);
