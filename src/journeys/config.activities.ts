import { ownRows } from '../db/own-rows.js';
import { desc, eq, and } from 'drizzle-orm';
import { journeyConfigs } from '../db/schema.js';
import type { JourneyConfig } from '../domain/journey-config.js';
import type { ActivityDeps } from '../worker/activities.js';

export function createJourneyConfigActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** The newest version of a journey's configuration; the workflow keeps it for its whole run. */
    async getJourneyConfig(key: string): Promise<JourneyConfig | null> {
      const [row] = await db
        .select()
        .from(journeyConfigs)
        .where(and(ownRows(journeyConfigs), eq(journeyConfigs.key, key)))
        .orderBy(desc(journeyConfigs.version))
        .limit(1);
      return row ? { key: row.key, version: row.version, enabled: row.enabled, steps: row.steps, settings: row.settings ?? null } : null;
    },
  };
}
