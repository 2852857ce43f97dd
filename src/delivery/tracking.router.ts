import { createRouter } from '../api/router.js';
import { clickRedirectHandler, openPixelHandler, unsubscribeHandler, unsubscribePageHandler } from './tracking.handlers.js';
import { clickRedirect, openPixel, unsubscribe, unsubscribePage } from './tracking.routes.js';

export const trackingRouter = createRouter()
  .openapi(openPixel, openPixelHandler)
  .openapi(clickRedirect, clickRedirectHandler)
  .openapi(unsubscribePage, unsubscribePageHandler)
  .openapi(unsubscribe, unsubscribeHandler);
