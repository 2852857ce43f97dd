import type { RouteHandler } from '@hono/zod-openapi';
import { CampaignError } from '../../../campaigns/service.js';
import { createPersonalisedCampaigns } from '../../../segments/personalised.js';
import type { AppEnv } from '../../app.js';
import { ApiError } from '../../errors.js';
import type { personalisedCampaign } from './ai-ops-campaign.routes.js';

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
