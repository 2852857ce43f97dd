// An experiment's results: per arm, from its assignments (the test phase only — the auto-winner's rest got
// the winner and is not part of the comparison), the customer's messages of the experiment and their orders
// after assignment; then the statistics of src/experiments/stats.ts. What each rate counts is named beside it.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { workspaceIs } from '../db/own-rows.js';
import { rowsOf } from '../db/sql-helpers.js';
import { expectedShares, HOLDOUT } from './assignment.js';
import type { ExperimentRow } from './service.js';
import { analyse, type Analysis, sampleSize } from './stats.js';

/** One arm's counts: customers assigned, and of them those sent a message, who opened, clicked, … */
export interface ArmCounts {
  variant: string;
  assigned: number;
  sent: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  complained: number;
  bounced: number;
  converted: number;
  revenue: number;
  revenue_squares: number;
}

/** What a goal counts, over which customers of an arm. */
export const GOAL_BASES = {
  open_rate: { base: 'sent', events: 'opened' },
  click_rate: { base: 'sent', events: 'clicked' },
  conversion_rate: { base: 'assigned', events: 'converted' },
  revenue_per_recipient: { base: 'assigned', events: 'revenue' },
} as const;

const GUARDS = {
  unsubscribe_rate: 'unsubscribed',
  complaint_rate: 'complained',
  bounce_rate: 'bounced',
} as const;

export interface ExperimentResults {
  experiment_id: string;
  name: string;
  status: string;
  goal: ExperimentRow['goal'];
  /** What n of the goal is: customers sent the message (opens, clicks) or assigned to the arm (conversions, revenue). */
  base: 'sent' | 'assigned';
  conversion_window_days: number;
  arms: ArmCounts[];
  analysis: Analysis;
  /** Variants against the holdout (conversion and revenue goals with a holdout): incremental lift. */
  vs_holdout: Analysis | null;
  guards: Record<string, Array<{ variant: string; rate: number | null; events: number; base: 'sent'; n: number }>>;
  /** Fixed horizon: customers per arm needed for the minimum detectable effect, at the control's observed rate. */
  sample_size: { per_arm: number | null; minimum_detectable_effect: number | null; baseline: number | null; reached: boolean | null };
  winner: string | null;
  winner_reason: string | null;
}

