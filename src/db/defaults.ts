import { defaultJourneyConfigs, defaultJourneySettings, journeysOffByDefault } from '../domain/journey-config.js';
import type { Db } from './client.js';
import { journeyConfigs } from './schema.js';

/**
 * Gives every journey its version 1 configuration (the defaults in domain/journey-config.ts) unless it has
 * one already; the journeys in journeysOffByDefault start switched off.
 */
export async function seedJourneyConfigs(db: Db): Promise<void> {
  const rows = Object.entries(defaultJourneyConfigs).map(([key, steps]) => ({
    key,
    version: 1,
    enabled: !journeysOffByDefault.has(key),
    steps,
    settings: defaultJourneySettings[key] ?? null,
  }));
  await db.insert(journeyConfigs).values(rows).onConflictDoNothing();
}
