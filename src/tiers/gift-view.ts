import type { Gift } from './gifts.js';

/** A gift as the API answers it and the gift webhook announces it. */
export const giftView = (g: Gift) => ({
  id: g.id,
  customer_id: g.customerId,
  source: g.source,
  upgrade_id: g.upgradeId,
  sku: g.sku,
  name: g.name,
  status: g.status,
  tracking_number: g.trackingNumber,
  history: g.history,
  announced_at: g.webhookDeliveredAt?.toISOString() ?? null,
  created_at: g.createdAt.toISOString(),
  updated_at: g.updatedAt.toISOString(),
});
