import { createRouter } from './app.js';
import { personalisedCampaignHandler } from '../campaigns/personalised.handlers.js';
import { personalisedCampaign } from '../campaigns/personalised.routes.js';
import { campaignPerformanceHandler, evaluateUpgradeHandler, executeUpgradeHandler } from '../tiers/tiers.handlers.js';
import { campaignPerformance, evaluateUpgrade, executeUpgrade } from '../tiers/tiers.routes.js';
import {
  customerTagsHandler,
  getSettingsHandler,
  listSegmentsHandler,
  putSettingsHandler,
  refreshInsightsHandler,
} from '../intelligence/intelligence.handlers.js';
import { customerTags, getSettings, listSegments, putSettings, refreshInsights } from '../intelligence/intelligence.routes.js';

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
