// The minimal workflow bench/journeys.ts compares a welcome journey with: started by signalWithStart with
// the signup as its signal, it sends the welcome email in one activity and ends. Bundled by the bench with
// the SDK's bundler and run by a Worker of its own, on a task queue of its own, in the bench process.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

export interface BaselineRecipient {
  customerId: string;
  email: string;
  name: string;
}

export interface BaselineActivities {
  sendWelcome(recipient: BaselineRecipient, eventId: string): Promise<void>;
}

export const signupSignal = defineSignal<[{ eventId: string }]>('signup');

const { sendWelcome } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

export async function baselineWelcome(recipient: BaselineRecipient): Promise<void> {
  let eventId: string | undefined;
  setHandler(signupSignal, (signal) => {
    eventId ??= signal.eventId;
  });
  await condition(() => eventId !== undefined);
  await sendWelcome(recipient, eventId!);
}
