import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import type {
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  putSegment,
  refreshSegment,
  segmentMembers,
} from './segments.routes.js';

export const createSegmentHandler: RouteHandler<typeof createSegment, AppEnv> = async (c) =>
  c.json(await c.var.deps.segments.create(c.req.valid('json')), 201);

export const listSegmentsHandler: RouteHandler<typeof listSegments, AppEnv> = async (c) =>
  c.json(await c.var.deps.segments.list(c.req.valid('query')), 200);

export const getSegmentHandler: RouteHandler<typeof getSegment, AppEnv> = async (c) =>
  c.json(await c.var.deps.segments.get(c.req.valid('param').id), 200);

export const segmentMembersHandler: RouteHandler<typeof segmentMembers, AppEnv> = async (c) =>
  c.json(await c.var.deps.segments.members(c.req.valid('param').id, c.req.valid('query')), 200);

export const putSegmentHandler: RouteHandler<typeof putSegment, AppEnv> = async (c) =>
  c.json(await c.var.deps.segments.update(c.req.valid('param').id, c.req.valid('json')), 200);

/** A segment that campaigns target is refused (409), naming those campaigns beside the error. */
export const deleteSegmentHandler: RouteHandler<typeof deleteSegment, AppEnv> = async (c) => {
  await c.var.deps.segments.remove(c.req.valid('param').id);
  return c.body(null, 204);
};

export const refreshSegmentHandler: RouteHandler<typeof refreshSegment, AppEnv> = async (c) =>
  c.json(await c.var.deps.segments.refresh(c.req.valid('param').id), 200);
