import { createRouter } from '../../app.js';
import { evaluateUpgradeHandler, executeUpgradeHandler } from './ai-ops.handlers.js';
import { evaluateUpgrade, executeUpgrade } from './ai-ops.routes.js';

export const aiOpsRouter = createRouter().openapi(evaluateUpgrade, evaluateUpgradeHandler).openapi(executeUpgrade, executeUpgradeHandler);
