// Which journey runs an event starts or signals: the one route table, with every run's start options.
// Pure — no Temporal client, no database — so the plan can be made before the event is stored (ingestion
// writes the plan's journey_runs rows in the statement that stores the event) and executed after it.
import type { Workflow, WorkflowSignalWithStartOptions, WorkflowStartOptions, WithWorkflowArgs } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Customer } from '../db/schema.js';
import { flowJourneyKey } from '../flows/flow-types.js';
import type { flowRun } from '../flows/flow.workflow.js';
import type { FlowRouting } from '../flows/routing.js';
import { CustomerIdKey, JourneyKeyKey } from '../temporal/search-attributes.js';
import {
  activationWorkflowId,
  birthdayWorkflowId,
  cartRecoveryWorkflowId,
  churnWinBackWorkflowId,
  flowWorkflowId,
  tierUpgradeWorkflowId,
  welcomeWorkflowId,
  workspaceSearchAttribute,
} from '../temporal/workflow-ids.js';
import type { tierUpgrade } from '../tiers/tier-upgrade.workflow.js';
import type { activation } from './activation.workflow.js';
import { type birthday, type BirthdayProfile, profileChangedSignal } from './birthday.workflow.js';
import { cartFromProperties } from './cart.js';
import type { cartRecovery } from './cart-recovery.workflow.js';
import type { churnWinBack } from './churn-win-back.workflow.js';
import { exitSignal, type JourneyEvent, journeyEventSignal } from '../steps/steps.js';
import type { welcome } from './welcome.workflow.js';

export interface IncomingEvent extends JourneyEvent {
  customerId: string;
}

/**
 * What starting a run takes: signalWithStart (the event or change goes with it), or a plain start. The
 * workflow is named by its type name, so routing needs other features' workflow modules (flows, tiers) as
 * types only: journeys do not depend on them at run time (the signals it sends are its own and steps/'s).
 */
export type RunStart =
  | { workflow: string; signalWithStart: WithWorkflowArgs<Workflow, WorkflowSignalWithStartOptions<unknown[]>> }
  | { workflow: string; start: WorkflowStartOptions<Workflow> };

/**
 * Starts the run, or hands the event to the run already going under its id. Its journey_runs row comes first.
 * `configured`: the start carries the journey's newest configuration (read as it starts; src/steps'
 * ConfiguredStart) — every journey but flows, whose runs are started with their flow's version.
 */
export type StartOp = { kind: 'start'; journey: string; customerId: string; workflowId: string; run: RunStart; configured: boolean };
/** Signals a run that may or may not be going; a finished (or never started) run changes nothing. */
export type SignalOp = { kind: 'signal'; journey: string; workflowId: string; signal: SignalDefinition<[unknown]>; arg: unknown };
/**
 * Hands the event to the customer's flow runs, found by their journey_runs rows (flow runs wait for or exit
 * on events); the runs this plan starts have it already. Runs that closed long ago are not news.
 */
export type FlowRunsOp = { kind: 'signal_flow_runs'; customerId: string; event: JourneyEvent; except: string[] };

/** One thing to do to one journey run (or, for flows, to the customer's flow runs). */
export type RunOp = StartOp | SignalOp | FlowRunsOp;

export interface EventPlan {
  event: IncomingEvent;
  ops: RunOp[];
}

/**
 * What routing needs to know about the activation journey (kept in memory, src/journeys/activation-routing.ts).
 * `enabled`: its newest version is on, so a signup starts a run. `watched`: the key actions of every version
 * ever switched on (runs keep their version), handed to the customer's run, which ignores the others.
 */
export interface ActivationRouting {
  enabled: boolean;
  watched: ReadonlySet<string>;
}

export const ACTIVATION_OFF: ActivationRouting = { enabled: false, watched: new Set() };

/** What only storing the event can tell. */
export interface StoreFacts {
  /** The customer is erased: their events start nothing (ingestion refuses them before they get here). */
  erased: boolean;
  /** This event is the activity that ended the customer's silence: the run that was waiting it out. */
  returnedFrom?: string | null;
}

/** What the Temporal UI finds every journey run by: its customer and its journey. */
const journeyAttributes = (customerId: string, journey: string) => [
  workspaceSearchAttribute(),
  { key: CustomerIdKey, value: customerId },
  { key: JourneyKeyKey, value: journey },
];

