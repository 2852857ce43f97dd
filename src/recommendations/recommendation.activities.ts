import { Context } from '@temporalio/activity';
import { DEFAULT_REFRESH, refreshItemSimilarity, type RefreshResult } from '../recommendations/similarity.js';
import type { ActivityDeps } from '../worker/activities.js';

export function createRecommendationActivities({ db, config }: Pick<ActivityDeps, 'db' | 'config'>) {
  return {
    /**
     * Rewrites item_similarity from every order (one statement, one transaction). It heartbeats while the
     * statement runs, so a worker that dies mid-refresh is noticed within the heartbeat timeout, not at
     * the end of the start-to-close one; the retry starts over (the transaction rolled back).
     */
    async refreshRecommendations(): Promise<RefreshResult> {
      const beat = setInterval(() => Context.current().heartbeat(), 5_000);
      try {
        return await refreshItemSimilarity(db, {
          topK: config.recommendations?.topK ?? DEFAULT_REFRESH.topK,
          minTogether: config.recommendations?.minTogether ?? DEFAULT_REFRESH.minTogether,
        });
      } finally {
        clearInterval(beat);
      }
    },
  };
}
