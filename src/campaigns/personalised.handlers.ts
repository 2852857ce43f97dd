import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import type { personalisedCampaign } from './personalised.routes.js';

export const personalisedCampaignHandler: RouteHandler<typeof personalisedCampaign, AppEnv> = async (c) =>
  c.json(await c.var.deps.personalised.create(c.req.valid('json'), c.var.caller.identity), 201);
