import { setHandler } from '@temporalio/workflow';
import { exitSignal, JourneyRun, type JourneyResult, journeyEventSignal, statusQuery } from '../steps/steps.js';

export interface WelcomeInput {
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

  if (!(await run.load())) return { outcome: 'disabled', steps: [] };
  await run.runSteps();
  return run.result();
}
