import { ownRows } from '../db/own-rows.js';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { and, asc, eq, gt, isNull, lte, or, isNotNull, sql } from 'drizzle-orm';
import { customers } from '../db/schema.js';
import type { ActivityDeps } from '../worker/activities.js';
import { createJourneyConfigActivities } from './config.activities.js';

export interface SweepResult {
  /** Customers found quiet past the cutoff (a full page means: look again). */
  found: number;
  /** Runs this page started; the others were started by an earlier attempt, or the customer came back meanwhile. */
  started: number;
}

export function createChurnActivities({ db, journeys }: Pick<ActivityDeps, 'db' | 'journeys'>) {
  const { getJourneyConfig } = createJourneyConfigActivities({ db });
  return {
    /**
     * One page of the churn sweep: customers quiet since before `now` minus the journey's first offset, with
     * no run for this silence. Each run is started (its workflow id names the silence, so a retried page
     * starts nothing twice) and then recorded on the customer, unless they came back in between.
     */
    async sweepInactiveCustomers({ now, limit }: { now: number; limit: number }): Promise<SweepResult> {
      const config = await getJourneyConfig('churn_win_back');
      const first = config?.steps[0];
      if (!config?.enabled || !first) return { found: 0, started: 0 };
      const cutoff = new Date(now - msToNumber(first.offset));
      const quiet = await db
        .select({ id: customers.id, lastActivityAt: customers.lastActivityAt })
        .from(customers)
        .where(
          and(ownRows(customers), and(isNull(customers.churnRunId), isNull(customers.erasedAt), lte(customers.lastActivityAt, cutoff))),
        )
        .orderBy(asc(customers.lastActivityAt))
        .limit(limit);
      let started = 0;
      const claim = async ({ id, lastActivityAt }: (typeof quiet)[number]) => {
        const at = lastActivityAt!.getTime();
        const outcome = await journeys.startChurnWinBack(id, at);
        if (outcome.result === 'dispatched') started++;
        // Milliseconds are what the run was told; an activity since then leaves the customer unclaimed.
        await db
          .update(customers)
          .set({ churnRunId: outcome.workflowId })
          .where(
            and(
              ownRows(customers),
              and(
                eq(customers.id, id),
                isNull(customers.churnRunId),
                eq(sql`date_trunc('milliseconds', ${customers.lastActivityAt})`, new Date(at).toISOString()),
              ),
            ),
          );
      };
      for (let i = 0; i < quiet.length; i += 20) await Promise.all(quiet.slice(i, i + 20).map(claim));
      return { found: quiet.length, started };
    },

    /** True if the customer was active after `since` (epoch ms), or is gone: a churn run has nothing to say. */
    async customerActiveSince(customerId: string, since: number): Promise<boolean> {
      const [row] = await db
        .select({ id: customers.id })
        .from(customers)
        .where(
          and(
            ownRows(customers),
            and(
              eq(customers.id, customerId),
              or(
                isNotNull(customers.erasedAt),
                gt(sql`date_trunc('milliseconds', ${customers.lastActivityAt})`, new Date(since).toISOString()),
              ),
            ),
          ),
        );
      return row !== undefined;
    },
  };
}
