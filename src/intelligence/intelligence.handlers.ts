import type { RouteHandler } from '@hono/zod-openapi';
import { ZodError } from 'zod';
import type { RfmGroup } from './rfm.js';
import type { AppEnv } from '../api/app.js';
import { ApiError, validationError } from '../api/errors.js';
import type { customerTags, getSettings, listSegments, putSettings, refreshInsights } from './intelligence.routes.js';

type Context = Parameters<RouteHandler<typeof listSegments, AppEnv>>[0];
/** Set by createApp (createIntelligenceService unless the deps bring one). */
const intelligence = (c: Pick<Context, 'var'>) => c.var.deps.intelligence!;

export const listSegmentsHandler: RouteHandler<typeof listSegments, AppEnv> = async (c) => {
  const { method, refresh } = c.req.valid('query');
  return c.json(await intelligence(c).rfmGroups({ method, refresh: refresh === 'true' }), 200);
};

export const customerTagsHandler: RouteHandler<typeof customerTags, AppEnv> = async (c) => {
  const { customer_id: id } = c.req.valid('json');
  const result = await intelligence(c).customerTags(id);
  if (result.status === 'not_found') throw new ApiError(404, 'customer_not_found', `no customer "${id}"`);
  if (result.status === 'erased') throw new ApiError(410, 'customer_erased', `customer "${id}" was erased`);
  const { rfm } = result;
  return c.json(
    {
      customer_id: result.customerId,
      tags: result.tags,
      segment: result.segment as RfmGroup,
      rfm: {
        method: rfm.method,
        recency_days: rfm.recencyDays,
        frequency: rfm.frequency,
        monetary: rfm.monetary,
        r_score: rfm.r,
        f_score: rfm.f,
        m_score: rfm.m,
      },
      computed_at: result.computedAt,
    },
    200,
  );
};

export const refreshInsightsHandler: RouteHandler<typeof refreshInsights, AppEnv> = async (c) => {
  const service = intelligence(c);
  const record = await service.refreshAll();
  const { segments } = await service.rfmGroups();
  return c.json(
    {
      customers: record.customers,
      segments: Object.fromEntries(segments.map((s) => [s.id, s.customerCount])),
      method: record.method,
      windowDays: record.windowDays,
      durationMs: record.durationMs,
      computedAt: record.at,
    },
    200,
  );
};

export const getSettingsHandler: RouteHandler<typeof getSettings, AppEnv> = async (c) =>
  c.json({ settings: (await intelligence(c).settings()) as unknown as Record<string, unknown> }, 200);

export const putSettingsHandler: RouteHandler<typeof putSettings, AppEnv> = async (c) => {
  try {
    const settings = await intelligence(c).updateSettings(c.req.valid('json'));
    return c.json({ settings: settings as unknown as Record<string, unknown> }, 200);
  } catch (err) {
    if (err instanceof ZodError) throw validationError(err);
    throw err;
  }
};
