import { ApplicationFailure } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { ownRows } from '../db/own-rows.js';
import { createTierService, type UpgradeOutcome } from './service.js';
import { messages } from '../db/schema.js';
import { tierRulesFrom } from './settings.js';
import type { ActivityDeps } from '../worker/activities.js';
import { createGiftService } from './gifts.js';
import { giftView } from './gift-view.js';
import { createOutbound, OutboundRefused } from '../channels/outbound.js';
import { currentWorkspace } from '../db/workspace.js';
import { signWebhook } from '../domain/webhook-signature.js';
import { storedSettings } from '../workspaces/effective-settings.js';

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

/** What became of a gift's announcement. */
export type AnnounceGiftResult = 'announced' | 'already_announced' | 'no_webhook' | 'no_gift' | 'refused';

export function createTierActivities({ db, outbound = createOutbound({ allowList: [] }) }: Pick<ActivityDeps, 'db' | 'outbound'>) {
  const tiers = createTierService(db);
  const giftService = createGiftService(db);
  return {
    /**
     * Tells the workspace's gift webhook (settings `gift_webhook`: URL and signing secret) of a new gift, once:
     * a 2xx marks it announced; 5xx, 429 or no answer is retried; a 3xx or 4xx, or a URL that may not be
     * sent to, is given up on (the CRM can still poll GET /api/gifts?status=pending).
     */
    async announceGift(input: { giftId: string }): Promise<AnnounceGiftResult> {
      const gift = await giftService.byId(input.giftId);
      if (!gift) return 'no_gift';
      if (gift.webhookDeliveredAt) return 'already_announced';
      const hook = (await storedSettings(db, currentWorkspace())).gift_webhook;
      if (!hook) return 'no_webhook';
      const body = JSON.stringify({ type: 'gift.created', gift: giftView(gift) });
      let res;
      try {
        res = await outbound.post(hook.url, {
          headers: { 'content-type': 'application/json', 'idempotency-key': `gift/${gift.id}`, ...signWebhook(hook.secret, body) },
          body,
          timeoutMs: 10_000,
        });
      } catch (err) {
        if (err instanceof OutboundRefused) return 'refused';
        throw err;
      }
      if ((res.status >= 300 && res.status < 500 && res.status !== 429) || res.status < 200) {
        throw ApplicationFailure.nonRetryable(`gift webhook answered ${res.status}`, 'GiftWebhookRejected');
      }
      if (res.status >= 300) throw new Error(`gift webhook answered ${res.status}`);
      await giftService.markAnnounced(gift.id);
      return 'announced';
    },

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
