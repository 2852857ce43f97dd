import { latestRunConfig } from './config.js';
import type { JourneyConfig } from '../domain/journey-config.js';
import type { ActivityDeps } from '../worker/activities.js';

export function createJourneyConfigActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /**
     * The newest version of a journey's configuration; the workflow keeps it for its whole run. Runs whose
     * start carried it (src/journeys/execute.ts) do not ask.
     */
    getJourneyConfig: (key: string): Promise<JourneyConfig | null> => latestRunConfig(db, key),
  };
}
