import type { RouteHandler } from '@hono/zod-openapi';
import type { RfmGroup } from './rfm.js';
import type { AppEnv } from '../api/router.js';
import { customerErased, customerNotFound } from '../domain/errors.js';
import type { customerTags, getSettings, listRfmGroups, putSettings, refreshInsights, tagDistribution } from './intelligence.routes.js';

export const listRfmGroupsHandler: RouteHandler<typeof listRfmGroups, AppEnv> = async (c) => {
  const { method, refresh } = c.req.valid('query');
  return c.json(await c.var.deps.intelligence.rfmGroups({ method, refresh: refresh === 'true' }), 200);
};

export const customerTagsHandler: RouteHandler<typeof customerTags, AppEnv> = async (c) => {
  const { customer_id: id } = c.req.valid('json');
  const result = await c.var.deps.intelligence.customerTags(id);
  if (result.status === 'not_found') throw customerNotFound(id);
  if (result.status === 'erased') throw customerErased(id);
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

export const tagDistributionHandler: RouteHandler<typeof tagDistribution, AppEnv> = async (c) => {
  const { kind, limit } = c.req.valid('query');
  const d = await c.var.deps.intelligence.tagDistribution({ kind, limit });
  return c.json({ tags: d.tags, total_tags: d.totalTags, total_customers: d.totalCustomers, computed_at: d.computedAt }, 200);
};

export const refreshInsightsHandler: RouteHandler<typeof refreshInsights, AppEnv> = async (c) => {
  const service = c.var.deps.intelligence;
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
  c.json({ settings: (await c.var.deps.intelligence.settings()) as unknown as Record<string, unknown> }, 200);

export const putSettingsHandler: RouteHandler<typeof putSettings, AppEnv> = async (c) => {
  const settings = await c.var.deps.intelligence.updateSettings(c.req.valid('json'));
  return c.json({ settings: settings as unknown as Record<string, unknown> }, 200);
};
