// Workspaces: one business each. Creating one gives it the default journey configurations, its schedules
// and a first admin key (shown once). Only the installation's own workspace (`default`) creates and lists
// workspaces: it is the operator's (an agency's, a SaaS host's).
import type { Client } from '@temporalio/client';
import type { Outbound } from '../channels/outbound.js';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { seedJourneyConfigs } from '../db/defaults.js';
import { type WorkspaceRow, workspaces } from '../db/schema.js';
import { asInstallation, currentWorkspace, inWorkspace } from '../db/workspace.js';
import { DomainError } from '../domain/errors.js';
import { ensureWorkspaceSchedules, type ScheduleMinutes } from '../temporal/schedules.js';
import { type EffectiveSettingsSource, storedSettings } from './effective-settings.js';
import type { KeyService } from './keys.js';
import { type WorkspaceSettings, workspaceSettingsSchema } from './settings.js';
import { workspaceIdProblem } from './workspace-id.js';
import { log } from '../observability/logger.js';

export const workspaceView = (row: WorkspaceRow) => ({
  id: row.id,
  name: row.name,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export interface WorkspaceServiceOptions {
  taskQueue: string;
  schedules: ScheduleMinutes;
  /** Where the settings are read for use, told when they change. */
  effectiveSettings: Pick<EffectiveSettingsSource, 'forget'>;
  /** The check of saved provider URLs (not to this machine or its network). */
  outbound: Pick<Outbound, 'check'>;
}

const warn = (line: string) => log.warn({ component: 'workspaces' }, line);

export function createWorkspaceService(db: Db, client: Client, keys: KeyService, options: WorkspaceServiceOptions) {
  /** What a workspace needs before its first request: journey configurations and schedules. */
  async function provision(): Promise<void> {
    await seedJourneyConfigs(db);
    await ensureWorkspaceSchedules(client, options.taskQueue, options.schedules, warn);
  }

  return {
    provision,

    /** Every workspace's id (for start-up, which provisions each). */
    ids: () =>
      asInstallation(async () => (await db.select({ id: workspaces.id }).from(workspaces).orderBy(asc(workspaces.id))).map((r) => r.id)),

    async create(input: { id: string; name: string }, createdBy: string) {
      const problem = workspaceIdProblem(input.id);
      if (problem) throw new DomainError('invalid_workspace_id', `id ${problem}`, 'id', 422);
      const inserted = await asInstallation(() =>
        db.insert(workspaces).values({ id: input.id, name: input.name }).onConflictDoNothing().returning(),
      );
      const row = inserted[0];
      if (!row) throw new DomainError('workspace_exists', `a workspace ${input.id} exists already`, 'id', 409);
      return inWorkspace(row.id, async () => {
        await provision();
        const key = await keys.create({ name: 'admin', scopes: ['admin'] }, createdBy);
        return { ...workspaceView(row), admin_key: key };
      });
    },

    /** The current workspace (the key's): what GET /api/me names. */
    async current() {
      const id = currentWorkspace();
      const [row] = await asInstallation(() => db.select().from(workspaces).where(eq(workspaces.id, id)));
      if (!row) throw new DomainError('not_found', `no workspace ${id}`, 'workspace', 404);
      return workspaceView(row);
    },

    async list() {
      const rows = await asInstallation(() => db.select().from(workspaces).orderBy(asc(workspaces.createdAt)));
      return rows.map(workspaceView);
    },

    /** The current workspace's settings, as stored (secrets included: admin only). */
    settings: (): Promise<WorkspaceSettings> => storedSettings(db, currentWorkspace()),

    /** Replaces the current workspace's settings; this process uses them from the next send on, others within SETTINGS_CACHE_MS. */
    async updateSettings(settings: WorkspaceSettings): Promise<WorkspaceSettings> {
      const workspace = currentWorkspace();
      // A workspace's providers, like every saved URL, go to the internet only (src/channels/outbound.ts).
      for (const channel of ['sms', 'push', 'wechat', 'social'] as const) {
        const url = settings.providers?.[channel]?.url;
        if (url) await options.outbound.check(url, `providers.${channel}.url`);
      }
      if (settings.gift_webhook) await options.outbound.check(settings.gift_webhook.url, 'gift_webhook.url');
      const [row] = await db
        .update(workspaces)
        .set({ settings, updatedAt: sql`now()` })
        .where(eq(workspaces.id, workspace))
        .returning({ settings: workspaces.settings });
      options.effectiveSettings.forget(workspace);
      return workspaceSettingsSchema.parse(row?.settings ?? {});
    },
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
