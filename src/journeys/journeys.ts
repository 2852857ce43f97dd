// The one module that starts, signals and queries journey workflows for the API. Workflow ids live here.
import { randomUUID } from 'node:crypto';
import {
  type Client,
  type SignalDefinition,
  type WithWorkflowArgs,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowSignalWithStartOptions,
} from '@temporalio/client';
import { and, count, desc, eq, like } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { coalesce } from '../db/coalesce.js';
import { type Customer, journeyRuns } from '../db/schema.js';
import { cartFromProperties } from './cart.js';
import { flowJourneyKey } from '../flows/flow-types.js';
import { CustomerIdKey, JourneyKeyKey } from '../temporal/search-attributes.js';
import { birthday, type BirthdayProfile, profileChangedSignal } from './birthday.workflow.js';
import { cartRecovery } from './cart-recovery.workflow.js';
import { churnSweep, churnWinBack } from './churn-win-back.workflow.js';
import { flowRun } from '../flows/flow.workflow.js';
import { tierUpgrade } from '../tiers/tier-upgrade.workflow.js';
import {
  type ExitReason,
  exitSignal,
  type JourneyEvent,
  journeyEventSignal,
  type JourneyStatus,
  statusQuery,
} from './steps.js';
import { welcome } from './welcome.workflow.js';
import { signalIfRunning } from '../temporal/signal.js';
import { createFlowRoutes } from '../flows/routing.js';

export const welcomeWorkflowId = (customerId: string) => `welcome/${customerId}`;
export const cartRecoveryWorkflowId = (customerId: string, cartId: string) => `cart-recovery/${customerId}/${cartId}`;
export const birthdayWorkflowId = (customerId: string) => `birthday/${customerId}`;
/** One long-lived tier run per customer (it continues as new under the same id). */
export const tierUpgradeWorkflowId = (customerId: string) => `tier-upgrade/${customerId}`;
/** One open run per flow and customer; a trigger after it closed starts the next run under the same id. */
export const flowWorkflowId = (flowId: string, customerId: string) => `flow/${flowId}/${customerId}`;
/** One churn win-back run per silence: the customer and their last activity before it. */
export const churnWinBackWorkflowId = (customerId: string, lastActivityAt: number) =>
  `churn-win-back/${customerId}/${new Date(lastActivityAt).toISOString()}`;

export interface IncomingEvent extends JourneyEvent {
  customerId: string;
}

export type DispatchOutcome = { journey: string; workflowId: string; result: 'dispatched' | 'already_completed' | 'not_running' };

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

export interface Journeys {
  /** One run as Temporal knows it; null when no such run was started. */
  run(workflowId: string): Promise<RunView | null>;
  /** A journey's runs, newest first. */
  runs(journey: string, page: { limit: number; offset: number }): Promise<{ total: number; runs: RunView[] }>;
  /** Ends a running run the graceful way (it records why); false when it is not running. */
  cancel(workflowId: string): Promise<boolean>;
  /**
   * The runs dispatch(event) will start or signal by its fixed routes (not flows), for ingestion to record in
   * the statement that stores the event; anything not foreseen here is recorded by dispatch itself.
   */
  plannedRuns(event: IncomingEvent): Array<{ journeyKey: string; workflowId: string; customerId: string }>;
  /** These runs' journey_runs rows are written: their dispatch need not write them again. */
  runsRecorded(workflowIds: Iterable<string>): void;
  /** Routes one stored event to the journeys it starts or concerns. Safe to repeat: journeys dedupe by event id. */
  dispatch(event: IncomingEvent): Promise<DispatchOutcome[]>;
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
  /** Asks the customer's tier run to evaluate them (starting it if needed): an order, or an upgrade made through the API. */
  evaluateTier(customerId: string, event: JourneyEvent): Promise<DispatchOutcome>;
}

/** What the Temporal UI finds every journey run by: its customer and its journey. */
const journeyAttributes = (customerId: string, journey: string) => [
  { key: CustomerIdKey, value: customerId },
  { key: JourneyKeyKey, value: journey },
];

