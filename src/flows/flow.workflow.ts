import { allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import { type BranchOutcome, flowJourneyKey, type FlowStep, type FlowVersion } from './flow-types.js';
import {
  exitSignal,
  type JourneyEvent,
  type JourneyResult,
  JourneyRun,
  journeyEventSignal,
  statusQuery,
  type StepOutcome,
} from '../steps/steps.js';

const { getFlowVersion, sendEmail, sendMessage, addTag, checkFlowBranch } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Transient failures (a provider's 5xx, SMTP or database down) retry until they succeed, at most 10 s
  // apart, so sending resumes within seconds of an outage's end.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

export interface FlowRunInput {
  flowId: string;
  /** The flow version this run walks, whatever versions are saved after it starts. */
  version: number;
  customerId: string;
  /** The event that started the run. */
  trigger: JourneyEvent;
  /** Where a run that continued as new picks up. */
  resume?: FlowResume;
  /** Events a run takes before it continues as new (default 1 000; tests lower it). */
  maxEventsPerRun?: number;
}

/** The state a run hands to its continuation: its history had grown long with the events sent to it. */
export interface FlowResume {
  /** The action to go on with, and whether its delay is over already (it was waiting for an event). */
  next: number;
  delayDone: boolean;
  clock: number;
  completed: StepOutcome[];
  /** Ids of the latest events seen, so a repeat is still recognised. */
  seen: string[];
  kept: JourneyEvent[];
}

const MAX_EVENTS_PER_RUN = 1000;
const MAX_SEEN_CARRIED = 500;

/** Events kept for a later wait_for_event; more than this many unclaimed ones are dropped (oldest kept). */
const MAX_KEPT_EVENTS = 100;

/**
 * A marketer flow: one generic workflow that walks a saved flow version's
 * actions in order. Each action waits its delay — counted from when the previous action was due, or from
 * when a wait_for_event ended — then runs: a message (email, SMS, push, webhook), a tag, a wait for an
 * event (with a timeout), or a branch on a customer attribute. An event of the flow's `exit_on` types ends
 * the run at once, in any step.
 */
export async function flowRun(input: FlowRunInput): Promise<JourneyResult> {
  const run = new JourneyRun(flowJourneyKey(input.flowId), input.customerId);
  const { workflowId, startTime } = workflowInfo();
  const triggerAt = input.trigger.occurredAt ? Date.parse(input.trigger.occurredAt) : null;
  let flow: FlowVersion | null = null;
  /** Events a later wait_for_event may claim, in arrival order (an awaited event may come early). */
  const kept: JourneyEvent[] = [];
  /** Events that came before the version was loaded. */
  const early: JourneyEvent[] = [];
  const seen: string[] = [];
  /** Every event signalled to this run (repeats too): each one is history. */
  let received = 0;
  const historyLong = () => received >= (input.maxEventsPerRun ?? MAX_EVENTS_PER_RUN) || workflowInfo().continueAsNewSuggested;

  const onEvent = (event: JourneyEvent) => {
    if (!flow) return void early.push(event);
    if (!run.accept(event)) return;
    seen.push(event.id);
    // A late event from before the trigger (events travel out of order) does not concern this run.
    if (triggerAt !== null && event.occurredAt && Date.parse(event.occurredAt) < triggerAt) return;
    if (flow.exitOn.includes(event.type)) return run.exit(`exit_on:${event.type}`);
    if (flow.steps.some((s) => s.type === 'wait_for_event' && s.event === event.type) && kept.length < MAX_KEPT_EVENTS) kept.push(event);
  };
  // The trigger arrives again as signalWithStart's signal: seen already.
  run.accept(input.trigger);
  const resume = input.resume;
  for (const id of resume?.seen ?? []) run.accept({ id, type: '' });
  run.completed.push(...(resume?.completed ?? []));
  kept.push(...(resume?.kept ?? []));
  setHandler(statusQuery, () => run.status());
  setHandler(exitSignal, ({ reason }) => run.exit(reason));
  setHandler(journeyEventSignal, (event) => {
    received++;
    onEvent(event);
  });

  flow = await getFlowVersion(input.flowId, input.version);
  if (!flow) return { outcome: 'disabled', steps: [] };
  // The status query reports the version through the run's configuration.
  run.config = { key: run.journey, version: flow.version, enabled: true, steps: [] };
  early.splice(0).forEach(onEvent);

  const vars = {
    event: { id: input.trigger.id, type: input.trigger.type, properties: input.trigger.properties ?? {} },
    flow: { id: flow.flowId, name: flow.name, version: flow.version },
  };
  const steps = flow.steps;
  /** When the previous action was due: delays count from it, not from when a slow send finished. */
  let clock = resume?.clock ?? startTime.getTime();
  /** Continues as new from action `next`; the next run walks the same version from there. */
  const startAfresh = async (next: number, delayDone: boolean) => {
    await condition(allHandlersFinished);
    const carried: FlowResume = { next, delayDone, clock, completed: run.completed, seen: seen.slice(-MAX_SEEN_CARRIED), kept };
    return continueAsNew<typeof flowRun>({ ...input, resume: carried });
  };
  for (let i = resume?.next ?? 0; i < steps.length && run.exited === null; i++) {
    const step = steps[i]!;
    const key = `${i}-${step.type}`;
    if (!(resume?.delayDone && i === resume.next)) {
      const due = clock + step.delayMs;
      const slept = await run.sleepUntil(due, key, historyLong);
      if (slept === 'exited') break;
      if (slept === 'restarted') return startAfresh(i, false);
      clock = due;
    }

    if (step.type === 'wait_for_event') {
      const claimable = () => kept.findIndex((e) => e.type === step.event);
      const waited = await run.sleepUntil(clock + step.timeoutMs, key, () => claimable() >= 0 || historyLong());
      if (waited === 'exited') break;
      if (waited === 'restarted' && claimable() < 0) return startAfresh(i, true);
      // The next delay counts from the event's arrival, or from the timeout.
      clock = waited === 'restarted' ? Date.now() : clock + step.timeoutMs;
      if (waited === 'restarted') {
        const [event] = kept.splice(claimable(), 1);
        record(run, { step: key, status: 'done', reason: `received ${event!.id}` });
      } else {
        record(run, { step: key, status: 'done', reason: 'timed_out' });
        if (step.onTimeout === 'exit') run.exit(`timed_out:${step.event}`);
      }
    } else if (step.type === 'branch') {
      const matched = await checkFlowBranch({ customerId: input.customerId, attribute: step.attribute, op: step.op, value: step.value });
      record(run, { step: key, status: 'done', reason: matched ? 'matched' : 'not_matched' });
      const outcome: BranchOutcome = matched ? step.ifTrue : step.ifFalse;
      if (outcome === 'exit') run.exit(`branch:${i}`);
      else if (typeof outcome === 'object') i += outcome.skip;
    } else if (step.type === 'add_tag') {
      const { status, reason } = await addTag({ customerId: input.customerId, tag: step.tag });
      record(run, { step: key, status: status === 'sent' ? 'done' : status, reason });
    } else {
      await send(run, step, key, `${workflowId}/${input.trigger.id}/${key}`, vars);
    }
  }
  return run.result();
}

type SendStep = Extract<FlowStep, { type: 'send_email' | 'send_sms' | 'send_push' | 'send_wechat' | 'send_webhook' }>;

/** The channel of each send action whose template is the channel's parts as they are. */
const PROVIDER_CHANNEL = { send_sms: 'sms', send_push: 'push', send_wechat: 'wechat' } as const;

/**
 * One message. Its idempotency key carries the trigger event's id: a flow's workflow id is reused by the
 * customer's next run (after this one closed), and that run's messages are new touches.
 */
async function send(run: JourneyRun, step: SendStep, stepKey: string, idempotencyKey: string, vars: Record<string, unknown>) {
  const { workflowId } = workflowInfo();
  const common = {
    idempotencyKey,
    customerId: run.customerId,
    journeyKey: run.journey,
    journeyVersion: run.config?.version ?? null,
    workflowId,
    stepKey,
    vars,
  };
  // A message to the customer waits out quiet hours and frequency caps (a webhook is a call to a system, not
  // a touch). Runs recorded before pacing existed replay without it.
  if (step.type !== 'send_webhook' && patched('pacing')) {
    const channel = step.type === 'send_email' ? 'email' : PROVIDER_CHANNEL[step.type];
    const { vars: _, ...touch } = common;
    const paced = await run.pace({ ...touch, channel, transactional: false });
    if (paced === 'skipped') return record(run, { step: stepKey, status: 'skipped', reason: 'frequency_cap' });
    if (paced !== 'go') return;
  }
  const result =
    step.type === 'send_email'
      ? await sendEmail({ ...common, template: step.template })
      : step.type === 'send_webhook'
        ? await sendMessage({ ...common, channel: 'webhook', url: step.url, template: step.template ? { body: step.template } : {} })
        : await sendMessage({ ...common, channel: PROVIDER_CHANNEL[step.type], template: step.template });
  record(run, { step: stepKey, status: result.status, reason: result.reason });
  // An erased customer leaves the flow; one who opted out of one channel still gets the others.
  if (result.status === 'skipped' && result.reason === 'erased') run.exit('erased');
}

function record(run: JourneyRun, outcome: StepOutcome) {
  run.completed.push(outcome.reason === undefined ? { step: outcome.step, status: outcome.status } : outcome);
}
