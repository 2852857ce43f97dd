import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { coupons } from '../db/schema.js';
import type { ActivityDeps } from '../worker/activities.js';

export interface IssueCouponInput {
  idempotencyKey: string;
  customerId: string;
  journeyKey: string;
  percentOff: number;
  validDays: number;
}

export interface IssuedCoupon {
  code: string;
  percent_off: number;
  expires_on: string;
}

// No 0/O, 1/I/L: codes are read aloud and typed by hand.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function generateCouponCode(length = 10): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
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
        const row =
          inserted[0] ??
          (await db.select().from(coupons).where(eq(coupons.idempotencyKey, input.idempotencyKey)))[0];
        // No row for our key: the random code collided with another coupon's; draw again.
        if (row) return { code: row.code, percent_off: row.percentOff, expires_on: row.expiresAt.toISOString().slice(0, 10) };
        if (attempt >= 5) throw new Error('could not draw a unique coupon code');
      }
    },
  };
}
