import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { generateCouponCode, type IssuedCoupon } from '../coupons/code.js';
import type { Db, Tx } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { type Customer, coupons, customers, gifts, upgradeHistory } from '../db/schema.js';
import { type CustomerTotals, evaluate, ruleFor, type TierEvaluation, type TierRules } from '../domain/tiers.js';

export type UpgradeSource = 'automatic' | 'api';

export interface UpgradeRewards {
  points: number;
  coupon: IssuedCoupon | null;
  /** The gift record made with the upgrade (its fulfilment: GET /api/gifts/{id}). */
  gift: { id: string; sku: string; name: string } | null;
  /** The tier's standing member discount. */
  discount: { percent_off: number } | null;
}

export interface UpgradeRecord {
  id: string;
  idempotencyKey: string;
  customerId: string;
  fromTier: string;
  toTier: string;
  rewards: UpgradeRewards;
  source: string;
  createdAt: string;
}

export type UpgradeOutcome =
  | { status: 'not_found' }
  | { status: 'erased' }
  | {
      status: 'upgraded' | 'not_eligible';
      /** The customer's standing after this call (after the upgrade, when there was one). */
      evaluation: TierEvaluation;
      points: number;
      /** The upgrade this call made. */
      upgrade: UpgradeRecord | null;
      /** The upgrade that put the customer in their current tier (made by this call or an earlier one). */
      latestUpgrade: UpgradeRecord | null;
    };

const totalsOf = (c: Customer): CustomerTotals => ({
  tier: c.tier,
  totalSpend: c.totalSpend,
  orderCount: c.orderCount,
  visitCount: c.visitCount,
  lastActivityAt: c.lastActivityAt?.getTime() ?? null,
});

const toRecord = (row: typeof upgradeHistory.$inferSelect): UpgradeRecord => ({
  id: row.id,
  idempotencyKey: row.idempotencyKey,
  customerId: row.customerId,
  fromTier: row.fromTier,
  toTier: row.toTier,
  rewards: (({ gift, discount, ...rest }) => ({ ...rest, gift: gift ?? null, discount: discount ?? null }))(
    row.rewards as unknown as UpgradeRewards,
  ),
  source: row.source,
  createdAt: row.createdAt.toISOString(),
});

/** A drawn coupon code that another coupon already has: the upgrade's transaction starts over. */
class CouponCodeTaken extends Error {}

/**
 * Tier evaluation and upgrades, shared by the tier journey's activity and the ai-ops API so both follow the
 * same rules and the same guarantee: an upgrade happens once.
 */
