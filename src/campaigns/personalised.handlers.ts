import type { RouteHandler } from '@hono/zod-openapi';
import { CampaignError } from './service.js';
import { createPersonalisedCampaigns } from './personalised.js';
import type { AppEnv } from '../api/app.js';
import { ApiError } from '../api/errors.js';
import type { personalisedCampaign } from './personalised.routes.js';

export const personalisedCampaignHandler: RouteHandler<typeof personalisedCampaign, AppEnv> = async (c) => {
  const { db, segments, campaigns, channelCosts } = c.var.deps;
  try {
    const made = await createPersonalisedCampaigns({ db, segments, campaigns, channelCosts }).create(c.req.valid('json'), c.req.valid('header')['x-user-id'] ?? null);
    return c.json(made, 201);
  } catch (err) {
    if (err instanceof CampaignError) throw new ApiError(err.status, err.code, err.message, err.field);
    throw err;
  }
};
