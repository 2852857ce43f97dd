// The holiday campaign run's side effect: the year's campaign, created once (src/holidays/year-run.ts).
import type { ActivityDeps } from '../worker/activities.js';
import { prepareYearRun, type YearRun } from './year-run.js';

export function createHolidayActivities(deps: Pick<ActivityDeps, 'db'>) {
  return {
    /** The year's campaign a run at `at` (the workflow's clock) sends, created the first time; null: nothing to send. */
    prepareHolidayRun: (input: { holidayCampaignId: string; at: number }): Promise<YearRun | null> =>
      prepareYearRun(deps.db, input.holidayCampaignId, input.at),
  };
}
