import { createRouter } from '../api/router.js';
import { getClvHandler, getCustomerClvHandler } from './clv/clv.handlers.js';
import { getClv, getCustomerClv } from './clv/clv.routes.js';
import {
  customerTagsHandler,
  getSettingsHandler,
  listRfmGroupsHandler,
  putSettingsHandler,
  refreshInsightsHandler,
  tagDistributionHandler,
} from './intelligence.handlers.js';
import { customerTags, getSettings, listRfmGroups, putSettings, refreshInsights, tagDistribution } from './intelligence.routes.js';

export const intelligenceRouter = createRouter()
  .openapi(listRfmGroups, listRfmGroupsHandler)
  .openapi(tagDistribution, tagDistributionHandler)
  .openapi(customerTags, customerTagsHandler)
  .openapi(refreshInsights, refreshInsightsHandler)
  .openapi(getSettings, getSettingsHandler)
  .openapi(putSettings, putSettingsHandler)
  .openapi(getClv, getClvHandler)
  .openapi(getCustomerClv, getCustomerClvHandler);
