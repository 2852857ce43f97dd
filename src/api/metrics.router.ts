import { createRoute, z } from '@hono/zod-openapi';
import { DEFAULT_WORKSPACE } from '../db/workspace.js';
import { DomainError } from '../domain/errors.js';
import { errorResponses } from './route-helpers.js';
import { createRouter } from './router.js';

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics of this process',
  description:
    'The Prometheus text format: HTTP requests, events, messages, campaigns, the outbox, the database pool, Node.js process ' +
    "metrics and, where this process runs a worker, the Temporal SDK's own (docs/observability.md). Takes " +
    "`Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set, or an admin key of the `default` workspace: the figures are the installation's.",
  responses: {
    200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses(401, 403),
  },
});

export const metricsRouter = createRouter().openapi(metrics, async (c) => {
  // An admin key of another workspace is no operator's: these figures span every workspace.
  const caller = c.get('caller') as typeof c.var.caller | undefined;
  if (caller && caller.workspaceId !== DEFAULT_WORKSPACE) {
    throw new DomainError(
      'forbidden',
      `metrics take METRICS_TOKEN or an admin key of the ${DEFAULT_WORKSPACE} workspace`,
      'authorization',
      403,
    );
  }
  const { metrics: registry } = c.var;
  return c.text(await registry.text(), 200, { 'content-type': registry.contentType });
});