const toEvent = (e: IncomingEvent): JourneyEvent => ({ id: e.id, type: e.type, properties: e.properties });

function signalOp<A>(journey: string, workflowId: string, signal: SignalDefinition<[A]>, arg: A): SignalOp {
  return { kind: 'signal', journey, workflowId, signal, arg };
}

function startOp<W extends Workflow, A extends unknown[] = unknown[]>(
  journey: string,
  customerId: string,
  workflow: string,
  options: WithWorkflowArgs<W, WorkflowSignalWithStartOptions<A>> & { workflowId: string },
): StartOp {
  const signalWithStart = { ...options, typedSearchAttributes: journeyAttributes(customerId, journey) };
  const configured = workflow !== 'flowRun';
  return { kind: 'start', journey, customerId, workflowId: options.workflowId, run: { workflow, signalWithStart }, configured };
}

/** The options both the API and the raw-SDK benchmark use to start a welcome journey. */
export function welcomeStartOptions(event: IncomingEvent, taskQueue: string) {
  const options: WithWorkflowArgs<typeof welcome, WorkflowSignalWithStartOptions<[JourneyEvent]>> & { workflowId: string } = {
    workflowId: welcomeWorkflowId(event.customerId),
    taskQueue,
    args: [{ customerId: event.customerId }],
    signal: journeyEventSignal,
    signalArgs: [toEvent(event)],
    // One welcome journey per customer, ever (within the namespace's retention).
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: journeyAttributes(event.customerId, 'welcome'),
  };
  return options;
}

