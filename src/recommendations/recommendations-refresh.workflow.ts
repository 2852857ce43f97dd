import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';

const { refreshRecommendations } = proxyActivities<Activities>({
  // One statement over every order; large shops take minutes. The heartbeat finds a dead worker sooner.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 5 },
});

/**
 * Recomputes the item similarities recommendations read, from every order. Run by a Temporal Schedule
 * (every 6 hours by default) and on demand through the API.
 */
export async function recommendationsRefresh(): Promise<{ items: number; pairs: number; ms: number }> {
  return refreshRecommendations();
}
