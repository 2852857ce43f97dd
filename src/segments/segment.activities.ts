import { createSegmentService } from '../segments/service.js';
import type { ActivityDeps } from '../worker/activities.js';

export function createSegmentActivities({ db }: Pick<ActivityDeps, 'db'>) {
  const segments = createSegmentService(db);
  return {
    /** One page of the scheduled refresh of every segment with rules (see SegmentService.refreshPage). */
    async refreshSegmentsPage(input: { after: string | null; limit: number }) {
      return segments.refreshPage(input);
    },
  };
}
