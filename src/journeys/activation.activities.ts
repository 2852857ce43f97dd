import { and, eq } from 'drizzle-orm';
import { ownRows } from '../db/own-rows.js';
import { customers, events } from '../db/schema.js';
import { DEFAULT_ACTIVATION_EVENT } from '../domain/activation.js';
import type { ActivityDeps } from '../worker/activities.js';

export function createActivationActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /**
     * True once the customer has reached the key action, at any time (before their signup too): for orders,
     * their order count (which counts every stored order); for any key action, a stored event of its type
     * (one range of events_customer_time_idx: the customer's events).
     */
    async customerActivated(customerId: string, eventType: string): Promise<boolean> {
      if (eventType === DEFAULT_ACTIVATION_EVENT) {
        const [customer] = await db
          .select({ orderCount: customers.orderCount })
          .from(customers)
          .where(and(ownRows(customers), eq(customers.id, customerId)));
        if ((customer?.orderCount ?? 0) > 0) return true;
      }
      const [event] = await db
        .select({ id: events.id })
        .from(events)
        .where(and(ownRows(events), eq(events.customerId, customerId), eq(events.type, eventType)))
        .limit(1);
      return event !== undefined;
    },
  };
}
