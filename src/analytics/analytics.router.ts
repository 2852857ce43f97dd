import { createRouter } from '../api/router.js';
import { channelsHandler, cohortsHandler, funnelHandler } from './analytics.handlers.js';
import { channels, cohorts, funnel } from './analytics.routes.js';

export const analyticsRouter = createRouter()
  .openapi(funnel, funnelHandler)
  .openapi(channels, channelsHandler)
  .openapi(cohorts, cohortsHandler);
