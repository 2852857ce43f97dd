// Gifts owed to customers (a tier upgrade's reward) and their fulfilment. The upgrade's transaction makes
// the row (src/tiers/service.ts); the CRM or warehouse polls the pending ones or is told by webhook, and
// moves each one forward: pending → processing → shipped → delivered, or cancelled before it ships.
import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { isUuid } from '../db/sql-helpers.js';
import { type GiftStatus, gifts } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';

export type Gift = typeof gifts.$inferSelect;

export const GIFT_STATUSES = ['pending', 'processing', 'shipped', 'delivered', 'cancelled'] as const satisfies readonly GiftStatus[];

/** The statuses each status may move to. Delivered and cancelled are final. */
const NEXT: Record<GiftStatus, readonly GiftStatus[]> = {
  pending: ['processing', 'shipped', 'delivered', 'cancelled'],
  processing: ['shipped', 'delivered', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** Null when a gift in `from` may be moved to `to`; else why not. Setting the status it has is allowed (a retried call). */
export function transitionProblem(from: GiftStatus, to: GiftStatus): string | null {
  if (from === to || NEXT[from].includes(to)) return null;
  if (NEXT[from].length === 0) return `the gift is ${from}: its status is final`;
  return `a ${from} gift can move to ${NEXT[from].join(', ')}, not to ${to}`;
}

export interface GiftUpdate {
  status: GiftStatus;
  trackingNumber?: string;
  note?: string;
}

export function createGiftService(db: Db) {
  const byId = async (id: string): Promise<Gift | null> => {
    // Ids are UUIDs; anything else names no gift (and must not reach a uuid column).
    if (!isUuid(id)) return null;
    const [row] = await db
      .select()
      .from(gifts)
      .where(and(ownRows(gifts), eq(gifts.id, id)));
    return row ?? null;
  };

  return {
    byId,

    async list(query: { status?: GiftStatus; customerId?: string; page: number; pageSize: number }) {
      const where = and(
        ownRows(gifts),
        query.status ? eq(gifts.status, query.status) : undefined,
        query.customerId ? eq(gifts.customerId, query.customerId) : undefined,
      );
      const [total] = await db.select({ n: count() }).from(gifts).where(where);
      const rows = await db
        .select()
        .from(gifts)
        .where(where)
        .orderBy(desc(gifts.createdAt), desc(gifts.id))
        .limit(query.pageSize)
        .offset((query.page - 1) * query.pageSize);
      return { gifts: rows, total: total?.n ?? 0 };
    },

    /**
     * Moves a gift along its fulfilment, under the row's lock so two updates at once are applied one after
     * the other (the second checked against the first's status). The status it already has changes nothing
     * but the tracking number, and adds no history entry.
     */
    async update(id: string, change: GiftUpdate): Promise<Gift> {
      const notFound = () => new DomainError('gift_not_found', `no gift "${id}"`, undefined, 404);
      if (!isUuid(id)) throw notFound();
      return db.transaction(async (tx) => {
        const [gift] = await tx
          .select()
          .from(gifts)
          .where(and(ownRows(gifts), eq(gifts.id, id)))
          .for('update');
        if (!gift) throw notFound();
        const problem = transitionProblem(gift.status, change.status);
        if (problem) throw new DomainError('invalid_transition', problem, 'status', 409);
        const moved = gift.status !== change.status;
        const entry = { status: change.status, at: new Date().toISOString(), ...(change.note ? { note: change.note } : {}) };
        const [after] = await tx
          .update(gifts)
          .set({
            status: change.status,
            ...(change.trackingNumber !== undefined ? { trackingNumber: change.trackingNumber } : {}),
            ...(moved ? { history: sql`${gifts.history} || ${JSON.stringify([entry])}::jsonb` } : {}),
            updatedAt: sql`now()`,
          })
          .where(and(ownRows(gifts), eq(gifts.id, id)))
          .returning();
        return after!;
      });
    },

    /** The webhook announcing the gift was answered 2xx. */
    async markAnnounced(id: string): Promise<void> {
      await db
        .update(gifts)
        .set({ webhookDeliveredAt: sql`now()` })
        .where(and(ownRows(gifts), eq(gifts.id, id)));
    },
  };
}

export type GiftService = ReturnType<typeof createGiftService>;
