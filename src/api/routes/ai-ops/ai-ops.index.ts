import { createRouter } from '../../app.js';
import { campaignPerformanceHandler, evaluateUpgradeHandler, executeUpgradeHandler } from './ai-ops.handlers.js';
import { campaignPerformance, evaluateUpgrade, executeUpgrade } from './ai-ops.routes.js';

export const aiOpsRouter = createRouter()
  .openapi(evaluateUpgrade, evaluateUpgradeHandler)
  .openapi(executeUpgrade, executeUpgradeHandler)
  .openapi(campaignPerformance, campaignPerformanceHandler);
