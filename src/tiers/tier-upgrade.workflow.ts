import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import type { UpgradeRecord } from './service.js';
import { type Tier, TIER_LABELS, type TierEvaluation } from '../domain/tiers.js';
import {
  type ConfiguredStart,
  exitSignal,
  type JourneyEvent,
  journeyEventSignal,
  type JourneyResult,
  JourneyRun,
  type JourneyStatus,
  statusQuery,
} from '../steps/steps.js';

const { applyTierUpgrade } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// A CRM that is down is tried for about an hour; after that it can still poll the pending gifts.
const { announceGift } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 10 },
});

export interface TierUpgradeInput extends ConfiguredStart {
  customerId: string;
  /** Carried across continue-as-new: events not evaluated yet, upgrades already congratulated, the last standing. */
  pending?: JourneyEvent[];
  congratulated?: string[];
  evaluation?: TierEvaluation | null;
  /** Evaluations before the run continues as new (default 100; tests lower it). */
  maxEvaluations?: number;
}

export interface TierStatus extends JourneyStatus {
  tier: string | null;
  qualifiedTier: string | null;
  nextTier: string | null;
  progress: number | null;
  eligible: boolean | null;
  evaluations: number;
}

const WAITING = 'waiting_for_orders';
const MAX_EVALUATIONS_PER_RUN = 100;
const CONGRATULATED_KEPT = 10;

/**
 * Tier upgrade, one long-lived run per customer. Every order (and every upgrade made through the
 * API) signals it; the run evaluates the customer's totals — read from the database, where the API moved
 * them, never summed from events — one evaluation at a time, so two orders at the same moment upgrade once.
 * An upgrade (tier, points, coupon, gift, upgrade_history row) is one idempotent activity; a gift is announced
 * to the workspace's gift webhook; then the configured
 * congratulation goes out, once per target tier. The run continues as new every 100 evaluations, taking
 * the newest configuration; until then it keeps the rules and templates it started with.
 */
export async function tierUpgrade(input: TierUpgradeInput): Promise<JourneyResult> {
  const run = new JourneyRun('tier_upgrade', input.customerId);
  const pending: JourneyEvent[] = [...(input.pending ?? [])];
  const congratulated = [...(input.congratulated ?? [])];
  let evaluation = input.evaluation ?? null;
  let evaluations = 0;
  setHandler(statusQuery, (): TierStatus => ({
    ...run.status(),
    tier: evaluation?.currentTier ?? null,
    qualifiedTier: evaluation?.qualifiedTier ?? null,
    nextTier: evaluation?.nextTier ?? null,
    progress: evaluation?.progress ?? null,
    eligible: evaluation?.eligible ?? null,
    evaluations,
  }));
  setHandler(exitSignal, ({ reason }) => run.exit(reason));
  setHandler(journeyEventSignal, (event) => {
    if (run.accept(event)) pending.push(event);
  });

  if (!(await run.load(input))) return { outcome: 'disabled', steps: [] };
  const settings = run.config!.settings ?? null;
  const firstStep = run.config!.steps[0];
  const congratulationKeyPrefix = firstStep ? `${workflowInfo().workflowId}/${firstStep.key}-` : undefined;
  run.enterStep(WAITING);

  while (run.exited === null) {
    await condition(() => run.exited !== null || pending.length > 0);
    if (run.exited !== null) break;
    if (evaluations >= (input.maxEvaluations ?? MAX_EVALUATIONS_PER_RUN) || workflowInfo().continueAsNewSuggested) return startAfresh();
    // One evaluation answers every event waiting: it reads the totals they all moved. Events arriving while
    // it runs wait for the next one.
    pending.length = 0;
    evaluations++;
    const outcome = await applyTierUpgrade({ customerId: input.customerId, settings, congratulationKeyPrefix });
    if (outcome.status === 'erased' || outcome.status === 'not_found') {
      run.exit(outcome.status === 'erased' ? 'erased' : 'customer_not_found');
      break;
    }
    evaluation = outcome.evaluation;
    // The upgrade that put the customer in their tier — this evaluation's, or one made through the API, or
    // one a retried activity committed before — is congratulated once.
    const upgrade = outcome.latestUpgrade;
    if (upgrade && !outcome.congratulated && !congratulated.includes(upgrade.idempotencyKey)) await congratulate(upgrade, outcome.points);
  }
  return run.result();

  async function congratulate(upgrade: UpgradeRecord, totalPoints: number): Promise<void> {
    const vars = {
      upgrade: {
        from_tier: upgrade.fromTier,
        to_tier: upgrade.toTier,
        from_label: TIER_LABELS[upgrade.fromTier as Tier] ?? upgrade.fromTier,
        to_label: TIER_LABELS[upgrade.toTier as Tier] ?? upgrade.toTier,
        points: upgrade.rewards.points,
        total_points: totalPoints,
      },
      ...(upgrade.rewards.coupon ? { coupon: upgrade.rewards.coupon } : {}),
      ...(upgrade.rewards.gift ? { gift: upgrade.rewards.gift } : {}),
      ...(upgrade.rewards.discount ? { discount: upgrade.rewards.discount } : {}),
    };
    // The gift is announced to the CRM before the congratulation names it (a run from before gifts has none).
    const gift = upgrade.rewards.gift;
    if (gift && patched('tier-gift-announce')) {
      try {
        await announceGift({ giftId: gift.id });
      } catch (err) {
        // Given up (refused for good, or retried out): the gift stays pending for the CRM to poll.
        if (!(err instanceof ActivityFailure)) throw err;
      }
    }
    for (const step of run.config!.steps) {
      if (run.exited !== null) return;
      run.enterStep(step.key);
      // The target tier is part of each message's key (congratulation-vip): one per tier, however often
      // this is retried, replayed or signalled again.
      await run.send({ ...step, key: `${step.key}-${upgrade.toTier}` }, vars);
    }
    congratulated.push(upgrade.idempotencyKey);
    run.enterStep(WAITING);
  }

  async function startAfresh(): Promise<JourneyResult> {
    // Signals that arrived meanwhile have run their handlers (and so joined `pending`) before this returns.
    await condition(allHandlersFinished);
    if (run.exited !== null) return run.result();
    return continueAsNew<typeof tierUpgrade>({
      customerId: input.customerId,
      pending,
      congratulated: congratulated.slice(-CONGRATULATED_KEPT),
      evaluation,
      ...(input.maxEvaluations ? { maxEvaluations: input.maxEvaluations } : {}),
    });
  }
}
