import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../api/router.js';
import { customerErased, customerNotFound } from '../../domain/errors.js';
import type { getClv, getCustomerClv } from './clv.routes.js';

export const getClvHandler: RouteHandler<typeof getClv, AppEnv> = async (c) => {
  const { record, segments, tiers } = await c.var.deps.intelligence.clv.clv();
  const m = record.model;
  return c.json(
    {
      model: m && {
        params: m.params,
        fittedAt: record.at,
        observationDay: record.observationDay,
        customers: m.customers,
        repeatCustomers: m.repeatCustomers,
        spendCustomers: m.spendCustomers,
        logLikelihood: m.logLikelihood,
        penalizer: m.penalizer,
        monthlyDiscountRate: m.monthlyDiscountRate,
      },
      reason: record.reason,
      computedAt: record.at,
      segments,
      tiers,
    },
    200,
  );
};

export const getCustomerClvHandler: RouteHandler<typeof getCustomerClv, AppEnv> = async (c) => {
  const { customer_id: id } = c.req.valid('param');
  const result = await c.var.deps.intelligence.clv.customerClv(id);
  if (result.status === 'not_found') throw customerNotFound(id, 'customer_id');
  if (result.status === 'erased') throw customerErased(id, 'customer_id');
  // A row no full refresh has written CLV into (the customer is newer than it): nothing to answer yet.
  const row = result.row?.historicClv == null ? null : result.row;
  return c.json(
    {
      customerId: id,
      historicClv: row?.historicClv ?? null,
      predictedClv12m: row?.predictedClv12m ?? null,
      expectedPurchases12m: row?.expectedPurchases12m ?? null,
      pAlive: row?.pAlive ?? null,
      expectedOrderValue: row?.expectedOrderValue ?? null,
      frequency: row?.clvFrequency ?? null,
      recency: row?.clvRecencyDays ?? null,
      T: row?.clvAgeDays ?? null,
      observationDay: row ? (result.record?.observationDay ?? null) : null,
      computedAt: row ? (result.record?.at ?? null) : null,
    },
    200,
  );
};
