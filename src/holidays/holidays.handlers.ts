import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import type * as r from './holidays.routes.js';

export const listHolidaysHandler: RouteHandler<typeof r.listHolidays, AppEnv> = async (c) =>
  c.json(await c.var.deps.holidays.calendar(), 200);

export const createHolidayHandler: RouteHandler<typeof r.createHoliday, AppEnv> = async (c) =>
  c.json(await c.var.deps.holidays.addHoliday(c.req.valid('json')), 201);

export const deleteHolidayHandler: RouteHandler<typeof r.deleteHoliday, AppEnv> = async (c) => {
  await c.var.deps.holidays.removeHoliday(c.req.valid('param').id);
  return c.body(null, 204);
};

export const createHolidayCampaignHandler: RouteHandler<typeof r.createHolidayCampaign, AppEnv> = async (c) =>
  c.json(await c.var.deps.holidays.create(c.req.valid('json'), c.var.caller.identity), 201);

export const listHolidayCampaignsHandler: RouteHandler<typeof r.listHolidayCampaigns, AppEnv> = async (c) =>
  c.json(await c.var.deps.holidays.list(), 200);

export const getHolidayCampaignHandler: RouteHandler<typeof r.getHolidayCampaign, AppEnv> = async (c) =>
  c.json(await c.var.deps.holidays.get(c.req.valid('param').id), 200);

export const deleteHolidayCampaignHandler: RouteHandler<typeof r.deleteHolidayCampaign, AppEnv> = async (c) => {
  await c.var.deps.holidays.remove(c.req.valid('param').id);
  return c.body(null, 204);
};