export function createTierService(db: Db) {
  async function latestUpgrade(tx: Tx | Db, c: Customer): Promise<UpgradeRecord | null> {
    const [row] = await tx
      .select()
      .from(upgradeHistory)
      .where(and(ownRows(upgradeHistory), eq(upgradeHistory.customerId, c.id), eq(upgradeHistory.toTier, c.tier)))
      .orderBy(desc(upgradeHistory.createdAt))
      .limit(1);
    return row ? toRecord(row) : null;
  }

  /** One attempt, in one transaction that holds the customer's row: evaluate, then upgrade when eligible. */
  async function attempt(customerId: string, rules: TierRules, source: UpgradeSource, now: number): Promise<UpgradeOutcome> {
    return db.transaction(async (tx) => {
      // The row lock orders concurrent upgrades (two orders at once, the API racing the journey): the second
      // waits, then reads the tier the first one wrote.
      const [c] = await tx
        .select()
        .from(customers)
        .where(and(ownRows(customers), eq(customers.id, customerId)))
        .for('update');
      if (!c) return { status: 'not_found' as const };
      if (c.erasedAt) return { status: 'erased' as const };
      const before = evaluate(totalsOf(c), rules, now);
      const notEligible = async () => ({
        status: 'not_eligible' as const,
        evaluation: before,
        points: c.points,
        upgrade: null,
        latestUpgrade: await latestUpgrade(tx, c),
      });
      const rule = before.eligible ? ruleFor(rules, before.qualifiedTier) : undefined;
      if (!rule) return notEligible();

      // The tier left and since when it was held: one upgrade per (customer, tier held, target) ever, so a
      // retried attempt finds its own row, and a customer back in a tier later can be upgraded out of it again.
      const since = c.tierUpdatedAt?.toISOString() ?? 'signup';
      const idempotencyKey = `${c.id}/${c.tier}@${since}->${rule.tier}`;
      const coupon: IssuedCoupon | null = rule.rewards.coupon
        ? {
            code: generateCouponCode(),
            percent_off: rule.rewards.coupon.percentOff,
            expires_on: new Date(now + rule.rewards.coupon.validDays * 86_400_000).toISOString().slice(0, 10),
          }
        : null;
      // The gift's id is drawn here so the upgrade's rewards can name it.
      const gift = rule.rewards.gift ? { id: randomUUID(), sku: rule.rewards.gift.sku, name: rule.rewards.gift.name } : null;
      const discount = rule.rewards.discount ? { percent_off: rule.rewards.discount.percentOff } : null;
      const rewards: UpgradeRewards = { points: rule.rewards.points, coupon, gift, discount };
      const [inserted] = await tx
        .insert(upgradeHistory)
        .values({
          idempotencyKey,
          customerId: c.id,
          fromTier: c.tier,
          toTier: rule.tier,
          // Stored as before gifts when there are none: { points, coupon }.
          rewards: { points: rewards.points, coupon, ...(gift ? { gift } : {}), ...(discount ? { discount } : {}) },
          source,
        })
        .onConflictDoNothing({ target: [upgradeHistory.workspaceId, upgradeHistory.idempotencyKey] })
        .returning();
      if (!inserted) {
        // Only reachable if the tier was changed by hand without moving tier_updated_at: nothing twice.
        return notEligible();
      }
      if (coupon) {
        const issued = await tx
          .insert(coupons)
          .values({
            code: coupon.code,
            idempotencyKey: `upgrade/${idempotencyKey}`,
            customerId: c.id,
            journeyKey: 'tier_upgrade',
            percentOff: coupon.percent_off,
            expiresAt: new Date(now + rule.rewards.coupon!.validDays * 86_400_000),
          })
          .onConflictDoNothing()
          .returning({ code: coupons.code });
        if (issued.length === 0) throw new CouponCodeTaken();
      }
      if (gift) {
        await tx.insert(gifts).values({
          id: gift.id,
          idempotencyKey: `upgrade/${idempotencyKey}`,
          customerId: c.id,
          source: 'tier_upgrade',
          upgradeId: inserted.id,
          sku: gift.sku,
          name: gift.name,
          history: [{ status: 'pending', at: new Date(now).toISOString() }],
        });
      }
      const [after] = await tx
        .update(customers)
        .set({
          tier: rule.tier,
          tierUpdatedAt: sql`now()`,
          points: sql`${customers.points} + ${rule.rewards.points}`,
          updatedAt: sql`now()`,
        })
        .where(and(ownRows(customers), eq(customers.id, c.id)))
        .returning();
      const upgrade = toRecord(inserted);
      return {
        status: 'upgraded' as const,
        evaluation: evaluate(totalsOf(after!), rules, now),
        points: after!.points,
        upgrade,
        latestUpgrade: upgrade,
      };
    });
  }

  return {
    /** The customer's standing under `rules`; null when there is no such customer. */
    async evaluate(
      customerId: string,
      rules: TierRules,
      now = Date.now(),
    ): Promise<{ customer: Customer; evaluation: TierEvaluation } | null> {
      const [c] = await db
        .select()
        .from(customers)
        .where(and(ownRows(customers), eq(customers.id, customerId)));
      return c ? { customer: c, evaluation: evaluate(totalsOf(c), rules, now) } : null;
    },

    /**
     * Upgrades the customer to the tier their totals qualify for, when it ranks above their current one: the
     * tier, the points, the coupon and the upgrade_history row in one transaction, at most once per key.
     */
    async upgrade(customerId: string, rules: TierRules, source: UpgradeSource, now = Date.now()): Promise<UpgradeOutcome> {
      for (let tries = 1; ; tries++) {
        try {
          return await attempt(customerId, rules, source, now);
        } catch (err) {
          if (!(err instanceof CouponCodeTaken) || tries >= 5) throw err;
        }
      }
    },
  };
}

export type TierService = ReturnType<typeof createTierService>;
