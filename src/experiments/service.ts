// Experiments: their definitions (experiments), who is in which arm (experiment_assignments), and their
// lifecycle — running from creation, stopped (the message goes back to the original), or completed with a
// winner (chosen by the auto-winner, or promoted by hand), which every later send of the experiment gets.
import { and, desc, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { experiments, flows, marketingCampaigns, templates } from '../db/schema.js';
import { isUuid, uniqueViolation } from '../db/sql-helpers.js';
import { DomainError } from '../domain/errors.js';
import { HOLDOUT } from './assignment.js';
import { checkNumbers, checkVariants, DEFAULT_WINNER_WAIT_SECONDS, type ExperimentInput, variantView } from './definition.js';
import { createExperimentResults, type ExperimentResults } from './results.js';

export type ExperimentRow = typeof experiments.$inferSelect;

export const experimentView = (r: ExperimentRow) => ({
  id: r.id,
  name: r.name,
  status: r.status,
  target: r.campaignId
    ? { type: 'campaign' as const, campaign_id: r.campaignId }
    : r.flowId
      ? { type: 'flow_step' as const, flow_id: r.flowId, step_key: r.stepKey! }
      : { type: 'journey_step' as const, journey_key: r.journeyKey!, step_key: r.stepKey! },
  variants: r.variants.map(variantView),
  control: r.variants[0]!.key,
  holdout: r.holdout,
  goal: r.goal,
  guard_metrics: r.guardMetrics,
  mode: r.mode,
  alpha: r.alpha,
  power: r.power,
  minimum_detectable_effect: r.minimumDetectableEffect,
  test_fraction: r.testFraction,
  winner_wait_seconds: r.winnerWaitSeconds,
  winner: r.winnerVariant,
  winner_reason: r.winnerReason,
  decided_at: r.decidedAt?.toISOString() ?? null,
  started_at: r.startedAt?.toISOString() ?? null,
  stopped_at: r.stoppedAt?.toISOString() ?? null,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});
export type ExperimentView = ReturnType<typeof experimentView>;

const notFound = (ref: string) => new DomainError('experiment_not_found', `no experiment "${ref}"`, undefined, 404);

export type ExperimentService = ReturnType<typeof createExperimentService>;

export function createExperimentService(db: Db, options: { attributionWindowDays: number }) {
  const results = createExperimentResults(db, options);

  /** By id, or by name (what the CLI gives). */
  async function find(ref: string): Promise<ExperimentRow> {
    const [row] = await db
      .select()
      .from(experiments)
      .where(and(ownRows(experiments), isUuid(ref) ? or(eq(experiments.id, ref), eq(experiments.name, ref)) : eq(experiments.name, ref)));
    // A campaign's send time is kept as a one-arm experiment of its own: not one the API shows or steers.
    if (!row || row.kind === 'send_time') throw notFound(ref);
    return row;
  }

  /** The target exists and can take an experiment: a campaign not yet sent, a flow; one experiment per campaign or step. */
  async function checkTarget(input: ExperimentInput) {
    const given = [input.campaign_id, input.journey_key, input.flow_id].filter((v) => v !== undefined);
    if (given.length !== 1)
      throw new DomainError(
        'validation_error',
        'give one target: campaign_id, or journey_key with step_key, or flow_id with step_key',
        'campaign_id',
        422,
      );
    if (input.campaign_id !== undefined) {
      if (input.step_key !== undefined)
        throw new DomainError('validation_error', 'step_key: only for a journey or flow step', 'step_key', 422);
      const [campaign] = isUuid(input.campaign_id)
        ? await db
            .select()
            .from(marketingCampaigns)
            .where(and(ownRows(marketingCampaigns), eq(marketingCampaigns.id, input.campaign_id)))
        : [];
      if (!campaign) throw new DomainError('campaign_not_found', `no campaign "${input.campaign_id}"`, 'campaign_id', 404);
      if (campaign.executionId !== null || !['draft', 'scheduled'].includes(campaign.status))
        throw new DomainError(
          'campaign_already_triggered',
          `campaign "${campaign.id}" was triggered already: test a new one`,
          'campaign_id',
          409,
        );
      const [taken] = await db
        .select({ name: experiments.name })
        .from(experiments)
        .where(and(ownRows(experiments), eq(experiments.campaignId, campaign.id)));
      if (taken)
        throw new DomainError('experiment_exists', `campaign "${campaign.id}" has the experiment "${taken.name}"`, 'campaign_id', 409);
      // A campaign with its own send time: its variants' send_at is where send times are compared.
      if (campaign.sendAt)
        throw new DomainError(
          'campaign_send_at',
          `campaign "${campaign.id}" sends at its send_at: clear it, and compare send times with the variants' send_at`,
          'campaign_id',
          409,
        );
      // A campaign on several channels sends each customer several messages: no one variant to test.
      if ((campaign.channels?.length ?? 0) > 1)
        throw new DomainError(
          'campaign_multi_channel',
          `campaign "${campaign.id}" sends on several channels (${campaign.channels!.join(', ')}): test a campaign on one`,
          'campaign_id',
          422,
        );
      return { campaignType: campaign.type, name: campaign.name };
    }
    if (!input.step_key) throw new DomainError('validation_error', 'step_key: the send step the variants apply to', 'step_key', 422);
    if (input.flow_id !== undefined) {
      const [flow] = await db
        .select({ id: flows.id })
        .from(flows)
        .where(and(ownRows(flows), eq(flows.id, input.flow_id)));
      if (!flow) throw new DomainError('flow_not_found', `no flow "${input.flow_id}"`, 'flow_id', 404);
    }
    const [taken] = await db
      .select({ name: experiments.name })
      .from(experiments)
      .where(
        and(
          ownRows(experiments),
          and(
            input.flow_id !== undefined ? eq(experiments.flowId, input.flow_id) : eq(experiments.journeyKey, input.journey_key!),
            eq(experiments.stepKey, input.step_key),
            sql`${experiments.status} = 'running'`,
          ),
        ),
      );
    if (taken)
      throw new DomainError('experiment_exists', `step "${input.step_key}" has the running experiment "${taken.name}"`, 'step_key', 409);
    return { name: input.step_key };
  }

  /** Variants that name a template name one of the workspace's. */
  async function checkTemplates(input: ExperimentInput) {
    for (const [i, v] of input.variants.entries()) {
      if (v.template_id === undefined) continue;
      const [t] = await db
        .select({ id: templates.id })
        .from(templates)
        .where(and(ownRows(templates), eq(templates.id, v.template_id)));
      if (!t) throw new DomainError('template_not_found', `no template "${v.template_id}"`, `variants[${i}].template_id`, 404);
    }
  }

  async function setWinner(ref: string, variant: string, reason: string): Promise<ExperimentRow> {
    const row = await find(ref);
    const [updated] = await db
      .update(experiments)
      .set({ winnerVariant: variant, winnerReason: reason, decidedAt: sql`now()`, status: 'completed', updatedAt: sql`now()` })
      .where(and(ownRows(experiments), eq(experiments.id, row.id)))
      .returning();
    return updated!;
  }

  return {
    find,
    results: async (ref: string): Promise<ExperimentResults> => results.of(await find(ref)),

    async create(input: ExperimentInput): Promise<ExperimentView> {
      checkNumbers(input);
      const target = await checkTarget(input);
      const variants = checkVariants(input.variants, target);
      await checkTemplates(input);
      try {
        const [row] = await db
          .insert(experiments)
          .values({
            name: input.name,
            status: 'running',
            campaignId: input.campaign_id ?? null,
            journeyKey: input.journey_key ?? null,
            flowId: input.flow_id ?? null,
            stepKey: input.step_key ?? null,
            variants,
            holdout: input.holdout ?? 0,
            goal: input.goal,
            guardMetrics: input.guard_metrics ?? ['unsubscribe_rate', 'complaint_rate'],
            mode: input.mode ?? 'fixed',
            alpha: input.alpha ?? 0.05,
            power: input.power ?? 0.8,
            minimumDetectableEffect: input.minimum_detectable_effect ?? null,
            testFraction: input.test_fraction ?? null,
            winnerWaitSeconds: input.test_fraction != null ? (input.winner_wait_seconds ?? DEFAULT_WINNER_WAIT_SECONDS) : null,
            startedAt: sql`now()`,
          })
          .returning();
        return experimentView(row!);
      } catch (err) {
        if (uniqueViolation(err))
          throw new DomainError('experiment_name_taken', `an experiment is named "${input.name}" already`, 'name', 409);
        throw err;
      }
    },

    async list(query: { status?: ExperimentRow['status']; campaign_id?: string }): Promise<{ experiments: ExperimentView[] }> {
      const rows = await db
        .select()
        .from(experiments)
        .where(
          and(
            ownRows(experiments),
            and(
              eq(experiments.kind, 'ab_test'),
              query.status ? eq(experiments.status, query.status) : undefined,
              query.campaign_id ? eq(experiments.campaignId, query.campaign_id) : undefined,
            ),
          ),
        )
        .orderBy(desc(experiments.createdAt))
        .limit(500);
      return { experiments: rows.map(experimentView) };
    },

    get: async (ref: string) => experimentView(await find(ref)),

    /** Stops a running experiment: sends from now on are the original message (or, with a winner, the winner). */
    async stop(ref: string): Promise<ExperimentView> {
      const row = await find(ref);
      if (row.status !== 'running')
        throw new DomainError('experiment_not_running', `experiment "${row.name}" is ${row.status}`, undefined, 409);
      const [updated] = await db
        .update(experiments)
        .set({ status: 'stopped', stoppedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(ownRows(experiments), eq(experiments.id, row.id)))
        .returning();
      return experimentView(updated!);
    },

    /** Makes `variant` the winner by hand: every later send of the experiment is that variant. */
    async promote(ref: string, variant: string): Promise<ExperimentView> {
      const row = await find(ref);
      if (variant === HOLDOUT || !row.variants.some((v) => v.key === variant))
        throw new DomainError(
          'validation_error',
          `variant: "${variant}" is not a variant of "${row.name}" (${row.variants.map((v) => v.key).join(', ')})`,
          'variant',
          422,
        );
      return experimentView(await setWinner(row.id, variant, 'promoted'));
    },
  };
}
