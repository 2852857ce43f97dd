import { and, eq } from 'drizzle-orm';
import { ownRows } from '../db/own-rows.js';
import { coupons } from '../db/schema.js';
import { generateCouponCode, type IssuedCoupon } from './code.js';
import type { ActivityDeps } from '../worker/activities.js';

export interface IssueCouponInput {
  idempotencyKey: string;
  customerId: string;
  journeyKey: string;
  percentOff: number;
  validDays: number;
}

export function createCouponActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** Issues a unique code once per idempotency key: a retried step gets the coupon it already has. */
    async issueCoupon(input: IssueCouponInput): Promise<IssuedCoupon> {
      const expiresAt = new Date(Date.now() + input.validDays * 86_400_000);
      for (let attempt = 0; ; attempt++) {
        const inserted = await db
          .insert(coupons)
          .values({
            code: generateCouponCode(),
            idempotencyKey: input.idempotencyKey,
            customerId: input.customerId,
            journeyKey: input.journeyKey,
            percentOff: input.percentOff,
            expiresAt,
          })
          .onConflictDoNothing()
          .returning();
        const [row] = inserted.length
          ? inserted
          : await db
              .select()
              .from(coupons)
              .where(and(ownRows(coupons), eq(coupons.idempotencyKey, input.idempotencyKey)));
        // No row for our key: the random code collided with another coupon's; draw again.
        if (row) return { code: row.code, percent_off: row.percentOff, expires_on: row.expiresAt.toISOString().slice(0, 10) };
        if (attempt >= 5) throw new Error('could not draw a unique coupon code');
      }
    },
  };
}
