import { createRouter } from '../api/router.js';
import { deliveryWebhookHandler } from './delivery.handlers.js';
import { deliveryWebhook } from './delivery.routes.js';

export const deliveryRouter = createRouter().openapi(deliveryWebhook, deliveryWebhookHandler);
