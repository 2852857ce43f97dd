import type { RouteHandler } from '@hono/zod-openapi';
import { toView } from './service.js';
import type { AppEnv } from '../api/router.js';
import { customerErased, customerNotFound } from '../domain/errors.js';
import type { deleteCustomer, getCustomer, putCustomer } from './customers.routes.js';

export const putCustomerHandler: RouteHandler<typeof putCustomer, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { customer, created } = await c.var.deps.customers.upsert(id, c.req.valid('json'));
  return c.json({ customer: toView(customer) }, created ? 201 : 200);
};

export const getCustomerHandler: RouteHandler<typeof getCustomer, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const customer = await c.var.deps.customers.get(id);
  if (!customer) throw customerNotFound(id);
  if (customer.erasedAt) throw customerErased(id);
  const [journeys, insights] = await Promise.all([c.var.deps.journeys.active(id), c.var.deps.crm.insights(customer)]);
  return c.json({ customer: toView(customer), journeys, insights }, 200);
};

export const deleteCustomerHandler: RouteHandler<typeof deleteCustomer, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const result = await c.var.deps.customers.erase(id);
  if (!result) throw customerNotFound(id);
  return c.json({ erased: true as const, journeysEnded: result.journeysEnded }, 200);
};
