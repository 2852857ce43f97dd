// Temporal Schedules the app keeps, one set per workspace (of the workspace the caller acts for): created at
// start-up and when a workspace is created, updated when the configuration changes.
import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import {
  churnSweepScheduledWorkflowId,
  churnSweepScheduleId,
  insightsRefreshScheduledWorkflowId,
  insightsRefreshScheduleId,
  recommendationsScheduledWorkflowId,
  recommendationsScheduleId,
  segmentsRefreshScheduledWorkflowId,
  segmentsRefreshScheduleId,
  workspaceSearchAttribute,
} from './workflow-ids.js';

/**
 * A schedule starting `workflowType` every `everyMinutes` (0: none, and an existing one is deleted).
 * Overlapping runs are skipped (the next one does the whole job anyway), and after an outage one catch-up
 * run is enough. Creating it again (every process does at start) updates it.
 */
async function ensureIntervalSchedule(
  client: Client,
  scheduleId: string,
  everyMinutes: number,
  // By its type name (the workflow function's name): infrastructure imports no feature's workflow module.
  action: {
    workflowType: 'churnSweep' | 'recommendationsRefresh' | 'segmentsRefresh' | 'insightsRefresh';
    workflowId: string;
    taskQueue: string;
    args: [] | [Record<string, never>];
  },
): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  if (everyMinutes === 0) {
    await handle.delete().catch((err: Error) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return;
  }
  const spec = { intervals: [{ every: `${everyMinutes} minutes` }] };
  const startWorkflow = { type: 'startWorkflow' as const, ...action, typedSearchAttributes: [workspaceSearchAttribute()] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action: startWorkflow,
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...previous, spec, action: startWorkflow }));
  }
}

/** The churn win-back sweep every `everyMinutes` (0: none). */
export function ensureChurnSweepSchedule(client: Client, taskQueue: string, everyMinutes: number): Promise<void> {
  return ensureIntervalSchedule(client, churnSweepScheduleId(), everyMinutes, {
    workflowType: 'churnSweep',
    workflowId: churnSweepScheduledWorkflowId(),
    taskQueue,
    args: [{}],
  });
}

/** The item-similarity refresh behind recommendations every `everyMinutes` (0: none). */
export function ensureRecommendationsSchedule(client: Client, taskQueue: string, everyMinutes: number): Promise<void> {
  return ensureIntervalSchedule(client, recommendationsScheduleId(), everyMinutes, {
    workflowType: 'recommendationsRefresh',
    workflowId: recommendationsScheduledWorkflowId(),
    taskQueue,
    args: [],
  });
}

/** The refresh of every dynamic segment's members every `everyMinutes` (0: none). */
export function ensureSegmentsRefreshSchedule(client: Client, taskQueue: string, everyMinutes: number): Promise<void> {
  return ensureIntervalSchedule(client, segmentsRefreshScheduleId(), everyMinutes, {
    workflowType: 'segmentsRefresh',
    workflowId: segmentsRefreshScheduledWorkflowId(),
    taskQueue,
    args: [{}],
  });
}

/** The full customer-insights refresh (RFM, segment, tags) every `everyMinutes` (0: none). */
export function ensureInsightsRefreshSchedule(client: Client, taskQueue: string, everyMinutes: number): Promise<void> {
  return ensureIntervalSchedule(client, insightsRefreshScheduleId(), everyMinutes, {
    workflowType: 'insightsRefresh',
    workflowId: insightsRefreshScheduledWorkflowId(),
    taskQueue,
    args: [],
  });
}

/** How often each workspace's schedules run, in minutes (0: that schedule is not kept). */
export interface ScheduleMinutes {
  churnSweep: number;
  segmentsRefresh: number;
  recommendations: number;
  insightsRefresh: number;
}

/**
 * The current workspace's four schedules as configured. A schedule Temporal refuses is reported to `log`
 * and the others are still kept (a cluster without Schedules still runs journeys).
 */
export async function ensureWorkspaceSchedules(client: Client, taskQueue: string, minutes: ScheduleMinutes, log: (line: string) => void) {
  const kept: Array<[string, () => Promise<void>]> = [
    [churnSweepScheduleId(), () => ensureChurnSweepSchedule(client, taskQueue, minutes.churnSweep)],
    [segmentsRefreshScheduleId(), () => ensureSegmentsRefreshSchedule(client, taskQueue, minutes.segmentsRefresh)],
    [recommendationsScheduleId(), () => ensureRecommendationsSchedule(client, taskQueue, minutes.recommendations)],
    [insightsRefreshScheduleId(), () => ensureInsightsRefreshSchedule(client, taskQueue, minutes.insightsRefresh)],
  ];
  for (const [id, ensure] of kept) await ensure().catch((err: Error) => log(`could not keep the schedule ${id}: ${err.message}`));
}
