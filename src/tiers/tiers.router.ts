import { createRouter } from '../api/router.js';
import { evaluateUpgradeHandler, executeUpgradeHandler } from './tiers.handlers.js';
import { evaluateUpgrade, executeUpgrade } from './tiers.routes.js';

export const tiersRouter = createRouter().openapi(evaluateUpgrade, evaluateUpgradeHandler).openapi(executeUpgrade, executeUpgradeHandler);
