import { type Client, type SignalDefinition, WorkflowNotFoundError } from '@temporalio/client';

/** Signals a run that may have ended (or never started): true when it was delivered, false when no run is open. */
export async function signalIfRunning<A extends unknown[]>(
  client: Client,
  workflowId: string,
  signal: SignalDefinition<A>,
  ...args: A
): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).signal(signal, ...args);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
