import type { WorkflowHandle } from '@temporalio/client';
import { exitSignal } from '../../src/steps/steps.js';

/**
 * Ends a journey run the way an exit does (the exit signal) and waits for it to close. Tests never
 * `terminate()` a run: the time-skipping test server keeps its clock locked for good when a run is
 * terminated while one of its workflow tasks is in flight, and every later `env.sleep` of the file then
 * waits in real time (seen as 120 s timeouts in whichever test sleeps next). Pass a handle of the plain
 * client (`stack.client`): the environment's own client would let time skip while it awaits the result.
 */
export async function endRun(handle: WorkflowHandle): Promise<void> {
  await handle.signal(exitSignal, { reason: 'cancelled' });
  await handle.result();
}
