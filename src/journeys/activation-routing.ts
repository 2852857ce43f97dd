import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { journeyConfigs } from '../db/schema.js';
import { createWorkspaceCache, type WorkspaceCache } from '../db/workspace-cache.js';
import { activationEventOf } from '../domain/activation.js';
import type { ActivationRouting } from './routing.js';

/**
 * Each workspace's activation routing (src/db/workspace-cache.ts): read again when this process writes a
 * configuration version, and at most `maxAgeMs` after the last read otherwise.
 */
export function createActivationRoutes(db: Db, maxAgeMs = 5_000): WorkspaceCache<ActivationRouting> {
  return createWorkspaceCache(async () => {
    const versions = await db
      .select({ enabled: journeyConfigs.enabled, settings: journeyConfigs.settings })
      .from(journeyConfigs)
      .where(and(ownRows(journeyConfigs), eq(journeyConfigs.key, 'activation')))
      .orderBy(desc(journeyConfigs.version));
    return {
      enabled: versions[0]?.enabled ?? false,
      watched: new Set(versions.filter((v) => v.enabled).map((v) => activationEventOf(v.settings))),
    };
  }, maxAgeMs);
}
