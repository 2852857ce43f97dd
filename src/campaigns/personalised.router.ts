import { createRouter } from '../api/router.js';
import { personalisedCampaignHandler } from './personalised.handlers.js';
import { personalisedCampaign } from './personalised.routes.js';

export const personalisedRouter = createRouter().openapi(personalisedCampaign, personalisedCampaignHandler);
