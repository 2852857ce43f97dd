import { createRouter } from '../api/router.js';
import { postBatchHandler, postIdentifyHandler, postTrackHandler, segmentHook } from './segment.handlers.js';
import { postBatch, postIdentify, postTrack } from './segment.routes.js';

export const segmentRouter = createRouter()
  .openapi(postIdentify, postIdentifyHandler, segmentHook)
  .openapi(postTrack, postTrackHandler, segmentHook)
  .openapi(postBatch, postBatchHandler, segmentHook);
