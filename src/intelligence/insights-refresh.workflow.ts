import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';

const { refreshCustomerInsights } = proxyActivities<Activities>({
  // A full refresh takes minutes at a million customers; a worker that dies stops heartbeating.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 5 },
});

/**
 * Recomputes RFM scores, RFM group and tags of every customer (customer_insights). Run by a Temporal Schedule
 * (hourly by default) and on demand through POST /api/ai-ops/customer/refresh (which refreshes directly).
 */
export async function insightsRefresh(): Promise<{ customers: number; durationMs: number }> {
  const { customers, durationMs } = await refreshCustomerInsights();
  return { customers, durationMs };
}
