import { createRouter } from '../../app.js';
import { personalisedCampaignHandler } from './ai-ops-campaign.handlers.js';
import { personalisedCampaign } from './ai-ops-campaign.routes.js';
import { campaignPerformanceHandler, evaluateUpgradeHandler, executeUpgradeHandler } from './ai-ops.handlers.js';
import { campaignPerformance, evaluateUpgrade, executeUpgrade } from './ai-ops.routes.js';
import {
  customerTagsHandler,
  getSettingsHandler,
  listSegmentsHandler,
  putSettingsHandler,
  refreshInsightsHandler,
} from './customer-intelligence.handlers.js';
import { customerTags, getSettings, listSegments, putSettings, refreshInsights } from './customer-intelligence.routes.js';

export const aiOpsRouter = createRouter()
  .openapi(evaluateUpgrade, evaluateUpgradeHandler)
  .openapi(executeUpgrade, executeUpgradeHandler)
  .openapi(personalisedCampaign, personalisedCampaignHandler)
  .openapi(campaignPerformance, campaignPerformanceHandler)
  .openapi(listSegments, listSegmentsHandler)
  .openapi(customerTags, customerTagsHandler)
  .openapi(refreshInsights, refreshInsightsHandler)
  .openapi(getSettings, getSettingsHandler)
  .openapi(putSettings, putSettingsHandler);
