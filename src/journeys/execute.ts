// Carries out run operations (src/journeys/routing.ts) against Temporal.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { and, eq, like } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { journeyRuns } from '../db/schema.js';
import { currentWorkspace } from '../db/workspace.js';
import type { JourneyConfig } from '../domain/journey-config.js';
import { signalIfRunning } from '../temporal/signal.js';
import { latestRunConfig } from './config.js';
import { createRunRecorder } from './run-records.js';
import type { FlowRunsOp, RunOp, RunStart, SignalOp, StartOp } from './routing.js';
import { journeyEventSignal } from '../steps/steps.js';

export type DispatchOutcome = { journey: string; workflowId: string; result: 'dispatched' | 'already_completed' | 'not_running' };

export interface RunExecutor {
  /**
   * Carries out the operations, all at once. `recorded`: their journey_runs rows are written already (in
   * the statement that stored their event); otherwise each start writes its row first.
   */
  execute(ops: RunOp[], options?: { recorded?: boolean }): Promise<DispatchOutcome[]>;
  start(op: StartOp): Promise<DispatchOutcome>;
  signal(op: SignalOp): Promise<DispatchOutcome>;
}

/**
 * A journey's newest configuration, read once for every start asking for it at the same moment (a burst of
 * signups waits for one read, not one each); a read begun after a new version was written returns it.
 */
function createConfigReader(db: Db) {
  const reading = new Map<string, Promise<JourneyConfig | null>>();
  return (journey: string): Promise<JourneyConfig | null> => {
    const id = `${currentWorkspace()}\u0000${journey}`;
    let read = reading.get(id);
    if (!read) {
      read = latestRunConfig(db, journey).finally(() => reading.delete(id));
      reading.set(id, read);
    }
    return read;
  };
}

/** The start with the configuration in its input (the workflow's first argument), which the run then keeps. */
function withConfig(run: RunStart, config: JourneyConfig | null): RunStart {
  const carry = (args: readonly unknown[] = []) => [{ ...(args[0] as object), config }, ...args.slice(1)];
  return 'signalWithStart' in run
    ? { ...run, signalWithStart: { ...run.signalWithStart, args: carry(run.signalWithStart.args) } }
    : { ...run, start: { ...run.start, args: carry(run.start.args) } };
}

export function createRunExecutor(client: Client, db: Db): RunExecutor {
  const recordRun = createRunRecorder(db);
  const latestConfig = createConfigReader(db);

  async function start(op: StartOp, recorded = false): Promise<DispatchOutcome> {
    const { journey, workflowId } = op;
    // Recorded first: a run that starts is always findable by customer, even if this process dies now.
    if (!recorded) await recordRun(op);
    // The configuration goes with the start: the run's first workflow task sends, with no activity to load it.
    const run = op.configured ? withConfig(op.run, await latestConfig(journey)) : op.run;
    try {
      if ('signalWithStart' in run) await client.workflow.signalWithStart(run.workflow, run.signalWithStart);
      else await client.workflow.start(run.workflow, run.start);
      return { journey, workflowId, result: 'dispatched' };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { journey, workflowId, result: 'already_completed' };
      throw err;
    }
  }

  async function signal({ journey, workflowId, signal, arg }: SignalOp): Promise<DispatchOutcome> {
    const delivered = await signalIfRunning(client, workflowId, signal, arg);
    return { journey, workflowId, result: delivered ? 'dispatched' : 'not_running' };
  }

  async function signalFlowRuns({ customerId, event, except }: FlowRunsOp): Promise<DispatchOutcome[]> {
    const runs = await db
      .select({ workflowId: journeyRuns.workflowId, journey: journeyRuns.journeyKey })
      .from(journeyRuns)
      .where(and(ownRows(journeyRuns), and(eq(journeyRuns.customerId, customerId), like(journeyRuns.journeyKey, 'flow:%'))));
    const signalled = await Promise.all(
      runs
        .filter((r) => !except.includes(r.workflowId))
        .map((r) => signal({ kind: 'signal', journey: r.journey, workflowId: r.workflowId, signal: journeyEventSignal, arg: event })),
    );
    return signalled.filter((o) => o.result !== 'not_running');
  }

  return {
    async execute(ops, { recorded = false } = {}) {
      const outcomes = await Promise.all(
        ops.map((op) =>
          op.kind === 'start'
            ? start(op, recorded).then((o) => [o])
            : op.kind === 'signal'
              ? signal(op).then((o) => [o])
              : signalFlowRuns(op),
        ),
      );
      return outcomes.flat();
    },
    start: (op) => start(op),
    signal,
  };
}
