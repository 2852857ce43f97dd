import { defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { type ExitReason, JourneyRun, type JourneyResult, type JourneyStatus } from './steps.js';

export interface WelcomeInput {
  customerId: string;
}

/** A customer event routed to the running journey (signalWithStart carries the triggering one). */
export interface JourneyEvent {
  id: string;
  type: string;
  properties?: Record<string, unknown>;
}

export const journeyEventSignal = defineSignal<[JourneyEvent]>('journeyEvent');
export const exitSignal = defineSignal<[{ reason: ExitReason }]>('exit');
export const statusQuery = defineQuery<JourneyStatus>('status');

/** Welcome series (seed 000): welcome email at once, onboarding guide after 24 h, a coupon after 7 days. */
export async function welcome(input: WelcomeInput): Promise<JourneyResult> {
  const run = new JourneyRun('welcome', input.customerId);
  setHandler(statusQuery, () => run.status());
  setHandler(exitSignal, ({ reason }) => run.exit(reason));
  setHandler(journeyEventSignal, (event) => {
    if (event.type === 'unsubscribed') run.exit('unsubscribed');
  });

  const config = await run.load();
  if (!config) return { outcome: 'disabled', steps: [] };

  for (const step of config.steps) {
    if (!(await run.waitFor(step))) break;
    await run.send(step);
    if (run.exited) break;
  }
  return run.result();
}
