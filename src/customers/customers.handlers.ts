import type { RouteHandler } from '@hono/zod-openapi';
import { CustomerErasedError, toView } from './service.js';
import type { AppEnv } from '../api/app.js';
import { ApiError } from '../api/errors.js';
import type { deleteCustomer, getCustomer, putCustomer } from './customers.routes.js';

const gone = (id: string) => new ApiError(410, 'customer_erased', `customer "${id}" was erased`);

export const putCustomerHandler: RouteHandler<typeof putCustomer, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  try {
    const { customer, created } = await c.var.deps.customers.upsert(id, c.req.valid('json'));
    return c.json({ customer: toView(customer) }, created ? 201 : 200);
  } catch (err) {
    if (err instanceof CustomerErasedError) throw gone(id);
    throw err;
  }
};

export const getCustomerHandler: RouteHandler<typeof getCustomer, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const customer = await c.var.deps.customers.get(id);
  if (!customer) throw new ApiError(404, 'customer_not_found', `no customer "${id}"`);
  if (customer.erasedAt) throw gone(id);
  const journeys = await c.var.deps.journeys.active(id);
  return c.json({ customer: toView(customer), journeys }, 200);
};

export const deleteCustomerHandler: RouteHandler<typeof deleteCustomer, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const result = await c.var.deps.customers.erase(id);
  if (!result) throw new ApiError(404, 'customer_not_found', `no customer "${id}"`);
  return c.json({ erased: true as const, journeysEnded: result.journeysEnded }, 200);
};
