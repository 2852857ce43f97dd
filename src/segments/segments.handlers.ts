import type { RouteHandler } from '@hono/zod-openapi';
import { SegmentError } from './service.js';
import type { AppEnv } from '../api/app.js';
import { ApiError } from '../api/errors.js';
import type { createSegment, deleteSegment, getSegment, listSegments, putSegment, refreshSegment, segmentMembers } from './segments.routes.js';

/** The service's refusals as API errors. */
async function api<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof SegmentError) throw new ApiError(err.status, err.code, err.message, err.field);
    throw err;
  }
}

export const createSegmentHandler: RouteHandler<typeof createSegment, AppEnv> = async (c) =>
  c.json(await c.var.deps.segments.create(c.req.valid('json')), 201);

export const listSegmentsHandler: RouteHandler<typeof listSegments, AppEnv> = async (c) =>
  c.json(await c.var.deps.segments.list(c.req.valid('query')), 200);

export const getSegmentHandler: RouteHandler<typeof getSegment, AppEnv> = async (c) =>
  c.json(await api(c.var.deps.segments.get(c.req.valid('param').id)), 200);

export const segmentMembersHandler: RouteHandler<typeof segmentMembers, AppEnv> = async (c) =>
  c.json(await api(c.var.deps.segments.members(c.req.valid('param').id, c.req.valid('query'))), 200);

export const putSegmentHandler: RouteHandler<typeof putSegment, AppEnv> = async (c) =>
  c.json(await api(c.var.deps.segments.update(c.req.valid('param').id, c.req.valid('json'))), 200);

export const deleteSegmentHandler: RouteHandler<typeof deleteSegment, AppEnv> = async (c) => {
  try {
    await c.var.deps.segments.remove(c.req.valid('param').id);
  } catch (err) {
    // The campaigns in the way are part of the answer.
    if (err instanceof SegmentError && err.code === 'segment_in_use') {
      const campaigns = (err.details?.campaigns ?? []) as Array<{ id: string; status: string }>;
      return c.json({ error: { code: err.code, message: err.message }, campaigns }, 409);
    }
    if (err instanceof SegmentError) throw new ApiError(err.status, err.code, err.message, err.field);
    throw err;
  }
  return c.body(null, 204);
};

export const refreshSegmentHandler: RouteHandler<typeof refreshSegment, AppEnv> = async (c) =>
  c.json(await api(c.var.deps.segments.refresh(c.req.valid('param').id)), 200);
