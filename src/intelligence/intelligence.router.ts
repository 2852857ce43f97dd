import { createRouter } from '../api/router.js';
import {
  customerTagsHandler,
  getSettingsHandler,
  listSegmentsHandler,
  putSettingsHandler,
  refreshInsightsHandler,
} from './intelligence.handlers.js';
import { customerTags, getSettings, listSegments, putSettings, refreshInsights } from './intelligence.routes.js';

export const intelligenceRouter = createRouter()
  .openapi(listSegments, listSegmentsHandler)
  .openapi(customerTags, customerTagsHandler)
  .openapi(refreshInsights, refreshInsightsHandler)
  .openapi(getSettings, getSettingsHandler)
  .openapi(putSettings, putSettingsHandler);
