import type { RouteHandler } from '@hono/zod-openapi';
import type { Suppression } from './suppressions.js';
import type { AppEnv } from '../api/router.js';
import { DomainError } from '../domain/errors.js';
import type { addSuppression, listSuppressions, removeSuppression } from './suppressions.routes.js';

const view = (s: Suppression) => ({
  channel: s.channel,
  address: s.address,
  reason: s.reason,
  source: s.source,
  message_id: s.messageId,
  created_at: s.createdAt.toISOString(),
});

export const listSuppressionsHandler: RouteHandler<typeof listSuppressions, AppEnv> = async (c) => {
  const q = c.req.valid('query');
  const { suppressions, total } = await c.var.deps.suppressions.list({
    channel: q.channel,
    address: q.address,
    page: q.page,
    pageSize: q.page_size,
  });
  return c.json({ suppressions: suppressions.map(view), pagination: { total, page: q.page, page_size: q.page_size } }, 200);
};

export const addSuppressionHandler: RouteHandler<typeof addSuppression, AppEnv> = async (c) => {
  const { suppression, created } = await c.var.deps.suppressions.add(c.req.valid('json'));
  return created ? c.json(view(suppression), 201) : c.json(view(suppression), 200);
};

export const removeSuppressionHandler: RouteHandler<typeof removeSuppression, AppEnv> = async (c) => {
  const { channel, address } = c.req.valid('param');
  if (!(await c.var.deps.suppressions.remove(channel, address))) {
    throw new DomainError('suppression_not_found', `${channel} ${address} is not on the suppression list`, undefined, 404);
  }
  return c.body(null, 204);
};
