import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import { DomainError } from '../domain/errors.js';
import { giftView } from './gift-view.js';
import type { getGift, listGifts, updateGift } from './gifts.routes.js';

export const listGiftsHandler: RouteHandler<typeof listGifts, AppEnv> = async (c) => {
  const q = c.req.valid('query');
  const { gifts, total } = await c.var.deps.gifts.list({
    status: q.status,
    customerId: q.customer_id,
    page: q.page,
    pageSize: q.page_size,
  });
  return c.json({ gifts: gifts.map(giftView), pagination: { total, page: q.page, page_size: q.page_size } }, 200);
};

export const getGiftHandler: RouteHandler<typeof getGift, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const gift = await c.var.deps.gifts.byId(id);
  if (!gift) throw new DomainError('gift_not_found', `no gift "${id}"`, undefined, 404);
  return c.json(giftView(gift), 200);
};

export const updateGiftHandler: RouteHandler<typeof updateGift, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const gift = await c.var.deps.gifts.update(id, { status: body.status, trackingNumber: body.tracking_number, note: body.note });
  return c.json(giftView(gift), 200);
};