/** The options both the API and the raw-SDK benchmark use to start a welcome journey. */
export function welcomeStartOptions(event: IncomingEvent, taskQueue: string) {
  const options: WithWorkflowArgs<typeof welcome, WorkflowSignalWithStartOptions<[JourneyEvent]>> & { workflowId: string } = {
    workflowId: welcomeWorkflowId(event.customerId),
    taskQueue,
    args: [{ customerId: event.customerId }],
    signal: journeyEventSignal,
    signalArgs: [{ id: event.id, type: event.type, properties: event.properties }] as [JourneyEvent],
    // One welcome journey per customer, ever (within the namespace's retention).
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: journeyAttributes(event.customerId, 'welcome'),
  };
  return options;
}

export function createJourneys(client: Client, taskQueue: string, db: Db): Journeys {
  const toEvent = (e: IncomingEvent): JourneyEvent => ({ id: e.id, type: e.type, properties: e.properties });

  // The runs of concurrent dispatches (a batch of events, concurrent requests) are recorded in one statement.
  const recordRun = coalesce<typeof journeyRuns.$inferInsert, void>(async (rows) => {
    await db.insert(journeyRuns).values(rows).onConflictDoNothing();
    return rows.map(() => undefined);
  });

  /** Runs whose journey_runs row is already written (by ingestion), each consumed by its dispatch. */
  const recordedAhead = new Set<string>();

  /** Starts the journey, or signals the run already going under that id. */
  async function startOrSignal(
    journey: string,
    customerId: string,
    workflowId: string,
    signalWithStart: () => Promise<unknown>,
  ): Promise<DispatchOutcome> {
    // Recorded first: a run that starts is always findable by customer, even if this process dies now
    // (ingestion records the runs it can foresee in the statement that stores their events).
    if (!recordedAhead.delete(workflowId)) await recordRun({ workflowId, journeyKey: journey, customerId });
    try {
      await signalWithStart();
      return { journey, workflowId, result: 'dispatched' };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { journey, workflowId, result: 'already_completed' };
      throw err;
    }
  }

  /** Signals a run that may or may not be going; a signal for a finished (or never started) run changes nothing. */
  async function signalRun<A>(journey: string, workflowId: string, signal: SignalDefinition<[A]>, arg: A): Promise<DispatchOutcome> {
    const delivered = await signalIfRunning(client, workflowId, signal, arg);
    return { journey, workflowId, result: delivered ? 'dispatched' : 'not_running' };
  }

  /** Event type → the journeys it concerns. */
  const routes: Record<string, (event: IncomingEvent) => Array<Promise<DispatchOutcome>>> = {
    user_signup: (event) => {
      const options = welcomeStartOptions(event, taskQueue);
      return [startOrSignal('welcome', event.customerId, options.workflowId, () => client.workflow.signalWithStart(welcome, options))];
    },
    cart_abandoned: (event) => {
      const cart = cartFromProperties(event.properties);
      if (!cart) return [];
      const workflowId = cartRecoveryWorkflowId(event.customerId, cart.id);
      return [
        startOrSignal('cart_recovery', event.customerId, workflowId, () =>
          client.workflow.signalWithStart(cartRecovery, {
            workflowId,
            taskQueue,
            args: [{ customerId: event.customerId, cart }],
            signal: journeyEventSignal,
            signalArgs: [toEvent(event)],
            // A cart recovered (or bought) once is not chased again for the same cart id.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: journeyAttributes(event.customerId, 'cart_recovery'),
          }),
        ),
      ];
    },
    cart_updated: (event) => cartSignal(event),
    order_completed: (event) => [...cartSignal(event), tierSignal(event.customerId, toEvent(event))],
  };

  const flowRoutes = createFlowRoutes(db);

  /**
   * Marketer flows: (1) active flows triggered by this event type start a run for the customer, or hand the
   * event to the run already open (signalWithStart); (2) an event type some flow waits for or exits on goes
   * to the customer's flow runs (each ignores what it does not care about). An event type no flow
   * mentions costs no query: the routing is cached in memory.
   */
  async function dispatchToFlows(event: IncomingEvent): Promise<DispatchOutcome[]> {
    const routing = await flowRoutes.get();
    // Flow runs read occurredAt: an event from before their trigger does not concern them.
    const flowEvent: JourneyEvent = { ...toEvent(event), ...(event.occurredAt ? { occurredAt: event.occurredAt } : {}) };
    const started = await Promise.all(
      (routing.triggers.get(event.type) ?? []).map(({ flowId, version }) => {
        const workflowId = flowWorkflowId(flowId, event.customerId);
        const journey = flowJourneyKey(flowId);
        return startOrSignal(journey, event.customerId, workflowId, () =>
          client.workflow.signalWithStart(flowRun, {
            workflowId,
            taskQueue,
            args: [{ flowId, version, customerId: event.customerId, trigger: flowEvent }],
            signal: journeyEventSignal,
            signalArgs: [flowEvent],
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            typedSearchAttributes: journeyAttributes(event.customerId, journey),
          }),
        );
      }),
    );
    if (!routing.watched.has(event.type)) return started;
    const reached = new Set(started.map((o) => o.workflowId));
    const runs = await db
      .select({ workflowId: journeyRuns.workflowId, journey: journeyRuns.journeyKey })
      .from(journeyRuns)
      .where(and(eq(journeyRuns.customerId, event.customerId), like(journeyRuns.journeyKey, 'flow:%')));
    const signalled = await Promise.all(
      runs.filter((r) => !reached.has(r.workflowId)).map((r) => signalRun(r.journey, r.workflowId, journeyEventSignal, flowEvent)),
    );
    // Runs of this customer that closed long ago are not news.
    return [...started, ...signalled.filter((o) => o.result !== 'not_running')];
  }

  /** The tier run evaluates the totals the API already moved; signals queue up, so evaluations never overlap. */
  function tierSignal(customerId: string, event: JourneyEvent): Promise<DispatchOutcome> {
    const workflowId = tierUpgradeWorkflowId(customerId);
    return startOrSignal('tier_upgrade', customerId, workflowId, () =>
      client.workflow.signalWithStart(tierUpgrade, {
        workflowId,
        taskQueue,
        args: [{ customerId }],
        signal: journeyEventSignal,
        signalArgs: [event],
        // A run that ended (cancelled, opted out) is started again by the next order.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: journeyAttributes(customerId, 'tier_upgrade'),
      }),
    );
  }

  function cartSignal(event: IncomingEvent) {
    const cartId = event.properties?.cart_id;
    if (typeof cartId !== 'string') return [];
    return [signalRun('cart_recovery', cartRecoveryWorkflowId(event.customerId, cartId), journeyEventSignal, toEvent(event))];
  }

  async function runsOf(customerId: string) {
    return db.select().from(journeyRuns).where(eq(journeyRuns.customerId, customerId));
  }

  async function view(row: typeof journeyRuns.$inferSelect): Promise<RunView | null> {
    const handle = client.workflow.getHandle(row.workflowId);
    try {
      const d = await handle.describe();
      const running = d.status.name === 'RUNNING';
      const state = running ? await handle.query(statusQuery).catch(() => undefined) : undefined;
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

  return {
    async run(workflowId) {
      const [row] = await db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, workflowId));
      return row ? view(row) : null;
    },

    async runs(journey, { limit, offset }) {
      const where = eq(journeyRuns.journeyKey, journey);
      const [{ total }] = (await db.select({ total: count() }).from(journeyRuns).where(where)) as [{ total: number }];
      const rows = await db.select().from(journeyRuns).where(where).orderBy(desc(journeyRuns.startedAt)).limit(limit).offset(offset);
      const views = await Promise.all(rows.map(view));
      return { total, runs: views.filter((v): v is RunView => v !== null) };
    },

    async cancel(workflowId) {
      const current = await this.run(workflowId);
      if (current?.status !== 'RUNNING') return false;
      await client.workflow.getHandle(workflowId).signal(exitSignal, { reason: 'cancelled' });
      return true;
    },

    plannedRuns(event) {
      const run = (journeyKey: string, workflowId: string) => [{ journeyKey, workflowId, customerId: event.customerId }];
      if (event.type === 'user_signup') return run('welcome', welcomeWorkflowId(event.customerId));
      if (event.type === 'order_completed') return run('tier_upgrade', tierUpgradeWorkflowId(event.customerId));
      const cart = event.type === 'cart_abandoned' ? cartFromProperties(event.properties) : null;
      return cart ? run('cart_recovery', cartRecoveryWorkflowId(event.customerId, cart.id)) : [];
    },

    runsRecorded(workflowIds) {
      // Bounded: an entry whose dispatch never came (its request failed) must not pile up.
      if (recordedAhead.size > 100_000) recordedAhead.clear();
      for (const id of workflowIds) recordedAhead.add(id);
    },

    async dispatch(event) {
      const [journeys, flows] = await Promise.all([Promise.all(routes[event.type]?.(event) ?? []), dispatchToFlows(event)]);
      return [...journeys, ...flows];
    },

    flowsChanged() {
      flowRoutes.invalidate();
    },

    evaluateTier(customerId, event) {
      return tierSignal(customerId, event);
    },

    async exitAll(customerId, reason) {
      let exited = 0;
      for (const run of await runsOf(customerId)) {
        // Not found, or already closed: nothing to end.
        if ((await signalRun(run.journeyKey, run.workflowId, exitSignal, { reason })).result === 'dispatched') exited++;
      }
      return exited;
    },

    async active(customerId) {
      const active: ActiveJourney[] = [];
      for (const run of await runsOf(customerId)) {
        const handle = client.workflow.getHandle(run.workflowId);
        try {
          const d = await handle.describe();
          if (d.status.name !== 'RUNNING') continue;
          const status = await handle.query(statusQuery).catch(() => undefined);
          active.push({ journey: run.journeyKey, workflowId: d.workflowId, runId: d.runId, startedAt: d.startTime.toISOString(), status });
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return active;
    },

    async startChurnWinBack(customerId, lastActivityAt) {
      const workflowId = churnWinBackWorkflowId(customerId, lastActivityAt);
      return startOrSignal('churn_win_back', customerId, workflowId, () =>
        client.workflow.start(churnWinBack, {
          workflowId,
          taskQueue,
          args: [{ customerId, lastActivityAt }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: journeyAttributes(customerId, 'churn_win_back'),
        }),
      );
    },

    endRun(journey, workflowId, reason) {
      return signalRun(journey, workflowId, exitSignal, { reason });
    },

    async sweepChurn() {
      const workflowId = `churn-sweep/${randomUUID()}`;
      const { started } = await client.workflow.execute(churnSweep, { workflowId, taskQueue, args: [{}] });
      return { workflowId, started };
    },

    async profileChanged(customer) {
      const workflowId = birthdayWorkflowId(customer.id);
      const profile: BirthdayProfile = { birthday: customer.birthday, timezone: customer.timezone };
      if (!profile.birthday) return signalRun('birthday', workflowId, profileChangedSignal, profile);
      // Opting out ended the customer's journeys; a birthday set meanwhile does not start one (opting in does).
      if (customer.consent.email === false) return null;
      return startOrSignal('birthday', customer.id, workflowId, () =>
        client.workflow.signalWithStart(birthday, {
          workflowId,
          taskQueue,
          args: [{ customerId: customer.id, ...profile }],
          signal: profileChangedSignal,
          signalArgs: [profile],
          // One open run per customer; a birthday removed and set again starts a new one.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          typedSearchAttributes: journeyAttributes(customer.id, 'birthday'),
        }),
      );
    },
  };
}
