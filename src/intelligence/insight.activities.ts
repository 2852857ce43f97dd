import { Context } from '@temporalio/activity';
import { createIntelligenceService } from '../intelligence/service.js';
import type { ActivityDeps } from '../worker/activities.js';

export interface InsightsRefreshResult {
  customers: number;
  method: string;
  durationMs: number;
}

export function createInsightActivities({ db }: Pick<ActivityDeps, 'db'>) {
  const intelligence = createIntelligenceService(db);
  return {
    /**
     * Recomputes every customer's RFM scores, RFM group and tags (one transaction: a retry starts over, and the
     * previous insights stay until the new ones replace them whole).
     */
    async refreshCustomerInsights(): Promise<InsightsRefreshResult> {
      // One statement runs for minutes at a million customers: heartbeats say the worker is still there.
      const beat = setInterval(() => Context.current().heartbeat(), 5_000);
      try {
        const record = await intelligence.refreshAll();
        return { customers: record.customers, method: record.method, durationMs: record.durationMs };
      } finally {
        clearInterval(beat);
      }
    },
  };
}
