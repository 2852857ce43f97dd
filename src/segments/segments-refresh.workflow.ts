import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';

const { refreshSegmentsPage } = proxyActivities<Activities>({
  // One page refreshes up to `pageSize` segments, each a full evaluation of its rules over the customers.
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export interface SegmentsRefreshInput {
  /** The last segment id refreshed by an earlier run of this refresh (continue-as-new). */
  after?: string | null;
  refreshed?: number;
  members?: number;
  failed?: number;
  /** Segments per activity (default 20) and activities per run before continuing as new (default 50). */
  pageSize?: number;
  pagesPerRun?: number;
}

export interface SegmentsRefreshResult {
  refreshed: number;
  /** Members of the refreshed segments, summed. */
  members: number;
  failed: number;
}

/**
 * Refreshes every dynamic segment's members, a page of segments per activity in id order. Run by a
 * Temporal Schedule (hourly by default); the API refreshes one segment on demand.
 */
export async function segmentsRefresh(input: SegmentsRefreshInput = {}): Promise<SegmentsRefreshResult> {
  const pageSize = input.pageSize ?? 20;
  const pagesPerRun = input.pagesPerRun ?? 50;
  let after = input.after ?? null;
  const total = { refreshed: input.refreshed ?? 0, members: input.members ?? 0, failed: input.failed ?? 0 };
  for (let page = 0; page < pagesPerRun; page++) {
    const result = await refreshSegmentsPage({ after, limit: pageSize });
    total.refreshed += result.refreshed;
    total.members += result.members;
    total.failed += result.failed.length;
    after = result.last;
    if (result.found < pageSize) return total;
  }
  // Very many segments: a fresh history every pagesPerRun pages.
  return continueAsNew<typeof segmentsRefresh>({ ...input, after, ...total });
}
