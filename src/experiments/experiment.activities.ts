// The auto-winner's decision, as an activity: the experiment's results at the end of its wait, the winner
// (the arm significantly best by the goal) or — when nothing is significant, or the split is off (SRM) —
// the control, saying so. Written once: a retry, or a second decision, reads the first one back.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/common';
import { ownRows } from '../db/own-rows.js';
import { experiments } from '../db/schema.js';
import { DEFAULT_ATTRIBUTION_WINDOW_DAYS } from '../domain/attribution-window.js';
import type { ActivityDeps } from '../worker/activities.js';
import { createExperimentResults } from './results.js';

export interface WinnerDecision {
  winner: string;
  /** `significant`, `not_significant_control`, `srm_control` or `promoted` (a marketer chose first). */
  reason: string;
}

export function createExperimentActivities({ db, config }: ActivityDeps) {
  const results = createExperimentResults(db, { attributionWindowDays: config.attributionWindowDays ?? DEFAULT_ATTRIBUTION_WINDOW_DAYS });

  return {
    async decideExperimentWinner(input: { experimentId: string }): Promise<WinnerDecision> {
      const [row] = await db
        .select()
        .from(experiments)
        .where(and(ownRows(experiments), eq(experiments.id, input.experimentId)));
      if (!row)
        throw ApplicationFailure.create({ nonRetryable: true, type: 'ExperimentNotFound', message: `no experiment ${input.experimentId}` });
      if (row.winnerVariant !== null) return { winner: row.winnerVariant, reason: row.winnerReason ?? 'promoted' };
      const { analysis } = await results.of(row);
      const decided: WinnerDecision = analysis.winner
        ? { winner: analysis.winner, reason: 'significant' }
        : { winner: row.variants[0]!.key, reason: analysis.srm.flagged ? 'srm_control' : 'not_significant_control' };
      await db
        .update(experiments)
        .set({
          winnerVariant: decided.winner,
          winnerReason: decided.reason,
          decidedAt: sql`now()`,
          status: 'completed',
          updatedAt: sql`now()`,
        })
        .where(and(ownRows(experiments), and(eq(experiments.id, row.id), isNull(experiments.winnerVariant))));
      const [final] = await db
        .select({ winner: experiments.winnerVariant, reason: experiments.winnerReason })
        .from(experiments)
        .where(and(ownRows(experiments), eq(experiments.id, row.id)));
      return { winner: final!.winner!, reason: final!.reason ?? decided.reason };
    },
  };
}
