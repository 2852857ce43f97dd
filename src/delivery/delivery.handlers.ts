import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import type { deliveryWebhook } from './delivery.routes.js';

export const deliveryWebhookHandler: RouteHandler<typeof deliveryWebhook, AppEnv> = async (c) => {
  const results = await c.var.deps.deliveryFeedback.report(c.req.valid('param').provider, c.req.valid('json').events);
  return c.json({ results }, 200);
};
