import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import type { campaignPerformance } from './performance.routes.js';
import { campaignNotFound } from './views.js';

export const campaignPerformanceHandler: RouteHandler<typeof campaignPerformance, AppEnv> = async (c) => {
  const { campaign_id: id } = c.req.valid('query');
  const performance = await c.var.deps.performance.get(id);
  if (!performance) throw campaignNotFound(id);
  return c.json(performance, 200);
};
