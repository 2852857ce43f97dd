// Which arm of an experiment a customer is in: a hash of (experiment, customer), so the answer is the same on
// every retry, replay, crash recovery and continue-as-new, in every process, without a random number
// anywhere. The activities store the answer (experiment_assignments) the first time; this decides it.
import { createHash } from 'node:crypto';
import type { ExperimentVariant } from '../db/schema.js';

/** The arm of customers who get nothing: their outcomes are the baseline for incremental lift. */
export const HOLDOUT = 'holdout';

/** A point in [0, 1) from the hash of the parts: uniform, and independent between salts. */
export function unitHash(...parts: string[]): number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  // 52 bits: every value is exact as a double.
  return (digest.readUInt32BE(0) * 2 ** 20 + (digest.readUInt32BE(4) >>> 12)) / 2 ** 52;
}

export interface Arms {
  variants: Pick<ExperimentVariant, 'key' | 'weight'>[];
  /** The holdout's share of the customers (0–1). */
  holdout: number;
}

/**
 * The customer's arm: `holdout` with probability `holdout`, else a variant with probability proportional to
 * its weight. The variants share what the holdout leaves, in their listed order.
 */
export function armOf(experimentId: string, customerId: string, arms: Arms): string {
  const u = unitHash(experimentId, 'arm', customerId);
  if (u < arms.holdout) return HOLDOUT;
  const total = arms.variants.reduce((sum, v) => sum + v.weight, 0);
  let at = arms.holdout;
  for (const v of arms.variants) {
    at += ((1 - arms.holdout) * v.weight) / total;
    if (u < at) return v.key;
  }
  return arms.variants.at(-1)!.key;
}

/**
 * Whether an auto-winner campaign sends the customer the test (true) or, after the winner is chosen, the
 * winner (false). A hash of its own, so the test is a random sample of the audience whatever the arms' weights.
 */
export function inTest(experimentId: string, customerId: string, testFraction: number | null): boolean {
  return testFraction === null || unitHash(experimentId, 'test', customerId) < testFraction;
}

/** Every arm with its expected share of the customers (the sample-ratio check compares counts with these). */
export function expectedShares(arms: Arms): Array<{ key: string; share: number }> {
  const total = arms.variants.reduce((sum, v) => sum + v.weight, 0);
  return [
    ...arms.variants.map((v) => ({ key: v.key, share: ((1 - arms.holdout) * v.weight) / total })),
    ...(arms.holdout > 0 ? [{ key: HOLDOUT, share: arms.holdout }] : []),
  ];
}
