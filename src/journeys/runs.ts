// Journey runs as the API shows and ends them: found through journey_runs, described by Temporal.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { count, desc, eq, and } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { currentWorkspace } from '../db/workspace.js';
import { ownRows } from '../db/own-rows.js';
import { journeyRuns } from '../db/schema.js';
import type { RunExecutor } from './execute.js';
import { endRunOp } from './routing.js';
import { type ExitReason, exitSignal, type JourneyStatus, statusQuery } from '../steps/steps.js';

export interface ActiveJourney {
  journey: string;
  workflowId: string;
  runId: string;
  startedAt: string;
  status?: JourneyStatus;
}

export interface RunView {
  workflowId: string;
  journey: string;
  customerId: string;
  runId: string;
  status: string;
  startedAt: string;
  closedAt: string | null;
  /** Read from the workflow through its status query (running runs only). */
  state?: JourneyStatus;
}

/** A visibility query's string literal. */
const quoted = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * How long a view waits for a running run's own answer (a query needs its worker): a busy or stopped
 * journeys worker leaves the state out instead of holding the route.
 */
const STATE_QUERY_MS = 2_000;

export function createRunViews(client: Client, db: Db, executor: RunExecutor) {
  const stateOf = (workflowId: string) =>
    client.withDeadline(Date.now() + STATE_QUERY_MS, () => client.workflow.getHandle(workflowId).query(statusQuery)).catch(() => undefined);
  const runsOf = (customerId: string) =>
    db
      .select()
      .from(journeyRuns)
      .where(and(ownRows(journeyRuns), eq(journeyRuns.customerId, customerId)));

  async function view(row: typeof journeyRuns.$inferSelect): Promise<RunView | null> {
    const handle = client.workflow.getHandle(row.workflowId);
    try {
      const d = await handle.describe();
      const running = d.status.name === 'RUNNING';
      const state = running ? await stateOf(row.workflowId) : undefined;
      return {
        workflowId: row.workflowId,
        journey: row.journeyKey,
        customerId: row.customerId,
        runId: d.runId,
        status: d.status.name,
        startedAt: d.startTime.toISOString(),
        closedAt: d.closeTime?.toISOString() ?? null,
        ...(state ? { state } : {}),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async function run(workflowId: string): Promise<RunView | null> {
    const [row] = await db
      .select()
      .from(journeyRuns)
      .where(and(ownRows(journeyRuns), eq(journeyRuns.workflowId, workflowId)));
    return row ? view(row) : null;
  }

  return {
    run,

    async runs(journey: string, { limit, offset }: { limit: number; offset: number }) {
      const where = eq(journeyRuns.journeyKey, journey);
      const [{ total }] = (await db
        .select({ total: count() })
        .from(journeyRuns)
        .where(and(ownRows(journeyRuns), where))) as [{ total: number }];
      const rows = await db
        .select()
        .from(journeyRuns)
        .where(and(ownRows(journeyRuns), where))
        .orderBy(desc(journeyRuns.startedAt))
        .limit(limit)
        .offset(offset);
      const views = await Promise.all(rows.map(view));
      return { total, runs: views.filter((v): v is RunView => v !== null) };
    },

    /**
     * Running runs of a journey, in all and per current step, counted by Temporal's visibility (its
     * JourneyStep search attribute): approximate, and a moment behind the runs themselves.
     */
    async runningPerStep(journey: string, steps: string[]): Promise<{ running: number; steps: Array<{ step: string; running: number }> }> {
      const base = `WorkspaceId = ${quoted(currentWorkspace())} AND JourneyKey = ${quoted(journey)} AND ExecutionStatus = "Running"`;
      const count = async (query: string) => (await client.workflow.count(query)).count;
      const [running, ...perStep] = await Promise.all([
        count(base),
        ...steps.map((step) => count(`${base} AND JourneyStep = ${quoted(step)}`)),
      ]);
      return { running, steps: steps.map((step, i) => ({ step, running: perStep[i]! })) };
    },

    async cancel(workflowId: string) {
      const current = await run(workflowId);
      if (current?.status !== 'RUNNING') return false;
      await client.workflow.getHandle(workflowId).signal(exitSignal, { reason: 'cancelled' });
      return true;
    },

    endRun(journey: string, workflowId: string, reason: ExitReason) {
      return executor.signal(endRunOp(journey, workflowId, reason));
    },

    async exitAll(customerId: string, reason: ExitReason) {
      let exited = 0;
      for (const row of await runsOf(customerId)) {
        // Not found, or already closed: nothing to end.
        if ((await executor.signal(endRunOp(row.journeyKey, row.workflowId, reason))).result === 'dispatched') exited++;
      }
      return exited;
    },

    async active(customerId: string) {
      // The runs looked up together, so that runs whose worker cannot answer cost one deadline, not one each.
      const found = await Promise.all(
        (await runsOf(customerId)).map(async (row): Promise<ActiveJourney | null> => {
          const handle = client.workflow.getHandle(row.workflowId);
          try {
            const d = await handle.describe();
            if (d.status.name !== 'RUNNING') return null;
            const status = await stateOf(row.workflowId);
            return { journey: row.journeyKey, workflowId: d.workflowId, runId: d.runId, startedAt: d.startTime.toISOString(), status };
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
            return null;
          }
        }),
      );
      return found.filter((a): a is ActiveJourney => a !== null);
    },
  };
}
