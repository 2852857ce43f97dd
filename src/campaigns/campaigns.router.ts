import { createRouter } from '../api/router.js';
import * as h from './campaigns.handlers.js';
import * as r from './campaigns.routes.js';

export const marketingRouter = createRouter()
  .openapi(r.createCampaign, h.createCampaignHandler)
  .openapi(r.listCampaigns, h.listCampaignsHandler)
  .openapi(r.getCampaign, h.getCampaignHandler)
  .openapi(r.putCampaign, h.putCampaignHandler)
  .openapi(r.triggerCampaign, h.triggerCampaignHandler)
  .openapi(r.archiveCampaign, h.archiveCampaignHandler)
  .openapi(r.pauseCampaign, h.pauseCampaignHandler)
  .openapi(r.resumeCampaign, h.resumeCampaignHandler)
  .openapi(r.cancelCampaign, h.cancelCampaignHandler)
  .openapi(r.campaignStatus, h.campaignStatusHandler)
  .openapi(r.listRecords, h.listRecordsHandler)
  .openapi(r.audienceSize, h.audienceSizeHandler)
  .openapi(r.previewCampaign, h.previewCampaignHandler);
