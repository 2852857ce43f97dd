import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import { customerErased, customerNotFound } from '../domain/errors.js';
import type { getRecommendations, refreshRecommendations } from './recommendations.routes.js';

export const getRecommendationsHandler: RouteHandler<typeof getRecommendations, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { limit, strategy } = c.req.valid('query');
  const customer = await c.var.deps.customers.get(id);
  if (!customer) throw customerNotFound(id);
  if (customer.erasedAt) throw customerErased(id);
  const found = await c.var.deps.recommendations.forCustomer(id, limit, strategy);
  return c.json({ customer_id: id, ...found }, 200);
};

export const refreshRecommendationsHandler: RouteHandler<typeof refreshRecommendations, AppEnv> = async (c) =>
  c.json(await c.var.deps.recommendations.refresh(), 200);
