import { desc, eq, sql, and } from 'drizzle-orm';
import type { Outbound } from '../channels/outbound.js';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { journeyConfigs } from '../db/schema.js';
import type { JourneyConfig, JourneyStep } from '../domain/journey-config.js';

const toConfig = (
  row: typeof journeyConfigs.$inferSelect,
): JourneyConfig & { settings: Record<string, unknown> | null; createdAt: string } => ({
  key: row.key,
  version: row.version,
  enabled: row.enabled,
  steps: row.steps,
  settings: row.settings ?? null,
  createdAt: row.createdAt.toISOString(),
});

/** A journey's newest configuration row in the current workspace (what the API shows and new runs take). */
export async function latestConfigRow(db: Db, key: string) {
  const [row] = await db
    .select()
    .from(journeyConfigs)
    .where(and(ownRows(journeyConfigs), eq(journeyConfigs.key, key)))
    .orderBy(desc(journeyConfigs.version))
    .limit(1);
  return row ?? null;
}

/** A journey's newest configuration as a run keeps it (null: no such journey in the current workspace). */
export async function latestRunConfig(db: Db, key: string): Promise<JourneyConfig | null> {
  const row = await latestConfigRow(db, key);
  return row ? { key: row.key, version: row.version, enabled: row.enabled, steps: row.steps, settings: row.settings ?? null } : null;
}

/** Journey configuration versions: each change is a new version; runs keep the version they started with. */
export function createJourneyConfigService(db: Db, outbound: Pick<Outbound, 'check'>) {
  async function latest(key: string) {
    const row = await latestConfigRow(db, key);
    return row ? toConfig(row) : null;
  }

  return {
    latest,

    async list() {
      const rows = await db
        .selectDistinctOn([journeyConfigs.key])
        .from(journeyConfigs)
        .where(ownRows(journeyConfigs))
        .orderBy(journeyConfigs.key, desc(journeyConfigs.version));
      return rows.map(toConfig);
    },

    /** Writes version n+1 from the latest, changed by `patch`; null when the journey does not exist. */
    async update(key: string, patch: { enabled?: boolean; steps?: JourneyStep[]; settings?: Record<string, unknown> }) {
      // A CRM task's webhook goes only where webhooks may (422 url_not_allowed); the send checks again.
      for (const [i, step] of (patch.steps ?? []).entries()) {
        if (step.channel === 'crm_task' && step.task.webhookUrl) await outbound.check(step.task.webhookUrl, `steps[${i}].task.webhookUrl`);
      }
      for (;;) {
        const current = await latest(key);
        if (!current) return null;
        // Two saves racing for the same version: the primary key (key, version) lets one win; the other retries.
        const [row] = await db
          .insert(journeyConfigs)
          .values({
            key,
            version: current.version + 1,
            enabled: patch.enabled ?? current.enabled,
            steps: patch.steps ?? current.steps,
            settings: patch.settings ?? current.settings,
            createdAt: sql`now()`,
          })
          .onConflictDoNothing()
          .returning();
        if (row) return toConfig(row);
      }
    },
  };
}

export type JourneyConfigService = ReturnType<typeof createJourneyConfigService>;
