// The one module that starts, signals and queries journey workflows for the API. Workflow ids live here.
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ExitReason, JourneyStatus } from '../workflows/steps.js';
import { exitSignal, type JourneyEvent, journeyEventSignal, statusQuery, welcome } from '../workflows/welcome.js';
import { CustomerIdKey, JourneyKeyKey } from '../temporal/search-attributes.js';

export const welcomeWorkflowId = (customerId: string) => `welcome/${customerId}`;

/** Journeys with at most one run per customer, by their workflow id. */
const perCustomerJourneys: Record<string, (customerId: string) => string> = { welcome: welcomeWorkflowId };

export interface IncomingEvent extends JourneyEvent {
  customerId: string;
}

export type DispatchOutcome = { journey: string; workflowId: string; result: 'dispatched' | 'already_completed' };

export interface ActiveJourney {
  journey: string;
  workflowId: string;
  runId: string;
  startedAt: string;
  status?: JourneyStatus;
}

export interface Journeys {
  /** Routes one stored event to the journeys it starts or concerns. Safe to repeat: journeys dedupe by event id. */
  dispatch(event: IncomingEvent): Promise<DispatchOutcome[]>;
  /** Ends every running journey of the customer (unsubscribe, erasure). Returns how many were running. */
  exitAll(customerId: string, reason: ExitReason): Promise<number>;
  active(customerId: string): Promise<ActiveJourney[]>;
}

export function createJourneys(client: Client, taskQueue: string): Journeys {
  async function startWelcome(event: IncomingEvent): Promise<DispatchOutcome> {
    const workflowId = welcomeWorkflowId(event.customerId);
    try {
      await client.workflow.signalWithStart(welcome, {
        workflowId,
        taskQueue,
        args: [{ customerId: event.customerId }],
        signal: journeyEventSignal,
        signalArgs: [{ id: event.id, type: event.type, properties: event.properties }],
        // One welcome journey per customer, ever (within the namespace's retention).
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: CustomerIdKey, value: event.customerId },
          { key: JourneyKeyKey, value: 'welcome' },
        ],
      });
      return { journey: 'welcome', workflowId, result: 'dispatched' };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { journey: 'welcome', workflowId, result: 'already_completed' };
      throw err;
    }
  }

  return {
    async dispatch(event) {
      if (event.type === 'user_signup') return [await startWelcome(event)];
      return [];
    },

    async exitAll(customerId, reason) {
      let exited = 0;
      for (const workflowIdOf of Object.values(perCustomerJourneys)) {
        try {
          await client.workflow.getHandle(workflowIdOf(customerId)).signal(exitSignal, { reason });
          exited++;
        } catch (err) {
          // Not found, or already closed: nothing to end.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return exited;
    },

    async active(customerId) {
      const runs: ActiveJourney[] = [];
      for (const [journey, workflowIdOf] of Object.entries(perCustomerJourneys)) {
        const handle = client.workflow.getHandle(workflowIdOf(customerId));
        try {
          const d = await handle.describe();
          if (d.status.name !== 'RUNNING') continue;
          const status = await handle.query(statusQuery).catch(() => undefined);
          runs.push({ journey, workflowId: d.workflowId, runId: d.runId, startedAt: d.startTime.toISOString(), status });
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return runs;
    },
  };
}
