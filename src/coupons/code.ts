import { randomBytes } from 'node:crypto';

/** A coupon as a customer receives it. */
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
