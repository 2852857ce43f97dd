// Temporal Schedules the app keeps: created at start-up, updated when the configuration changes.
import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import { churnSweep } from '../workflows/churn-win-back.js';
import { insightsRefresh } from '../workflows/insights-refresh.js';

export const churnSweepScheduleId = 'touchpoint-churn-sweep';

/**
 * The churn win-back sweep every `everyMinutes` (0: none). Overlapping sweeps are skipped (one finds
 * everything due anyway), and after an outage one catch-up run is enough.
 */
export async function ensureChurnSweepSchedule(client: Client, taskQueue: string, everyMinutes: number): Promise<void> {
  const handle = client.schedule.getHandle(churnSweepScheduleId);
  if (everyMinutes === 0) {
    await handle.delete().catch((err: Error) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return;
  }
  const spec = { intervals: [{ every: `${everyMinutes} minutes` }] };
  const action = { type: 'startWorkflow' as const, workflowType: churnSweep, workflowId: 'churn-sweep', taskQueue, args: [{}] as [{}] };
  try {
    await client.schedule.create({
      scheduleId: churnSweepScheduleId,
      spec,
      action,
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...previous, spec, action }));
  }
}

export const insightsRefreshScheduleId = 'touchpoint-insights-refresh';

/**
 * The full customer-insights refresh (RFM, segment, tags) every `everyMinutes` (0: none). A refresh still
 * running when the next is due makes it skip (the next one recomputes everything anyway).
 */
export async function ensureInsightsRefreshSchedule(client: Client, taskQueue: string, everyMinutes: number): Promise<void> {
  const handle = client.schedule.getHandle(insightsRefreshScheduleId);
  if (everyMinutes === 0) {
    await handle.delete().catch((err: Error) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return;
  }
  const spec = { intervals: [{ every: `${everyMinutes} minutes` }] };
  const action = { type: 'startWorkflow' as const, workflowType: insightsRefresh, workflowId: 'insights-refresh', taskQueue, args: [] as [] };
  try {
    await client.schedule.create({ scheduleId: insightsRefreshScheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1 hour' } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...previous, spec, action }));
  }
}
