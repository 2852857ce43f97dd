// A campaign's executions as Temporal workflows: started now or waiting for a start time, paused, resumed,
// cancelled or rescheduled by signal, and asked for their progress. The one module that starts, signals and
// queries campaign workflows; the status each step leaves in marketing_campaigns is written beside it.
import { ownRows } from '../db/own-rows.js';
import { randomUUID } from 'node:crypto';
import { type Client, type SignalDefinition, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type CampaignStatus, marketingCampaigns, messages } from '../db/schema.js';
import { workspaceIs } from '../db/own-rows.js';
import { rowsOf } from '../db/sql-helpers.js';
import { DomainError } from '../domain/errors.js';
import type { Config } from '../env.js';
import { CampaignIdKey } from '../temporal/search-attributes.js';
import { signalIfRunning } from '../temporal/signal.js';
import { campaignWorkflowId, workspaceSearchAttribute } from '../temporal/workflow-ids.js';
import {
  campaignExecution,
  type CampaignMode,
  type CampaignProgress,
  cancelSignal,
  type ExecutionState,
  pauseSignal,
  progressQuery,
  rescheduleSignal,
  resumeSignal,
  startNowSignal,
} from './campaign.workflow.js';
import { type CampaignRow, findCampaign } from './views.js';
import { holdSendTime } from '../experiments/send-time-hold.js';

/** Broadcasts: customers per batch activity, and batches per workflow run before it continues as new. */
export type CampaignServiceOptions = Pick<Config['campaigns'], 'batchSize' | 'batchesPerRun'>;

export type ControlAction = 'pause' | 'resume' | 'cancel';

/** Any failure to reach Temporal, as the API answers it; a refusal stays what it is. */
function unavailable(err: unknown): Error {
  if (err instanceof DomainError) return err;
  return new DomainError('temporal_unavailable', `could not reach Temporal: ${(err as Error).message}`, undefined, 503);
}

const times = (r: Pick<CampaignRow, 'startTime' | 'endTime'>) => ({
  startAt: r.startTime ? r.startTime.getTime() : undefined,
  endAt: r.endTime ? r.endTime.getTime() : undefined,
});

/** How long the status route waits for the running execution's own answer before counting its records. */
const PROGRESS_QUERY_MS = 2_000;

const SENT_STATUSES = ['sent', 'delivered', 'opened', 'clicked', 'converted'];

/**
 * The actual execution's progress as its records tell it (when its workflow cannot answer now): what was
 * processed, sent, failed, skipped or is uncertain so far. What only the workflow knows (audience size,
 * rate, an experiment's phase) is null; `state` follows the campaign's status.
 */
async function progressFromRecords(db: Db, row: CampaignRow, executionId: string): Promise<CampaignProgress> {
  const counts = rowsOf<{ status: string; n: number }>(
    await db.execute(sql`
      select status, count(*)::int as n from ${messages}
      where ${workspaceIs(sql`workspace_id`)} and campaign_id = ${row.id} and execution_id = ${executionId}
      group by 1`),
  );
  const total = (pick: (status: string) => boolean) => counts.filter((c) => pick(c.status)).reduce((n, c) => n + c.n, 0);
  const state: ExecutionState =
    row.status === 'paused'
      ? 'paused'
      : row.status === 'completed'
        ? 'completed'
        : row.status === 'cancelled'
          ? 'cancelled'
          : row.status === 'scheduled'
            ? 'scheduled'
            : 'running';
  return {
    campaignId: row.id,
    executionId,
    mode: 'actual',
    state,
    stopReason: null,
    audienceSize: null,
    startAt: row.startTime ? row.startTime.getTime() : null,
    endAt: row.endTime ? row.endTime.getTime() : null,
    startedAt: row.actualStartTime ? row.actualStartTime.getTime() : null,
    finishedAt: row.actualEndTime ? row.actualEndTime.getTime() : null,
    ratePerSecond: null,
    etaSeconds: null,
    runs: 0,
    deferred: 0,
    deferredUntil: null,
    experiment: null,
    processed: total((s) => s !== 'pending'),
    sent: total((s) => SENT_STATUSES.includes(s)),
    failed: total((s) => s === 'failed'),
    skipped: total((s) => s === 'skipped'),
    uncertain: total((s) => s === 'uncertain'),
    // By reason only the workflow counts them.
    reasons: {},
  };
}

