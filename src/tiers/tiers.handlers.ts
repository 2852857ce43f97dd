import type { RouteHandler } from '@hono/zod-openapi';
import type { Customer } from '../db/schema.js';
import { tierRulesFrom } from './settings.js';
import { customerErased, customerNotFound, DomainError } from '../domain/errors.js';
import { TIER_LABELS, type Tier, type TierEvaluation } from '../domain/tiers.js';
import type { DispatchOutcome } from '../journeys/journeys.js';
import type { AppEnv } from '../api/router.js';
import type { evaluateUpgrade, executeUpgrade } from './tiers.routes.js';
import { log } from '../observability/logger.js';

const label = (tier: string) => TIER_LABELS[tier as Tier] ?? tier;

/** The rules of the current tier_upgrade version: what the API evaluates by (runs in flight keep theirs). */
async function currentRules(c: Parameters<RouteHandler<typeof evaluateUpgrade, AppEnv>>[0]) {
  const config = await c.var.deps.journeyConfigs.latest('tier_upgrade');
  return { rules: tierRulesFrom(config?.settings ?? null), version: config?.version ?? null };
}

function view(customer: Customer, evaluation: TierEvaluation, rulesVersion: number | null) {
  const { daysSinceActivity, ...rest } = evaluation;
  return {
    customerId: customer.id,
    ...rest,
    totals: {
      totalSpend: customer.totalSpend,
      orderCount: customer.orderCount,
      visitCount: customer.visitCount,
      daysSinceActivity,
      points: customer.points,
    },
    rulesVersion,
  };
}

export const evaluateUpgradeHandler: RouteHandler<typeof evaluateUpgrade, AppEnv> = async (c) => {
  const { customer_id: id } = c.req.valid('json');
  const { rules, version } = await currentRules(c);
  const found = await c.var.deps.tiers.evaluate(id, rules);
  if (!found) throw customerNotFound(id);
  if (found.customer.erasedAt) throw customerErased(id);
  return c.json({ evaluation: view(found.customer, found.evaluation, version) }, 200);
};

export const executeUpgradeHandler: RouteHandler<typeof executeUpgrade, AppEnv> = async (c) => {
  const { customer_id: id } = c.req.valid('json');
  const { rules, version } = await currentRules(c);
  const { tiers } = c.var.deps;
  const outcome = await tiers.upgrade(id, rules, 'api');
  if (outcome.status === 'not_found') throw customerNotFound(id);
  if (outcome.status === 'erased') throw customerErased(id);
  const now = await tiers.evaluate(id, rules);
  const evaluation = view(now!.customer, outcome.evaluation, version);
  if (outcome.status === 'not_eligible' || !outcome.upgrade) {
    const { currentTier, qualifiedTier } = outcome.evaluation;
    const message =
      qualifiedTier === 'churn_risk'
        ? `customer "${id}" is at churn risk (${outcome.evaluation.daysSinceActivity} days without activity): no upgrade`
        : `customer "${id}" qualifies for no tier above ${currentTier}`;
    throw new DomainError('not_eligible', message, undefined, 409, { evaluation });
  }
  const { upgrade } = outcome;
  // The congratulation goes out from the customer's tier journey (once per tier, whichever path upgraded).
  // The upgrade is committed either way: a signal that fails is reported, not retried by the caller.
  let congratulation: DispatchOutcome | null = null;
  try {
    congratulation = await c.var.deps.journeys.evaluateTier(id, { id: `upgrade/${upgrade.id}`, type: 'tier_upgraded' });
  } catch (err) {
    log.error({ err, upgradeId: upgrade.id, customerId: id }, 'the tier journey could not be signalled');
  }
  const { coupon, gift, discount } = upgrade.rewards;
  const extras = [
    coupon ? `a ${coupon.percent_off}% coupon (${coupon.code})` : null,
    gift ? `a gift (${gift.name})` : null,
    discount ? `a standing ${discount.percent_off}% discount` : null,
  ].filter((x) => x !== null);
  const message =
    `Upgraded ${label(upgrade.fromTier)} → ${label(upgrade.toTier)}: ${upgrade.rewards.points} points` +
    extras.map((x) => ` and ${x}`).join('');
  const { idempotencyKey: _key, customerId: _customer, ...shown } = upgrade;
  return c.json({ upgraded: true as const, upgrade: shown, evaluation, message, congratulation }, 200);
};
