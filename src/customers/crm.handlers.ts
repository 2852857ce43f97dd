import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import { customerErased, customerNotFound } from '../domain/errors.js';
import type { customerTimeline, customerUpgrades, listCustomers } from './crm.routes.js';
import type { CustomerService } from './service.js';

export const listCustomersHandler: RouteHandler<typeof listCustomers, AppEnv> = async (c) => {
  const { page, page_size, ...filter } = c.req.valid('query');
  const { items, total } = await c.var.deps.crm.list({ ...filter, page, pageSize: page_size });
  return c.json({ customers: items, pagination: { total, page, page_size } }, 200);
};

/** 404 for an unknown customer, 410 for an erased one: what the profile answers. */
async function existing(customers: CustomerService, id: string) {
  const customer = await customers.get(id);
  if (!customer) throw customerNotFound(id);
  if (customer.erasedAt) throw customerErased(id);
  return customer;
}

export const customerUpgradesHandler: RouteHandler<typeof customerUpgrades, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await existing(c.var.deps.customers, id);
  const rows = await c.var.deps.crm.upgrades(id);
  const upgrades = rows.map((r) => ({
    id: r.id,
    from_tier: r.fromTier,
    to_tier: r.toTier,
    rewards: r.rewards,
    source: r.source,
    created_at: r.createdAt.toISOString(),
  }));
  return c.json({ upgrades }, 200);
};

export const customerTimelineHandler: RouteHandler<typeof customerTimeline, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { page, page_size } = c.req.valid('query');
  await existing(c.var.deps.customers, id);
  const { items, total } = await c.var.deps.crm.timeline(id, page, page_size);
  return c.json({ items, pagination: { total, page, page_size } }, 200);
};
