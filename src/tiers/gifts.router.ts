import { createRouter } from '../api/router.js';
import { getGiftHandler, listGiftsHandler, updateGiftHandler } from './gifts.handlers.js';
import { getGift, listGifts, updateGift } from './gifts.routes.js';

export const giftsRouter = createRouter()
  .openapi(listGifts, listGiftsHandler)
  .openapi(getGift, getGiftHandler)
  .openapi(updateGift, updateGiftHandler);
