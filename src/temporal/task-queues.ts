// Each workload polls a task queue of its own, with worker slots of its own, so that a burst of one (ten
// thousand signups) never queues ahead of another (a broadcast's batches, an hourly sweep).
//
// The journeys keep the configured name itself: their runs sleep for days and weeks, and a run keeps the
// task queue it was started on, so those started before the split are still served. Campaigns and the
// maintenance work (schedules: refreshes, sweeps, holiday campaigns) get their own queues derived from it.
// A run started before the split on the journeys' queue (a broadcast under way) is still served there:
// every worker registers every workflow and activity.

export interface TaskQueues {
  /** Journeys and flows: welcome, cart recovery, churn win-back, birthday, tier upgrade, flow runs. */
  journeys: string;
  /** Broadcasts: the campaign execution workflow and its batch activities. */
  campaigns: string;
  /** Scheduled work: segment, insight and recommendation refreshes, the churn sweep, holiday campaigns. */
  maintenance: string;
}

export const WORKLOADS = ['journeys', 'campaigns', 'maintenance'] as const satisfies ReadonlyArray<keyof TaskQueues>;
export type Workload = (typeof WORKLOADS)[number];

/** The task queues of a deployment whose TEMPORAL_TASK_QUEUE is `prefix`. */
export function taskQueues(prefix: string): TaskQueues {
  return { journeys: prefix, campaigns: `${prefix}-campaigns`, maintenance: `${prefix}-maintenance` };
}
