import type { Context } from 'hono';
import type { RouteHandler } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { AppEnv } from '../api/router.js';
import { customerErased, DomainError, validationError } from '../domain/errors.js';
import { receiveSegmentCalls, type SegmentOutcome } from './segment.js';
import type { postBatch, postIdentify, postTrack, SegmentCall } from './segment.routes.js';

/** Segment answers malformed input 400 (its clients do not retry it); the field is named as elsewhere. */
export const segmentHook = (result: { success: true } | { success: false; error: ZodError }): undefined => {
  if (result.success) return undefined;
  const err = validationError(result.error);
  throw new DomainError(err.code, err.message, err.field, 400);
};

const answer = (c: Context<AppEnv>, results: SegmentOutcome[]) => c.json({ success: true as const, results }, 200);

/** A single call answers a refusal by its status, as POST /api/events answers one event. */
async function single(c: Context<AppEnv>, call: Extract<SegmentCall, { type: 'identify' | 'track' }>) {
  const results = await receiveSegmentCalls(c.var.deps, [call]);
  const result = results[0]!;
  if (result.status === 'refused') {
    if (result.error.code === 'customer_erased') throw customerErased(call.userId ?? '', 'userId');
    throw new DomainError(result.error.code, result.error.message, 'userId', 400);
  }
  return answer(c, results);
}

export const postIdentifyHandler: RouteHandler<typeof postIdentify, AppEnv> = (c) =>
  single(c, { ...c.req.valid('json'), type: 'identify' });

export const postTrackHandler: RouteHandler<typeof postTrack, AppEnv> = (c) => single(c, { ...c.req.valid('json'), type: 'track' });

export const postBatchHandler: RouteHandler<typeof postBatch, AppEnv> = async (c) => {
  const { batch, context } = c.req.valid('json');
  return answer(c, await receiveSegmentCalls(c.var.deps, batch, context));
};
