// The settings the current workspace's work runs with: what it saved (workspaces.settings, PUT
// /api/settings) over the installation's values (the environment, src/env.ts), field by field. The one
// place that reads a workspace's settings for use: services and activities are handed it.
import { eq } from 'drizzle-orm';
import type { SendOptions } from '../channels/channel.js';
import type { ChannelName } from '../domain/channels.js';
import type { Db } from '../db/client.js';
import { workspaces } from '../db/schema.js';
import { currentWorkspace } from '../db/workspace.js';
import type { PacingConfig } from '../delivery/pacing.js';
import { parseQuietHours } from '../domain/quiet-hours.js';
import { type WorkspaceSettings, workspaceSettingsSchema } from './settings.js';

/** The installation's values of what a workspace may set (BRAND_NAME, QUIET_HOURS…, CHANNEL_COST_*). */
export interface InstallationSettings {
  brand: string;
  pacing: PacingConfig;
  channelCosts: Record<ChannelName, number>;
}

/**
 * What one channel's sends take over the channel's own configuration (the installation's MAIL_FROM,
 * *_PROVIDER_URL/SECRET, WEBHOOK_SIGNING_SECRET): passed to each `send` (src/channels/channel.ts). Empty:
 * the channel as the installation configured it.
 */
export type ChannelOverride = Pick<SendOptions, 'url' | 'secret' | 'from'>;

export interface EffectiveSettings extends InstallationSettings {
  workspace: string;
  /**
   * email: the workspace's mail_from; sms, push, wechat: its own provider (URL and secret together) when it
   * has one; webhook: its signing secret.
   */
  channels: Record<ChannelName, ChannelOverride>;
}

/** How long a workspace's settings are kept before they are read again (a change made here is seen at once). */
export const SETTINGS_CACHE_MS = 5_000;

/** A workspace's saved settings over the installation's values: every field the workspace left out is the installation's. */
export function mergeSettings(workspace: string, installation: InstallationSettings, own: WorkspaceSettings): EffectiveSettings {
  const { pacing } = installation;
  const provider = (channel: 'sms' | 'push' | 'wechat'): ChannelOverride => {
    const p = own.providers?.[channel];
    return p ? { url: p.url, secret: p.secret } : {};
  };
  const webhookSecret = own.providers?.webhook?.secret;
  return {
    workspace,
    brand: own.brand ?? installation.brand,
    pacing: {
      quietHours: own.quiet_hours === undefined ? pacing.quietHours : parseQuietHours(own.quiet_hours),
      defaultTimeZone: own.default_time_zone ?? pacing.defaultTimeZone,
      caps: { day: own.caps?.day ?? pacing.caps.day, week: own.caps?.week ?? pacing.caps.week },
      capMode: own.cap_mode ?? pacing.capMode,
    },
    channelCosts: Object.fromEntries(
      Object.entries(installation.channelCosts).map(([channel, cost]) => [channel, own.channel_costs?.[channel as ChannelName] ?? cost]),
    ) as Record<ChannelName, number>,
    channels: {
      email: own.mail_from ? { from: own.mail_from } : {},
      sms: provider('sms'),
      push: provider('push'),
      wechat: provider('wechat'),
      webhook: webhookSecret ? { secret: webhookSecret } : {},
    },
  };
}

/** What activities read: the settings of the workspace they run in. */
export interface CurrentSettings {
  current(): Promise<EffectiveSettings>;
}

export type EffectiveSettingsSource = ReturnType<typeof createEffectiveSettings>;

/**
 * The current workspace's effective settings, read in its own scope (row-level security shows a workspace
 * its own row) and kept `ttlMs` per workspace. `forget` drops a workspace's copy in this process (its
 * settings were just saved); other processes see a change within `ttlMs`.
 */
/** A workspace's settings as stored (secrets included), read in its own scope. */
export async function storedSettings(db: Db, workspace: string): Promise<WorkspaceSettings> {
  const [row] = await db.select({ settings: workspaces.settings }).from(workspaces).where(eq(workspaces.id, workspace));
  return workspaceSettingsSchema.parse(row?.settings ?? {});
}

export function createEffectiveSettings(db: Db, installation: InstallationSettings, ttlMs = SETTINGS_CACHE_MS) {
  const cache = new Map<string, { until: number; settings: Promise<EffectiveSettings> }>();

  async function load(workspace: string): Promise<EffectiveSettings> {
    return mergeSettings(workspace, installation, await storedSettings(db, workspace));
  }

  return {
    installation,
    current(): Promise<EffectiveSettings> {
      const workspace = currentWorkspace();
      const now = Date.now();
      const kept = cache.get(workspace);
      if (kept && kept.until > now) return kept.settings;
      // Concurrent callers share one read; a failed read is not kept.
      const entry = { until: now + ttlMs, settings: load(workspace) };
      cache.set(workspace, entry);
      entry.settings.catch(() => cache.get(workspace) === entry && cache.delete(workspace));
      return entry.settings;
    },
    forget(workspace: string): void {
      cache.delete(workspace);
    },
  };
}
