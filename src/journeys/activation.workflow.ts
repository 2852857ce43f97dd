import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import { activationEventOf } from '../domain/activation.js';
import { type ConfiguredStart, exitSignal, journeyEventSignal, type JourneyResult, JourneyRun, statusQuery } from '../steps/steps.js';

const { customerActivated } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

export interface ActivationInput extends ConfiguredStart {
  customerId: string;
}

/**
 * Activation, one run per signup: a customer who has not reached the key action (their first order, or the
 * event type the configuration names) is nudged, then offered a coupon. The action ends the run at once:
 * the API signals it, and before each send the run asks the database, for an action the signal missed
 * (one made before the signup, or while this run was starting).
 */
export async function activation(input: ActivationInput): Promise<JourneyResult> {
  const run = new JourneyRun('activation', input.customerId);
  // Known once the configuration is loaded; events signalled before that are kept by type until then.
  let keyAction: string | null = null;
  const seenTypes = new Set<string>();
  setHandler(statusQuery, () => run.status());
  setHandler(exitSignal, ({ reason }) => run.exit(reason));
  setHandler(journeyEventSignal, (event) => {
    if (!run.accept(event)) return;
    seenTypes.add(event.type);
    if (event.type === keyAction) run.exit('activated');
    if (event.type === 'unsubscribed') run.exit('unsubscribed');
  });

  if (!(await run.load(input))) return { outcome: 'disabled', steps: [] };
  const action = activationEventOf(run.config!.settings);
  keyAction = action;
  const activated = () => customerActivated(input.customerId, action);

  if (seenTypes.has(action) || (await activated())) run.exit('activated');
  for (const step of run.config!.steps) {
    if (run.exited !== null || (await run.waitFor(step)) === 'exited') break;
    if (await activated()) {
      run.exit('activated');
      break;
    }
    await run.send(step);
  }
  return run.result();
}
