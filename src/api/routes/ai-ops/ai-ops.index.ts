import { createRouter } from '../../app.js';
import { personalisedCampaignHandler } from './ai-ops-campaign.handlers.js';
import { personalisedCampaign } from './ai-ops-campaign.routes.js';
import { campaignPerformanceHandler, evaluateUpgradeHandler, executeUpgradeHandler } from './ai-ops.handlers.js';
import { campaignPerformance, evaluateUpgrade, executeUpgrade } from './ai-ops.routes.js';

export const aiOpsRouter = createRouter()
  .openapi(evaluateUpgrade, evaluateUpgradeHandler)
  .openapi(executeUpgrade, executeUpgradeHandler)
  .openapi(personalisedCampaign, personalisedCampaignHandler)
  .openapi(campaignPerformance, campaignPerformanceHandler);
