import { createRouter } from '../api/router.js';
import * as h from './segments.handlers.js';
import * as r from './segments.routes.js';

export const segmentsRouter = createRouter()
  .openapi(r.createSegment, h.createSegmentHandler)
  .openapi(r.listSegments, h.listSegmentsHandler)
  .openapi(r.getSegment, h.getSegmentHandler)
  .openapi(r.segmentMembers, h.segmentMembersHandler)
  .openapi(r.putSegment, h.putSegmentHandler)
  .openapi(r.deleteSegment, h.deleteSegmentHandler)
  .openapi(r.refreshSegment, h.refreshSegmentHandler);
