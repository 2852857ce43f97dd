import { latestConfigRow } from './config.js';
import type { JourneyConfig } from '../domain/journey-config.js';
import type { ActivityDeps } from '../worker/activities.js';

export function createJourneyConfigActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** The newest version of a journey's configuration; the workflow keeps it for its whole run. */
    async getJourneyConfig(key: string): Promise<JourneyConfig | null> {
      const row = await latestConfigRow(db, key);
      return row ? { key: row.key, version: row.version, enabled: row.enabled, steps: row.steps, settings: row.settings ?? null } : null;
    },
  };
}
