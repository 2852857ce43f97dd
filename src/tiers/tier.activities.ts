import { and, eq } from 'drizzle-orm';
import { ownRows } from '../db/own-rows.js';
import { createTierService, type UpgradeOutcome } from './service.js';
import { messages } from '../db/schema.js';
import { tierRulesFrom } from './settings.js';
import type { ActivityDeps } from '../worker/activities.js';

export interface ApplyTierUpgradeInput {
  customerId: string;
  /** The settings of the configuration version the run keeps (null: the default rules). */
  settings: Record<string, unknown> | null;
  /** The congratulation's message key without its tier (`<workflow id>/congratulation-`). */
  congratulationKeyPrefix?: string;
}

export type ApplyTierUpgradeResult = UpgradeOutcome & {
  /** The latest upgrade's congratulation has a message row already (sent, or skipped: opted out). */
  congratulated?: boolean;
};

export function createTierActivities({ db }: Pick<ActivityDeps, 'db'>) {
  const tiers = createTierService(db);
  return {
    /**
     * Evaluates the customer's totals (as stored by the API) under the run's rules and, when they qualify
     * for a higher tier, upgrades them in one transaction (tier, points, coupon, upgrade_history row). Safe
     * to retry: a retry after a committed upgrade finds it as the customer's latest upgrade.
     */
    async applyTierUpgrade(input: ApplyTierUpgradeInput): Promise<ApplyTierUpgradeResult> {
      const outcome = await tiers.upgrade(input.customerId, tierRulesFrom(input.settings), 'automatic');
      if (!('latestUpgrade' in outcome) || !outcome.latestUpgrade || !input.congratulationKeyPrefix) return outcome;
      // A fresh run (after an opt-out ended the last one) must not congratulate an old upgrade again.
      const key = `${input.congratulationKeyPrefix}${outcome.latestUpgrade.toTier}`;
      const [row] = await db
        .select({ id: messages.id })
        .from(messages)
        .where(and(ownRows(messages), eq(messages.idempotencyKey, key)));
      return { ...outcome, congratulated: row !== undefined };
    },
  };
}
