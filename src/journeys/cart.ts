// Pure cart helpers, safe in workflow code (no zod here: workflow bundles stay lean).

export interface CartItem {
  sku: string;
  name: string;
  price: number;
  quantity: number;
}

export interface Cart {
  id: string;
  items: CartItem[];
  currency: string;
  total: number;
}

/** A cart from event properties (validated by the API, see src/events/properties.ts); null when they hold none. */
export function cartFromProperties(properties: Record<string, unknown> | undefined): Cart | null {
  if (!properties || typeof properties.cart_id !== 'string' || !Array.isArray(properties.items)) return null;
  const items = (properties.items as Array<Partial<CartItem>>).map((i) => ({
    sku: String(i.sku),
    name: String(i.name),
    price: Number(i.price),
    quantity: Number(i.quantity ?? 1),
  }));
  const total = Math.round(items.reduce((sum, i) => sum + i.price * i.quantity, 0) * 100) / 100;
  return { id: properties.cart_id, items, currency: typeof properties.currency === 'string' ? properties.currency : 'EUR', total };
}
