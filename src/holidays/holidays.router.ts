import { createRouter } from '../api/router.js';
import * as h from './holidays.handlers.js';
import * as r from './holidays.routes.js';

export const holidaysRouter = createRouter()
  .openapi(r.listHolidays, h.listHolidaysHandler)
  .openapi(r.createHoliday, h.createHolidayHandler)
  .openapi(r.deleteHoliday, h.deleteHolidayHandler)
  .openapi(r.createHolidayCampaign, h.createHolidayCampaignHandler)
  .openapi(r.listHolidayCampaigns, h.listHolidayCampaignsHandler)
  .openapi(r.getHolidayCampaign, h.getHolidayCampaignHandler)
  .openapi(r.deleteHolidayCampaign, h.deleteHolidayCampaignHandler);
