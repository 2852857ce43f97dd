// Plumbing shared by every journey, so each journey file reads like the flow a marketer draws.
import { msToNumber } from '@temporalio/common/lib/time.js';
import { condition, defineQuery, defineSignal, patched, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import type { ReserveInput } from '../delivery/pacing.activities.js';
import type { JourneyConfig, JourneyStep } from '../domain/journey-config.js';
import { JourneyStepKey } from '../temporal/search-attributes.js';

const { getJourneyConfig, issueCoupon, sendEmail, sendEmailTouch, createCrmTask, reserveTouch } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Transient failures (SMTP or database down) retry until they succeed; the step stays where it is. At
  // most 10 s apart, so sending resumes within seconds of an outage's end.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/** A customer event routed to a running journey (signalWithStart carries the triggering one). */
export interface JourneyEvent {
  id: string;
  type: string;
  properties?: Record<string, unknown>;
  /** When it happened (ISO 8601), as stored by the API. */
  occurredAt?: string;
}

/** Why a journey ended early: unsubscribed, erased, cancelled, or a journey's own reason (purchased, …). */
export type ExitReason = string;

export const journeyEventSignal = defineSignal<[JourneyEvent]>('journeyEvent');
export const exitSignal = defineSignal<[{ reason: ExitReason }]>('exit');
export const statusQuery = defineQuery<JourneyStatus>('status');

export interface StepOutcome {
  step: string;
  /**
   * 'done': a step that sends nothing (a flow's add_tag, wait_for_event, branch); 'uncertain': handed over by
   * an attempt that died before recording the answer (not sent again).
   */
  status: 'sent' | 'skipped' | 'failed' | 'uncertain' | 'done';
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
  reason?: ExitReason;
  steps: StepOutcome[];
}

export type WaitResult = 'due' | 'exited' | 'restarted';

/**
 * What a journey's start carries besides its own input: the configuration version it runs, read by whoever
 * started it (src/journeys/execute.ts) — so the run needs no activity to load it. Runs started without it
 * (before it was carried) load it themselves; `null`: the journey has no configuration.
 */
export interface ConfiguredStart {
  config?: JourneyConfig | null;
}

/** The state of one journey run; its status() is what the status query returns. */
export class JourneyRun {
  config: JourneyConfig | null = null;
  exited: ExitReason | null = null;
  readonly completed: StepOutcome[] = [];
  private currentStep: string | null = null;
  private nextWakeUp: number | null = null;
  /** Offsets count from when the journey was started (the signup), not from when a worker first ran it. */
  private clockStart = workflowInfo().startTime.getTime();
  /** Bumped by restartClock(); part of each send's idempotency key, so a restarted step sends anew. */
  private generation = 0;
  private readonly seenEvents = new Set<string>();

  constructor(
    readonly journey: string,
    readonly customerId: string,
  ) {}

  /**
   * The configuration version this run keeps for its whole life: the one its start carried, else the newest
   * (an activity). Which of the two is in the run's input, so replay takes the same path.
   */
  async load(start: ConfiguredStart = {}): Promise<JourneyConfig | null> {
    this.config = start.config !== undefined ? start.config : await getJourneyConfig(this.journey);
    return this.config?.enabled ? this.config : null;
  }

  exit(reason: ExitReason): void {
    this.exited ??= reason;
  }

  /** False for an event this run has seen already: producers and the API may deliver one twice. */
  accept(event: JourneyEvent): boolean {
    if (this.seenEvents.has(event.id)) return false;
    this.seenEvents.add(event.id);
    return true;
  }

  /** Counts the step offsets from `at` instead of the run's start (before the first wait). */
  startClockAt(at: number): void {
    this.clockStart = at;
  }

  /** Starts the step offsets again from now (e.g. the cart changed); a pending wait returns 'restarted'. */
  restartClock(): void {
    this.clockStart = Date.now();
    this.generation++;
  }

  /** Sleeps until the step's offset from the clock's start, unless the journey exits or its clock restarts. */
  async waitFor(step: JourneyStep): Promise<WaitResult> {
    return this.sleepUntil(this.clockStart + msToNumber(step.offset), step.key);
  }

  /**
   * Sleeps until an instant the journey computed itself (e.g. a birthday), shown as the status's
   * nextWakeUp, unless the journey exits, its clock restarts or `interrupt` turns true ('restarted').
   */
  async sleepUntil(at: number, stepKey: string, interrupt: () => boolean = () => false): Promise<WaitResult> {
    this.enter(stepKey);
    const generation = this.generation;
    const restarted = () => this.generation !== generation || interrupt();
    const wait = at - Date.now();
    if (wait > 0) {
      this.nextWakeUp = at;
      await condition(() => this.exited !== null || restarted(), wait);
      this.nextWakeUp = null;
    }
    if (this.exited !== null) return 'exited';
    return restarted() ? 'restarted' : 'due';
  }

  /**
   * Runs one step once: an email (issuing its coupon first when it has one) or a CRM task. An email first
   * passes pacing: inside the customer's quiet hours or over a frequency cap it waits (a durable timer)
   * until it may go, or is skipped when caps are set to skip. Null: the clock restarted while it waited.
   */
  async send(step: JourneyStep, vars: Record<string, unknown> = {}): Promise<StepOutcome | null> {
    const { workflowId } = workflowInfo();
    // Generation 0 keeps the plain key, so runs started before clock restarts existed keep theirs.
    const key = `${workflowId}/${step.key}${this.generation ? `@${this.generation}` : ''}`;
    const common = { idempotencyKey: key, customerId: this.customerId, journeyKey: this.journey, stepKey: step.key };
    const journeyVersion = this.config?.version ?? null;
    let result;
    if (step.channel === 'crm_task') {
      result = await createCrmTask({ ...common, workflowId, task: step.task, vars });
    } else if (patched('email-touch-in-one')) {
      // Pacing, the coupon and the send in one activity; asked again after each deferral's timer.
      const touch = {
        ...common,
        journeyVersion,
        workflowId,
        channel: 'email' as const,
        transactional: step.transactional ?? false,
        ...(step.sendAt ? { sendAt: step.sendAt } : {}),
        template: step.template,
        vars,
        ...(step.coupon ? { coupon: step.coupon } : {}),
      };
      for (;;) {
        const answer = await sendEmailTouch({ ...touch, now: Date.now() });
        if (answer.status !== 'deferred') {
          result = answer;
          break;
        }
        // At least a minute: were the worker's and the database's clocks apart, no run spins on the activity.
        const waited = await this.sleepUntil(Math.max(Date.parse(answer.until), Date.now() + 60_000), step.key);
        if (waited === 'exited') return this.record({ step: step.key, status: 'skipped', reason: this.exited ?? 'exited' });
        if (waited === 'restarted') return null;
      }
    } else {
      // Runs from before one activity per touch replay the three they made.
      // Runs recorded before pacing existed replay without it.
      if (patched('pacing')) {
        const paced = await this.pace({
          ...common,
          journeyVersion,
          workflowId,
          channel: 'email',
          transactional: step.transactional ?? false,
          ...(step.sendAt ? { sendAt: step.sendAt } : {}),
        });
        if (paced === 'exited') return this.record({ step: step.key, status: 'skipped', reason: this.exited ?? 'exited' });
        if (paced === 'restarted') return null;
        if (paced === 'skipped') return this.record({ step: step.key, status: 'skipped', reason: 'frequency_cap' });
      }
      const coupon = step.coupon ? await issueCoupon({ ...common, ...step.coupon }) : undefined;
      result = await sendEmail({
        ...common,
        journeyVersion,
        workflowId,
        template: step.template,
        vars: coupon ? { ...vars, coupon } : vars,
      });
    }
    const outcome = this.record({ step: step.key, status: result.status, reason: result.reason });
    // A customer who can no longer be reached (opted out, erased) leaves the journey.
    if (result.status === 'skipped' && (result.reason === 'unsubscribed' || result.reason === 'erased')) this.exit(result.reason);
    return outcome;
  }

  /** Asks pacing until the message may go: sleeping through each deferral, unless the run exits or restarts. */
  async pace(input: Omit<ReserveInput, 'now'>): Promise<'go' | 'skipped' | WaitResult> {
    for (;;) {
      const decision = await reserveTouch({ ...input, now: Date.now() });
      if (decision.status === 'reserved') return 'go';
      if (decision.status === 'skipped') return 'skipped';
      // At least a minute: were the worker's and the database's clocks apart, no run spins on the activity.
      const waited = await this.sleepUntil(Math.max(Date.parse(decision.until), Date.now() + 60_000), input.stepKey);
      if (waited !== 'due') return waited;
    }
  }

  private record(outcome: StepOutcome): StepOutcome {
    this.completed.push(outcome);
    return outcome;
  }

  /**
   * Walks the configured steps in order: wait, then send. A clock restart goes back to the first step;
   * an exit ends the walk. `vars` is read at each send, so messages show the latest state.
   */
  async runSteps(vars: () => Record<string, unknown> = () => ({})): Promise<void> {
    const steps = this.config?.steps ?? [];
    for (let i = 0; i < steps.length && this.exited === null;) {
      const step = steps[i]!;
      const waited = await this.waitFor(step);
      if (waited === 'exited') break;
      if (waited === 'restarted') {
        i = 0;
        continue;
      }
      if ((await this.send(step, vars())) === null) {
        i = 0;
        continue;
      }
      i++;
    }
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

  /** Marks where a run that waits on events (not offsets) is: the status's currentStep and JourneyStep. */
  enterStep(step: string): void {
    this.enter(step);
  }

  private enter(step: string | null): void {
    this.currentStep = step;
    upsertSearchAttributes([{ key: JourneyStepKey, value: step ?? 'done' }]);
  }
}
