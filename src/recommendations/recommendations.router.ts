import { createRouter } from '../api/router.js';
import { getRecommendationsHandler, refreshRecommendationsHandler } from './recommendations.handlers.js';
import { getRecommendations, refreshRecommendations } from './recommendations.routes.js';

export const recommendationsRouter = createRouter()
  .openapi(getRecommendations, getRecommendationsHandler)
  .openapi(refreshRecommendations, refreshRecommendationsHandler);
