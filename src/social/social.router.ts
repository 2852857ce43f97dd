import { createRouter } from '../api/router.js';
import { cancelSocialPostHandler, createSocialPostHandler, getSocialPostHandler, listSocialPostsHandler } from './social.handlers.js';
import { cancelSocialPost, createSocialPost, getSocialPost, listSocialPosts } from './social.routes.js';

export const socialRouter = createRouter()
  .openapi(createSocialPost, createSocialPostHandler)
  .openapi(listSocialPosts, listSocialPostsHandler)
  .openapi(getSocialPost, getSocialPostHandler)
  .openapi(cancelSocialPost, cancelSocialPostHandler);
