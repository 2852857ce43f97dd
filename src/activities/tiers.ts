import { createTierService, type UpgradeOutcome } from '../customers/tiers.js';
import { tierRulesFrom } from '../domain/tier-settings.js';
import type { ActivityDeps } from './index.js';

export interface ApplyTierUpgradeInput {
  customerId: string;
  /** The settings of the configuration version the run keeps (null: the default rules). */
  settings: Record<string, unknown> | null;
}

export function createTierActivities({ db }: Pick<ActivityDeps, 'db'>) {
  const tiers = createTierService(db);
  return {
    /**
     * Evaluates the customer's totals (as stored by the API) under the run's rules and, when they qualify
     * for a higher tier, upgrades them in one transaction (tier, points, coupon, upgrade_history row). Safe
     * to retry: a retry after a committed upgrade finds it as the customer's latest upgrade.
     */
    async applyTierUpgrade(input: ApplyTierUpgradeInput): Promise<UpgradeOutcome> {
      return tiers.upgrade(input.customerId, tierRulesFrom(input.settings), 'automatic');
    },
  };
}
