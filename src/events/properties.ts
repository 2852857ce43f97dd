import { z } from 'zod';

const cartItemSchema = z.object({
  sku: z.string().min(1).max(100),
  name: z.string().min(1).max(300),
  price: z.number().min(0),
  quantity: z.number().int().min(1).optional(),
});

const cartSchema = z.object({
  cart_id: z.string().min(1).max(200),
  items: z.array(cartItemSchema).max(500),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code, e.g. EUR')
    .optional(),
});

const orderItemSchema = cartItemSchema.extend({ category: z.string().min(1).max(100).optional() });

const orderSchema = z.object({
  order_id: z.string().min(1).max(200).optional(),
  cart_id: z.string().min(1).max(200).optional(),
  /** The order's value; without it, the sum of its items. */
  amount: z.number().min(0).max(1e11).optional(),
  items: z.array(orderItemSchema).max(500).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code, e.g. EUR')
    .optional(),
});

/**
 * What journeys read from the properties of well-known event types. Other properties pass through; an
 * event of another type may carry anything.
 */
export const knownEventProperties: Record<string, z.ZodType> = {
  cart_abandoned: cartSchema.extend({ items: cartSchema.shape.items.min(1, 'an abandoned cart has items') }),
  cart_updated: cartSchema,
  order_completed: orderSchema,
};
