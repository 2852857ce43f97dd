import { createRouter } from '../../app.js';
import { evaluateUpgradeHandler, executeUpgradeHandler } from './ai-ops.handlers.js';
import { evaluateUpgrade, executeUpgrade } from './ai-ops.routes.js';
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
  .openapi(listSegments, listSegmentsHandler)
  .openapi(customerTags, customerTagsHandler)
  .openapi(refreshInsights, refreshInsightsHandler)
  .openapi(getSettings, getSettingsHandler)
  .openapi(putSettings, putSettingsHandler);
