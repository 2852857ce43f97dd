import { msToNumber } from '@temporalio/common/lib/time.js';
import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import { type ConfiguredStart, exitSignal, type JourneyResult, JourneyRun, type JourneyStatus, statusQuery } from '../steps/steps.js';

const { customerActiveSince, sweepInactiveCustomers } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const LATE_GRACE = 86_400_000;

export interface ChurnWinBackInput extends ConfiguredStart {
  customerId: string;
  /** The customer's last activity (epoch ms): the silence this run is about. */
  lastActivityAt: number;
}

export interface ChurnStatus extends JourneyStatus {
  lastActivityAt: string;
}

/**
 * Churn win-back, one run per silence, started by the sweep below once a customer has been
 * quiet for the first step's offset: "we miss you" at 30 days, an offer at 45, a final recall at 60, all
 * counted from the last activity. Activity ends the run: the API signals it, and before each send the run
 * checks for activity the signal may have missed (it raced this run's start).
 */
export async function churnWinBack(input: ChurnWinBackInput): Promise<JourneyResult> {
  const run = new JourneyRun('churn_win_back', input.customerId);
  setHandler(statusQuery, (): ChurnStatus => ({ ...run.status(), lastActivityAt: new Date(input.lastActivityAt).toISOString() }));
  setHandler(exitSignal, ({ reason }) => run.exit(reason));

  if (!(await run.load(input))) return { outcome: 'disabled', steps: [] };
  const steps = run.config!.steps;
  // Found more than a day late (sweeps were off, or the customer was imported long quiet): the series
  // starts now with its first message, keeping its spacing, instead of sending every overdue message at once.
  const startedAt = workflowInfo().startTime.getTime();
  run.startClockAt(Math.max(input.lastActivityAt, startedAt - msToNumber(steps[0]?.offset ?? 0) - LATE_GRACE));

  for (const step of steps) {
    if ((await run.waitFor(step)) === 'exited') break;
    if (await customerActiveSince(input.customerId, input.lastActivityAt)) {
      run.exit('reactivated');
      break;
    }
    await run.send(step);
    if (run.exited !== null) break;
  }
  return run.result();
}

export interface ChurnSweepInput {
  /** The sweep's "now" (epoch ms), kept across continue-as-new so one sweep has one cutoff. */
  now?: number;
  /** Runs started by earlier runs of this sweep (continue-as-new). */
  startedBefore?: number;
}

const PAGE = 500;
const PAGES_PER_RUN = 100;

/**
 * Starts a churn win-back run for every customer quiet for longer than the journey's first offset and not
 * in one for this silence yet: an index range scan over customers' last activity, page by page. Run by a
 * Temporal Schedule (hourly by default) and on demand through the API.
 */
export async function churnSweep(input: ChurnSweepInput = {}): Promise<{ started: number }> {
  const now = input.now ?? Date.now();
  let started = input.startedBefore ?? 0;
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const result = await sweepInactiveCustomers({ now, limit: PAGE });
    started += result.started;
    if (result.found < PAGE) return { started };
  }
  // A very large backlog: a fresh history every PAGES_PER_RUN pages.
  return continueAsNew<typeof churnSweep>({ now, startedBefore: started });
}