export function createCampaignExecutions(db: Db, client: Client, taskQueue: string, options: CampaignServiceOptions) {
  const { batchSize, batchesPerRun } = options;
  const now = () => Date.now();

  async function startExecution(row: CampaignRow, executionId: string, mode: CampaignMode, startAt?: number) {
    await holdSendTime(db, row.id, row.sendAt);
    await client.workflow.start(campaignExecution, {
      workflowId: campaignWorkflowId(row.id, executionId),
      taskQueue,
      args: [{ campaignId: row.id, executionId, mode, startAt, endAt: times(row).endAt, batchSize, batchesPerRun }],
      typedSearchAttributes: [workspaceSearchAttribute(), { key: CampaignIdKey, value: row.id }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  }

  /** Signals an execution that may have ended already (its end needs no signal then). */
  async function signal<A extends unknown[]>(row: CampaignRow, executionId: string, def: SignalDefinition<A>, ...args: A) {
    await signalIfRunning(client, campaignWorkflowId(row.id, executionId), def, ...args);
  }

  return {
    /**
     * After a save: a future start time schedules the campaign (its execution is started now and waits for
     * the time), a changed one reschedules it, one no longer in the future puts it back to draft.
     */
    async schedule(row: CampaignRow, previous: CampaignRow | null): Promise<CampaignRow> {
      const future = row.startTime !== null && row.startTime.getTime() > now();
      if (previous?.status === 'scheduled' && previous.executionId) {
        if (future) {
          await signal(row, previous.executionId, rescheduleSignal, times(row));
          return row;
        }
        // No longer in the future: back to draft, waiting for a trigger.
        await signal(row, previous.executionId, cancelSignal);
        const [draft] = await db
          .update(marketingCampaigns)
          .set({ status: 'draft', executionId: null })
          .where(and(ownRows(marketingCampaigns), eq(marketingCampaigns.id, row.id)))
          .returning();
        return draft!;
      }
      if (!future) return row;
      const executionId = randomUUID();
      const [scheduled] = await db
        .update(marketingCampaigns)
        .set({ status: 'scheduled', executionId })
        .where(and(ownRows(marketingCampaigns), and(eq(marketingCampaigns.id, row.id), eq(marketingCampaigns.status, 'draft'))))
        .returning();
      if (!scheduled) return row;
      try {
        await startExecution(scheduled, executionId, 'actual', row.startTime!.getTime());
      } catch (err) {
        await db
          .update(marketingCampaigns)
          .set({ status: 'draft', executionId: null })
          .where(and(ownRows(marketingCampaigns), eq(marketingCampaigns.id, row.id)));
        throw unavailable(err);
      }
      return scheduled;
    },

    /** A scheduled campaign's waiting execution is told to end (the campaign is being archived). */
    async unschedule(row: CampaignRow): Promise<void> {
      if (row.status === 'scheduled' && row.executionId) await signal(row, row.executionId, cancelSignal);
    },

    /**
     * Runs the campaign now. `actual` moves a draft or scheduled campaign to active in one statement, so two
     * triggers make one execution (the second is a 409); `simulation` starts an execution of its own each time.
     */
    async trigger(row: CampaignRow, mode: CampaignMode): Promise<{ executionId: string }> {
      const id = row.id;
      if (row.status === 'archived') throw new DomainError('campaign_archived', 'campaign is archived', undefined, 409);
      if (mode === 'simulation') {
        const executionId = `sim-${randomUUID()}`;
        await startExecution(row, executionId, 'simulation').catch((err) => {
          throw unavailable(err);
        });
        return { executionId };
      }
      if (row.endTime && row.endTime.getTime() <= now()) {
        throw new DomainError('campaign_ended', `campaign's end_time (${row.endTime.toISOString()}) has passed`, undefined, 409);
      }
      const fresh = randomUUID();
      const [taken] = await db
        .update(marketingCampaigns)
        .set({ status: 'active', executionId: sql`coalesce(${marketingCampaigns.executionId}, ${fresh})`, updatedAt: sql`now()` })
        .where(
          and(ownRows(marketingCampaigns), and(eq(marketingCampaigns.id, id), inArray(marketingCampaigns.status, ['draft', 'scheduled']))),
        )
        .returning();
      if (!taken) {
        throw new DomainError(
          'campaign_already_triggered',
          `campaign is ${(await findCampaign(db, id)).status}: it runs once`,
          undefined,
          409,
        );
      }
      const executionId = taken.executionId!;
      try {
        if (executionId === fresh) await startExecution(taken, executionId, 'actual');
        else await client.workflow.getHandle(campaignWorkflowId(id, executionId)).signal(startNowSignal);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
          await db
            .update(marketingCampaigns)
            .set({ status: row.status, executionId: row.executionId })
            .where(and(ownRows(marketingCampaigns), and(eq(marketingCampaigns.id, id), eq(marketingCampaigns.status, 'active'))));
          throw unavailable(err);
        }
      }
      return { executionId };
    },

    /** Pause, resume or cancel the running (or scheduled) actual execution; the campaign row as it is then. */
    async control(row: CampaignRow, action: ControlAction): Promise<CampaignRow> {
      const id = row.id;
      const allowed: Record<ControlAction, CampaignStatus[]> = {
        pause: ['active'],
        resume: ['paused'],
        cancel: ['scheduled', 'active', 'paused'],
      };
      if (!allowed[action].includes(row.status) || !row.executionId) {
        throw new DomainError('campaign_not_running', `campaign is ${row.status}: cannot ${action} it`, undefined, 409);
      }
      const next: CampaignStatus = action === 'pause' ? 'paused' : action === 'resume' ? 'active' : 'cancelled';
      const def = action === 'pause' ? pauseSignal : action === 'resume' ? resumeSignal : cancelSignal;
      try {
        await client.workflow.getHandle(campaignWorkflowId(id, row.executionId)).signal(def);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          throw new DomainError('campaign_not_running', `campaign's execution has ended: cannot ${action} it`, undefined, 409);
        }
        throw unavailable(err);
      }
      // A scheduled campaign that is cancelled never begins: its status is set here, not by its workflow.
      const [updated] = await db
        .update(marketingCampaigns)
        .set({ status: next, updatedAt: sql`now()`, ...(row.status === 'scheduled' ? { actualEndTime: sql`now()` } : {}) })
        .where(and(ownRows(marketingCampaigns), and(eq(marketingCampaigns.id, id), inArray(marketingCampaigns.status, allowed[action]))))
        .returning();
      return updated ?? (await findCampaign(db, id));
    },

    /** Live progress from the execution's workflow (the actual one unless `executionId` names a simulation). */
    async progress(row: CampaignRow, executionId?: string): Promise<CampaignProgress | null> {
      const exec = executionId ?? row.executionId;
      if (!exec) return null;
      try {
        // A query waits for a worker to answer it; a busy or stopped worker must not hold the status route.
        return await client.withDeadline(Date.now() + PROGRESS_QUERY_MS, () =>
          client.workflow.getHandle(campaignWorkflowId(row.id, exec)).query(progressQuery),
        );
      } catch (err) {
        // A finished execution whose history is gone (retention) still has its counts in the row.
        if (err instanceof WorkflowNotFoundError && row.stats && exec === row.executionId) return row.stats as unknown as CampaignProgress;
        if (err instanceof WorkflowNotFoundError)
          throw new DomainError('execution_not_found', `no execution "${exec}" of this campaign`, undefined, 404);
        // No answer in time (or no Temporal): the counts of the records, from the database.
        if (exec === row.executionId) return progressFromRecords(db, row, exec);
        throw unavailable(err);
      }
    },
  };
}
