import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import type { channels, cohorts, funnel } from './analytics.routes.js';

export const funnelHandler: RouteHandler<typeof funnel, AppEnv> = async (c) =>
  c.json(await c.var.deps.analytics.funnel(c.req.valid('query')), 200);

export const channelsHandler: RouteHandler<typeof channels, AppEnv> = async (c) =>
  c.json(await c.var.deps.analytics.channels(c.req.valid('query')), 200);

export const cohortsHandler: RouteHandler<typeof cohorts, AppEnv> = async (c) =>
  c.json(await c.var.deps.analytics.cohorts(c.req.valid('query')), 200);
