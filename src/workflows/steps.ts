// Plumbing shared by every journey, so each journey file reads like the flow a marketer draws.
import { msToNumber } from '@temporalio/common/lib/time.js';
import { condition, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { JourneyConfig, JourneyStep } from '../domain/journey-config.js';
import { JourneyStepKey } from '../temporal/search-attributes.js';

const { getJourneyConfig, issueCoupon, sendEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Transient failures (SMTP or database down) retry until they succeed; the step stays where it is.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export type ExitReason = 'unsubscribed' | 'erased' | 'cancelled';

export interface StepOutcome {
  step: string;
  status: 'sent' | 'skipped' | 'failed';
  reason?: string;
}

export interface JourneyStatus {
  journey: string;
  version: number | null;
  customerId: string;
  currentStep: string | null;
  nextWakeUp: string | null;
  completed: StepOutcome[];
  exited: ExitReason | null;
}

export interface JourneyResult {
  outcome: 'completed' | 'exited' | 'disabled';
  reason?: ExitReason | string;
  steps: StepOutcome[];
}

/** The state of one journey run; its status() is what the status query returns. */
export class JourneyRun {
  config: JourneyConfig | null = null;
  exited: ExitReason | null = null;
  readonly completed: StepOutcome[] = [];
  private currentStep: string | null = null;
  private nextWakeUp: number | null = null;
  /** Offsets count from when the journey was started (the signup), not from when a worker first ran it. */
  private readonly startedAt = workflowInfo().startTime.getTime();

  constructor(
    readonly journey: string,
    readonly customerId: string,
  ) {}

  /** Loads the configuration version this run keeps for its whole life. */
  async load(): Promise<JourneyConfig | null> {
    this.config = await getJourneyConfig(this.journey);
    return this.config?.enabled ? this.config : null;
  }

  exit(reason: ExitReason): void {
    this.exited ??= reason;
  }

  /** Sleeps until the step's offset from the start of the journey; false when the journey exited meanwhile. */
  async waitFor(step: JourneyStep): Promise<boolean> {
    this.enter(step.key);
    const due = this.startedAt + msToNumber(step.offset);
    const wait = due - Date.now();
    if (wait > 0) {
      this.nextWakeUp = due;
      await condition(() => this.exited !== null, wait);
      this.nextWakeUp = null;
    }
    return this.exited === null;
  }

  /** Sends a step's message once, issuing its coupon first when it has one. */
  async send(step: JourneyStep): Promise<StepOutcome> {
    const key = `${workflowInfo().workflowId}/${step.key}`;
    const coupon = step.coupon
      ? await issueCoupon({ idempotencyKey: key, customerId: this.customerId, journeyKey: this.journey, ...step.coupon })
      : undefined;
    const result = await sendEmail({
      idempotencyKey: key,
      customerId: this.customerId,
      journeyKey: this.journey,
      journeyVersion: this.config?.version ?? null,
      workflowId: workflowInfo().workflowId,
      stepKey: step.key,
      template: step.template,
      vars: coupon ? { coupon } : {},
    });
    const outcome: StepOutcome = { step: step.key, status: result.status, reason: result.reason };
    this.completed.push(outcome);
    // A customer who can no longer be reached (opted out, erased) leaves the journey.
    if (result.status === 'skipped' && (result.reason === 'unsubscribed' || result.reason === 'erased')) this.exit(result.reason);
    return outcome;
  }

  result(): JourneyResult {
    this.enter(null);
    return this.exited
      ? { outcome: 'exited', reason: this.exited, steps: this.completed }
      : { outcome: 'completed', steps: this.completed };
  }

  status(): JourneyStatus {
    return {
      journey: this.journey,
      version: this.config?.version ?? null,
      customerId: this.customerId,
      currentStep: this.currentStep,
      nextWakeUp: this.nextWakeUp === null ? null : new Date(this.nextWakeUp).toISOString(),
      completed: this.completed,
      exited: this.exited,
    };
  }

  private enter(step: string | null): void {
    this.currentStep = step;
    upsertSearchAttributes([{ key: JourneyStepKey, value: step ?? 'done' }]);
  }
}