/** The tier run evaluates the totals the API already moved; signals queue up, so evaluations never overlap. */
export function tierEvaluation(customerId: string, event: JourneyEvent, taskQueue: string): StartOp {
  return startOp<typeof tierUpgrade>('tier_upgrade', customerId, 'tierUpgrade', {
    workflowId: tierUpgradeWorkflowId(customerId),
    taskQueue,
    args: [{ customerId }],
    signal: journeyEventSignal,
    signalArgs: [event],
    // A run that ended (cancelled, opted out) is started again by the next order.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}

function cartSignal(event: IncomingEvent): RunOp[] {
  const cartId = event.properties?.cart_id;
  if (typeof cartId !== 'string') return [];
  return [signalOp('cart_recovery', cartRecoveryWorkflowId(event.customerId, cartId), journeyEventSignal, toEvent(event))];
}

/** Event type → the journeys it concerns. */
const routes: Record<string, (event: IncomingEvent, taskQueue: string) => RunOp[]> = {
  user_signup: (event, taskQueue) => {
    const options = welcomeStartOptions(event, taskQueue);
    return [startOp<typeof welcome>('welcome', event.customerId, 'welcome', options)];
  },
  cart_abandoned: (event, taskQueue) => {
    const cart = cartFromProperties(event.properties);
    if (!cart) return [];
    return [
      startOp<typeof cartRecovery>('cart_recovery', event.customerId, 'cartRecovery', {
        workflowId: cartRecoveryWorkflowId(event.customerId, cart.id),
        taskQueue,
        args: [{ customerId: event.customerId, cart }],
        signal: journeyEventSignal,
        signalArgs: [toEvent(event)],
        // A cart recovered (or bought) once is not chased again for the same cart id.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    ];
  },
  cart_updated: (event) => cartSignal(event),
  order_completed: (event, taskQueue) => [...cartSignal(event), tierEvaluation(event.customerId, toEvent(event), taskQueue)],
};

/**
 * Activation: a signup starts the customer's one run (when the journey is on); a key action of any version
 * goes to that run, which ends at it. A run that is not going (never started, ended) changes nothing.
 */
function activationOps(event: IncomingEvent, routing: ActivationRouting, taskQueue: string): RunOp[] {
  const workflowId = activationWorkflowId(event.customerId);
  // A signup is never a key action (the settings refuse it): the run it starts would end at once.
  if (event.type === 'user_signup') {
    if (!routing.enabled) return [];
    return [
      startOp<typeof activation>('activation', event.customerId, 'activation', {
        workflowId,
        taskQueue,
        args: [{ customerId: event.customerId }],
        signal: journeyEventSignal,
        signalArgs: [toEvent(event)],
        // One activation series per customer, ever (within the namespace's retention), as welcome.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    ];
  }
  return routing.watched.has(event.type) ? [signalOp('activation', workflowId, journeyEventSignal, toEvent(event))] : [];
}

/**
 * Marketer flows: (1) active flows triggered by this event type start a run for the customer, or hand the
 * event to the run already open (signalWithStart); (2) an event type some flow waits for or exits on goes
 * to the customer's other flow runs (each ignores what it does not care about). An event type no flow
 * mentions costs no query: the routing is cached in memory.
 */
function flowOps(event: IncomingEvent, flows: FlowRouting, taskQueue: string): RunOp[] {
  // Flow runs read occurredAt: an event from before their trigger does not concern them.
  const flowEvent: JourneyEvent = { ...toEvent(event), ...(event.occurredAt ? { occurredAt: event.occurredAt } : {}) };
  const starts = (flows.triggers.get(event.type) ?? []).map(({ flowId, version }) =>
    startOp<typeof flowRun>(flowJourneyKey(flowId), event.customerId, 'flowRun', {
      workflowId: flowWorkflowId(flowId, event.customerId),
      taskQueue,
      args: [{ flowId, version, customerId: event.customerId, trigger: flowEvent }],
      signal: journeyEventSignal,
      signalArgs: [flowEvent],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    }),
  );
  if (!flows.watched.has(event.type)) return starts;
  return [
    ...starts,
    { kind: 'signal_flow_runs', customerId: event.customerId, event: flowEvent, except: starts.map((op) => op.workflowId) },
  ];
}

/** The runs one event starts or signals, by the journeys' routes, the activation journey's and the flows' routing. */
export function planEvent(event: IncomingEvent, flows: FlowRouting, taskQueue: string, activationRouting = ACTIVATION_OFF): EventPlan {
  return {
    event,
    ops: [
      ...(routes[event.type]?.(event, taskQueue) ?? []),
      ...activationOps(event, activationRouting, taskQueue),
      ...flowOps(event, flows, taskQueue),
    ],
  };
}

/** Ends one run with a reason (e.g. the customer came back); 'not_running' when it already ended. */
export const endRunOp = (journey: string, workflowId: string, reason: string) => signalOp(journey, workflowId, exitSignal, { reason });

/**
 * The plan as storing its event found it: an erased customer's events start nothing, and the activity that
 * ends a customer's silence ends the churn win-back run waiting it out (the customer came back).
 */
export function settlePlan(plan: EventPlan, facts: StoreFacts): RunOp[] {
  if (facts.erased) return [];
  if (!facts.returnedFrom) return plan.ops;
  return [...plan.ops, endRunOp('churn_win_back', facts.returnedFrom, 'reactivated')];
}

/** The runs whose journey_runs rows are written before they start: those the plan may start. */
export const plannedStarts = (plan: EventPlan) => plan.ops.filter((op): op is StartOp => op.kind === 'start');

/**
 * The customer's birthday or time zone changed: starts their birthday journey, moves its next greeting, or
 * ends it (birthday removed). Null when there is nothing to do (opted out of email).
 */
export function birthdayChange(
  customer: Pick<Customer, 'id' | 'birthday' | 'timezone' | 'consent'>,
  taskQueue: string,
): StartOp | SignalOp | null {
  const workflowId = birthdayWorkflowId(customer.id);
  const profile: BirthdayProfile = { birthday: customer.birthday, timezone: customer.timezone };
  if (!profile.birthday) return signalOp('birthday', workflowId, profileChangedSignal, profile);
  // Opting out ended the customer's journeys; a birthday set meanwhile does not start one (opting in does).
  if (customer.consent.email === false) return null;
  return startOp<typeof birthday>('birthday', customer.id, 'birthday', {
    workflowId,
    taskQueue,
    args: [{ customerId: customer.id, ...profile }],
    signal: profileChangedSignal,
    signalArgs: [profile],
    // One open run per customer; a birthday removed and set again starts a new one.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}

/** The churn win-back run for one silence (last activity at `lastActivityAt`, epoch ms): once per silence. */
export function churnWinBackStart(customerId: string, lastActivityAt: number, taskQueue: string): StartOp {
  const workflowId = churnWinBackWorkflowId(customerId, lastActivityAt);
  const start: WorkflowStartOptions<typeof churnWinBack> = {
    workflowId,
    taskQueue,
    args: [{ customerId, lastActivityAt }],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: journeyAttributes(customerId, 'churn_win_back'),
  };
  return { kind: 'start', journey: 'churn_win_back', customerId, workflowId, run: { workflow: 'churnWinBack', start }, configured: true };
}
