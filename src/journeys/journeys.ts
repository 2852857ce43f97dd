// The one module that starts, signals and queries journey workflows for the API: routing (which runs an
// event concerns, src/journeys/routing.ts), its execution (execute.ts) and the runs' views (runs.ts).
// Workflow ids are in src/temporal/workflow-ids.ts.
import type { Client } from '@temporalio/client';
import type { SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Customer } from '../db/schema.js';
import { createFlowRoutes } from '../flows/routing.js';
import type { TaskQueues } from '../temporal/task-queues.js';
import { churnSweepRunId, workspaceSearchAttribute } from '../temporal/workflow-ids.js';
import { churnSweep } from './churn-win-back.workflow.js';
import { createActivationRoutes } from './activation-routing.js';
import { createRunExecutor, type DispatchOutcome } from './execute.js';
import { plannedRunsInsert } from './run-records.js';
import {
  birthdayChange,
  churnWinBackStart,
  type EventPlan,
  type IncomingEvent,
  planEvent,
  settlePlan,
  type StoreFacts,
  tierEvaluation,
} from './routing.js';
import { type ActiveJourney, createRunViews, type RunView } from './runs.js';
import type { ExitReason, JourneyEvent } from '../steps/steps.js';

export type { ActiveJourney, DispatchOutcome, EventPlan, IncomingEvent, RunView, StoreFacts };

/** A run an accepted event will start or signal once the outbox dispatches it (flow runs found then are not listed). */
export type QueuedRun = { journey: string; workflowId: string; result: 'queued' };

export interface Journeys {
  /**
   * The runs each event starts or signals (journeys' routes and flows' triggers), made before the events are
   * stored: pass the same plans to `plannedRunsInsert` in the statement that stores them, then to `execute`.
   */
  plan(events: IncomingEvent[]): Promise<EventPlan[]>;
  /**
   * The data-modifying statement (for a WITH) writing the journey_runs rows of the runs `plans` may start,
   * for the events among `storedEventIds` (a query of the ids new in that statement).
   */
  plannedRunsInsert(plans: EventPlan[], storedEventIds: SQL): SQL;
  /**
   * Carries out one stored event's plan as the store found it. `recorded`: its rows were written by
   * `plannedRunsInsert` in the statement that stored it (else each start writes its row first). Safe to
   * repeat: journeys drop event ids they have seen.
   */
  execute(plan: EventPlan, facts: StoreFacts & { recorded: boolean }): Promise<DispatchOutcome[]>;
  /** The runs `execute` will start or signal by name (what an accepted event's outcome lists). */
  queued(plan: EventPlan, facts: StoreFacts): QueuedRun[];
  /** Plans and executes an event that was not stored through ingestion (history recording, tests). */
  dispatch(event: IncomingEvent): Promise<DispatchOutcome[]>;
  /** One run as Temporal knows it; null when no such run was started. */
  run(workflowId: string): Promise<RunView | null>;
  /** A journey's runs, newest first. */
  runs(journey: string, page: { limit: number; offset: number }): Promise<{ total: number; runs: RunView[] }>;
  /** A journey's running runs in all and per current step (Temporal's visibility: approximate, a moment behind). */
  runningPerStep(journey: string, steps: string[]): Promise<{ running: number; steps: Array<{ step: string; running: number }> }>;
  /** Ends a running run the graceful way (it records why); false when it is not running. */
  cancel(workflowId: string): Promise<boolean>;
  /** Ends every running journey of the customer (unsubscribe, erasure). Returns how many were running. */
  exitAll(customerId: string, reason: ExitReason): Promise<number>;
  active(customerId: string): Promise<ActiveJourney[]>;
  /**
   * The customer's birthday or time zone changed: starts their birthday journey, moves its next greeting,
   * or ends it (birthday removed). Null when there is nothing to do (opted out of email).
   */
  profileChanged(customer: Pick<Customer, 'id' | 'birthday' | 'timezone' | 'consent'>): Promise<DispatchOutcome | null>;
  /** Starts the churn win-back run for one silence (last activity at `lastActivityAt`, epoch ms); once per silence. */
  startChurnWinBack(customerId: string, lastActivityAt: number): Promise<DispatchOutcome>;
  /** Ends one run with a reason (e.g. the customer came back); 'not_running' when it already ended. */
  endRun(journey: string, workflowId: string, reason: ExitReason): Promise<DispatchOutcome>;
  /** Runs a churn sweep now (the schedule runs one every hour); how many runs it started. */
  sweepChurn(): Promise<{ workflowId: string; started: number }>;
  /** A flow was created, edited, activated or deactivated in this process: route by the new state at once. */
  flowsChanged(): void;
  /** A journey's configuration was written in this process: route by the new version at once (activation). */
  configChanged(key: string): void;
  /** Asks the customer's tier run to evaluate them (starting it if needed): an order, or an upgrade made through the API. */
  evaluateTier(customerId: string, event: JourneyEvent): Promise<DispatchOutcome>;
}

/**
 * `queues`: journeys start on `journeys`; the churn sweep they run on demand is maintenance
 * (src/temporal/task-queues.ts).
 */
export function createJourneys(client: Client, queues: Pick<TaskQueues, 'journeys' | 'maintenance'>, db: Db): Journeys {
  const taskQueue = queues.journeys;
  const executor = createRunExecutor(client, db);
  const views = createRunViews(client, db, executor);
  const flowRoutes = createFlowRoutes(db);
  const activationRoutes = createActivationRoutes(db);

  const plan = async (events: IncomingEvent[]) => {
    const [flows, activation] = await Promise.all([flowRoutes.get(), activationRoutes.get()]);
    return events.map((event) => planEvent(event, flows, taskQueue, activation));
  };
  const execute: Journeys['execute'] = (p, { recorded, ...facts }) => executor.execute(settlePlan(p, facts), { recorded });

  return {
    ...views,
    plan,
    plannedRunsInsert,
    execute,
    queued: (p, facts) =>
      settlePlan(p, facts).flatMap((op) =>
        op.kind === 'signal_flow_runs' ? [] : [{ journey: op.journey, workflowId: op.workflowId, result: 'queued' as const }],
      ),

    async dispatch(event) {
      const [p] = await plan([event]);
      return execute(p!, { erased: false, recorded: false });
    },

    flowsChanged() {
      flowRoutes.invalidate();
    },

    configChanged(key) {
      if (key === 'activation') activationRoutes.invalidate();
    },

    evaluateTier(customerId, event) {
      return executor.start(tierEvaluation(customerId, event, taskQueue));
    },

    startChurnWinBack(customerId, lastActivityAt) {
      return executor.start(churnWinBackStart(customerId, lastActivityAt, taskQueue));
    },

    async sweepChurn() {
      const workflowId = churnSweepRunId();
      const { started } = await client.workflow.execute(churnSweep, {
        workflowId,
        taskQueue: queues.maintenance,
        args: [{}],
        typedSearchAttributes: [workspaceSearchAttribute()],
      });
      return { workflowId, started };
    },

    async profileChanged(customer) {
      const op = birthdayChange(customer, taskQueue);
      if (!op) return null;
      return op.kind === 'start' ? executor.start(op) : executor.signal(op);
    },
  };
}
