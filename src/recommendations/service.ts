// What the API asks of recommendations: a customer's items, and a refresh now (run by a worker).
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import { recommendationsRefresh } from './recommendations-refresh.workflow.js';
import { recommend, type Strategy } from './strategies.js';
import { recommendationsRefreshRunId, workspaceSearchAttribute } from '../temporal/workflow-ids.js';

export type RecommendationService = ReturnType<typeof createRecommendationService>;

export function createRecommendationService(db: Db, client: Client, taskQueue: string) {
  return {
    forCustomer: (customerId: string, limit: number, strategy: Strategy = 'item') => recommend(db, customerId, { limit, strategy }),
    /** Runs the similarity refresh now, as the schedule does, and answers when it is done. */
    async refresh() {
      const workflowId = recommendationsRefreshRunId();
      const result = await client.workflow.execute(recommendationsRefresh, {
        workflowId,
        taskQueue,
        typedSearchAttributes: [workspaceSearchAttribute()],
      });
      return { workflowId, ...result };
    },
  };
}
