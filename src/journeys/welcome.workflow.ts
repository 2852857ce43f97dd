import { setHandler } from '@temporalio/workflow';
import { type ConfiguredStart, exitSignal, journeyEventSignal, type JourneyResult, JourneyRun, statusQuery } from '../steps/steps.js';

export interface WelcomeInput extends ConfiguredStart {
  customerId: string;
}

/** Welcome series: welcome email at once, onboarding guide after 24 h, a coupon after 7 days. */
export async function welcome(input: WelcomeInput): Promise<JourneyResult> {
  const run = new JourneyRun('welcome', input.customerId);
  setHandler(statusQuery, () => run.status());
  setHandler(exitSignal, ({ reason }) => run.exit(reason));
  setHandler(journeyEventSignal, (event) => {
    if (run.accept(event) && event.type === 'unsubscribed') run.exit('unsubscribed');
  });

  if (!(await run.load(input))) return { outcome: 'disabled', steps: [] };
  await run.runSteps();
  return run.result();
}
