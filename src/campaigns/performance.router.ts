import { createRouter } from '../api/router.js';
import { campaignPerformanceHandler } from './performance.handlers.js';
import { campaignPerformance } from './performance.routes.js';

export const performanceRouter = createRouter().openapi(campaignPerformance, campaignPerformanceHandler);
