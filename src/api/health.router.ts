import { createRoute, z } from '@hono/zod-openapi';
import { json } from './route-helpers.js';
import { createRouter } from './router.js';

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: json(z.object({ status: z.literal('ok') }), 'Alive') },
});

const checksSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ database: z.string(), temporal: z.string() }),
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: the database and Temporal answer',
  responses: {
    200: json(checksSchema, 'Ready'),
    503: json(checksSchema, 'Not ready'),
  },
});

const check = (probe: () => Promise<void>) =>
  Promise.race([probe().then(() => 'ok'), new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 3000).unref())]).catch(
    (err: Error) => `error: ${err.message}`,
  );

export const healthRouter = createRouter()
  .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
  .openapi(readyz, async (c) => {
    const [database, temporal] = await Promise.all([check(c.var.deps.pingDatabase), check(c.var.deps.pingTemporal)]);
    const ok = database === 'ok' && temporal === 'ok';
    return c.json({ status: ok ? ('ok' as const) : ('unavailable' as const), checks: { database, temporal } }, ok ? 200 : 503);
  });
