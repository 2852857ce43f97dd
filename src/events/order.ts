// Pure order helpers, safe in workflow code.

export interface OrderItem {
  sku: string;
  name?: string;
  category?: string;
  price: number;
  quantity: number;
}

export interface Order {
  orderId: string | null;
  cartId: string | null;
  amount: number;
  currency: string | null;
  items: OrderItem[];
}

/**
 * An order from `order_completed` properties (validated by the API, see src/events/properties.ts): its
 * amount is the one given, else the sum of its items.
 */
export function orderFromProperties(properties: Record<string, unknown> | undefined): Order {
  const p = properties ?? {};
  const items = (Array.isArray(p.items) ? (p.items as Array<Partial<OrderItem>>) : []).map((i) => ({
    sku: String(i.sku),
    ...(i.name === undefined ? {} : { name: String(i.name) }),
    ...(i.category === undefined ? {} : { category: String(i.category) }),
    price: Number(i.price ?? 0),
    quantity: Number(i.quantity ?? 1),
  }));
  const itemsTotal = Math.round(items.reduce((sum, i) => sum + i.price * i.quantity, 0) * 100) / 100;
  return {
    orderId: typeof p.order_id === 'string' ? p.order_id : null,
    cartId: typeof p.cart_id === 'string' ? p.cart_id : null,
    amount: typeof p.amount === 'number' ? p.amount : itemsTotal,
    currency: typeof p.currency === 'string' ? p.currency : null,
    items,
  };
}
