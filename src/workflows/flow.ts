import { proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { type BranchOutcome, flowJourneyKey, type FlowStep, type FlowVersion } from '../domain/flow-types.js';
import { exitSignal, type JourneyEvent, type JourneyResult, JourneyRun, journeyEventSignal, statusQuery, type StepOutcome } from './steps.js';

const { getFlowVersion, sendEmail, sendMessage, addTag, checkFlowBranch } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Transient failures (a provider's 5xx, SMTP or database down) retry until they succeed.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface FlowRunInput {
  flowId: string;
  /** The flow version this run walks, whatever versions are saved after it starts. */
  version: number;
  customerId: string;
  /** The event that started the run. */
  trigger: JourneyEvent;
}

/** Events kept for a later wait_for_event; more than this many unclaimed ones are dropped (oldest kept). */
const MAX_KEPT_EVENTS = 100;

/**
 * A marketer flow (seed 000's automation engine): one generic workflow that walks a saved flow version's
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

  const onEvent = (event: JourneyEvent) => {
    if (!flow) return void early.push(event);
    if (!run.accept(event)) return;
    // A late event from before the trigger (events travel out of order) does not concern this run.
    if (triggerAt !== null && event.occurredAt && Date.parse(event.occurredAt) < triggerAt) return;
    if (flow.exitOn.includes(event.type)) return run.exit(`exit_on:${event.type}`);
    if (flow.steps.some((s) => s.type === 'wait_for_event' && s.event === event.type) && kept.length < MAX_KEPT_EVENTS) kept.push(event);
  };
  // The trigger arrives again as signalWithStart's signal: seen already.
  run.accept(input.trigger);
  setHandler(statusQuery, () => run.status());
  setHandler(exitSignal, ({ reason }) => run.exit(reason));
  setHandler(journeyEventSignal, onEvent);

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
  let clock = startTime.getTime();
  for (let i = 0; i < steps.length && run.exited === null; i++) {
    const step = steps[i]!;
    const key = `${i}-${step.type}`;
    const due = clock + step.delayMs;
    if ((await run.sleepUntil(due, key)) === 'exited') break;
    clock = due;

    if (step.type === 'wait_for_event') {
      const claimable = () => kept.findIndex((e) => e.type === step.event);
      const waited = await run.sleepUntil(clock + step.timeoutMs, key, () => claimable() >= 0);
      if (waited === 'exited') break;
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

type SendStep = Extract<FlowStep, { type: 'send_email' | 'send_sms' | 'send_push' | 'send_webhook' }>;

/**
 * One message. Its idempotency key carries the trigger event's id: a flow's workflow id is reused by the
 * customer's next run (after this one closed), and that run's messages are new touches.
 */
async function send(run: JourneyRun, step: SendStep, stepKey: string, idempotencyKey: string, vars: Record<string, unknown>) {
  const { workflowId } = workflowInfo();
  const common = { idempotencyKey, customerId: run.customerId, journeyKey: run.journey, journeyVersion: run.config?.version ?? null, workflowId, stepKey, vars };
  const result =
    step.type === 'send_email'
      ? await sendEmail({ ...common, template: step.template })
      : step.type === 'send_webhook'
        ? await sendMessage({ ...common, channel: 'webhook', url: step.url, template: step.template ? { body: step.template } : {} })
        : await sendMessage({ ...common, channel: step.type === 'send_sms' ? 'sms' : 'push', template: step.template });
  record(run, { step: stepKey, status: result.status, reason: result.reason });
  // An erased customer leaves the flow; one who opted out of one channel still gets the others.
  if (result.status === 'skipped' && result.reason === 'erased') run.exit('erased');
}

function record(run: JourneyRun, outcome: StepOutcome) {
  run.completed.push(outcome.reason === undefined ? { step: outcome.step, status: outcome.status } : outcome);
}