export function createExperimentResults(db: Db, options: { attributionWindowDays: number }) {
  /** The arms' counts, in one statement: a customer's messages of the experiment and orders in the window after assignment. */
  async function counts(e: ExperimentRow): Promise<ArmCounts[]> {
    const window = sql`(${options.attributionWindowDays}::float8 * interval '1 day')`;
    const rows = rowsOf<ArmCounts>(
      await db.execute(sql`
        select a.variant,
          count(*)::int as assigned,
          count(*) filter (where m.sent)::int as sent,
          count(*) filter (where m.sent and m.opened)::int as opened,
          count(*) filter (where m.sent and m.clicked)::int as clicked,
          count(*) filter (where m.sent and m.unsubscribed)::int as unsubscribed,
          count(*) filter (where m.sent and m.complained)::int as complained,
          count(*) filter (where m.sent and m.bounced)::int as bounced,
          count(*) filter (where o.orders > 0)::int as converted,
          coalesce(sum(o.revenue), 0)::float8 as revenue,
          coalesce(sum(o.revenue * o.revenue), 0)::float8 as revenue_squares
        from experiment_assignments a
        cross join lateral (
          select coalesce(bool_or(m.sent_at is not null), false) as sent,
            coalesce(bool_or(m.opened_at is not null or m.clicked_at is not null), false) as opened,
            coalesce(bool_or(m.clicked_at is not null), false) as clicked,
            coalesce(bool_or(m.unsubscribed_at is not null), false) as unsubscribed,
            coalesce(bool_or(m.complained_at is not null), false) as complained,
            coalesce(bool_or(m.bounced_at is not null), false) as bounced
          from messages m
          where m.workspace_id = a.workspace_id and m.experiment_id = a.experiment_id and m.customer_id = a.customer_id
            and m.status <> 'simulated'
        ) m
        cross join lateral (
          select count(*)::int as orders, coalesce(sum(o.amount), 0)::float8 as revenue
          from orders o
          where o.workspace_id = a.workspace_id and o.customer_id = a.customer_id
            and o.occurred_at >= a.assigned_at and o.occurred_at < a.assigned_at + ${window}
        ) o
        where ${workspaceIs(sql`a.workspace_id`)} and a.experiment_id = ${e.id} and a.phase = 'test'
        group by a.variant`),
    );
    const byKey = new Map(rows.map((r) => [r.variant, r]));
    const empty = (variant: string): ArmCounts => ({
      variant,
      assigned: 0,
      sent: 0,
      opened: 0,
      clicked: 0,
      unsubscribed: 0,
      complained: 0,
      bounced: 0,
      converted: 0,
      revenue: 0,
      revenue_squares: 0,
    });
    const keys = [...e.variants.map((v) => v.key), ...(e.holdout > 0 ? [HOLDOUT] : [])];
    return keys.map((k) => byKey.get(k) ?? empty(k));
  }

  /** The statistics of the goal over `arms` (the first is the comparison's control); `holdout` joins the sample-ratio check. */
  function analyseGoal(e: ExperimentRow, arms: ArmCounts[], shares: Map<string, number>, holdout?: ArmCounts): Analysis {
    const goal = GOAL_BASES[e.goal];
    return analyse({
      metric: e.goal === 'revenue_per_recipient' ? 'mean' : 'proportion',
      arms: arms.map((a) => ({
        key: a.variant,
        n: a[goal.base],
        ...(goal.events === 'revenue' ? { sum: a.revenue, sumSquares: a.revenue_squares } : { events: a[goal.events] }),
      })),
      weights: arms.map((a) => shares.get(a.variant) ?? 0),
      assigned: arms.map((a) => a.assigned),
      ...(holdout ? { holdout: { assigned: holdout.assigned, weight: shares.get(HOLDOUT) ?? 0 } } : {}),
      alpha: e.alpha,
      mode: e.mode,
    });
  }

  return {
    counts,
    async of(e: ExperimentRow): Promise<ExperimentResults> {
      const arms = await counts(e);
      const shares = new Map(expectedShares(e).map((s) => [s.key, s.share]));
      const variants = arms.filter((a) => a.variant !== HOLDOUT);
      const holdout = arms.find((a) => a.variant === HOLDOUT);
      const analysis = analyseGoal(e, variants, shares, holdout);
      const base = GOAL_BASES[e.goal].base;
      // Incremental lift: each variant against the customers who got nothing (only goals every customer has).
      const vsHoldout = holdout && base === 'assigned' ? analyseGoal(e, [holdout, ...variants], shares) : null;
      const guards = Object.fromEntries(
        e.guardMetrics
          .filter((g): g is keyof typeof GUARDS => g in GUARDS)
          .map((g) => [
            g,
            variants.map((a) => ({
              variant: a.variant,
              rate: a.sent ? a[GUARDS[g]] / a.sent : null,
              events: a[GUARDS[g]],
              base: 'sent' as const,
              n: a.sent,
            })),
          ]),
      );
      const control = analysis.arms[0]!;
      const mde = e.minimumDetectableEffect;
      let perArm: number | null = null;
      if (mde !== null && e.goal !== 'revenue_per_recipient' && control.rate !== null && control.rate + mde < 1)
        perArm = sampleSize({ metric: 'proportion', baseline: control.rate, mde, alpha: e.alpha, power: e.power }).nPerArm;
      else if (mde !== null && e.goal === 'revenue_per_recipient' && control.variance)
        perArm = sampleSize({ metric: 'mean', sd: Math.sqrt(control.variance), mde, alpha: e.alpha, power: e.power }).nPerArm;
      const baseline = control.estimate;
      return {
        experiment_id: e.id,
        name: e.name,
        status: e.status,
        goal: e.goal,
        base,
        conversion_window_days: options.attributionWindowDays,
        arms,
        analysis,
        vs_holdout: vsHoldout,
        guards,
        sample_size: {
          per_arm: perArm,
          minimum_detectable_effect: e.minimumDetectableEffect,
          baseline,
          reached: perArm === null ? null : variants.every((a) => a[base] >= perArm),
        },
        winner: e.winnerVariant,
        winner_reason: e.winnerReason,
      };
    },
  };
}
