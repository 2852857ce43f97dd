// A workspace's settings over the installation's: the merge field by field, and the per-workspace copy
// (read in the workspace's own scope, kept a few seconds, dropped when the settings are saved).
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { workspaces } from '../../src/db/schema.js';
import { asInstallation, inWorkspace } from '../../src/db/workspace.js';
import { parseQuietHours } from '../../src/delivery/pacing.js';
import { DEFAULT_CHANNEL_COSTS } from '../../src/campaigns/roi.js';
import {
  createEffectiveSettings,
  type InstallationSettings,
  mergeSettings,
  SETTINGS_CACHE_MS,
} from '../../src/workspaces/effective-settings.js';
import { workspaceSettingsSchema } from '../../src/workspaces/settings.js';

const installation: InstallationSettings = {
  brand: 'Touchpoint',
  pacing: { quietHours: parseQuietHours('21:00-08:00'), defaultTimeZone: 'UTC', caps: { day: 3, week: 10 }, capMode: 'defer' },
  channelCosts: DEFAULT_CHANNEL_COSTS,
};

describe('mergeSettings', () => {
  it('is the installation’s values for a workspace that set nothing, every channel as configured', () => {
    expect(mergeSettings('shop-a', installation, {})).toEqual({
      workspace: 'shop-a',
      ...installation,
      channels: { email: {}, sms: {}, push: {}, wechat: {}, webhook: {} },
    });
  });

  it('takes each field the workspace set and the installation’s for the rest, within caps and costs too', () => {
    const merged = mergeSettings('shop-a', installation, {
      brand: 'Shop A',
      mail_from: 'Shop A <hello@shop-a.example>',
      quiet_hours: '22:30-07:15',
      caps: { week: 4 },
      channel_costs: { sms: 0.07 },
      providers: {
        sms: { url: 'https://sms.shop-a.example/send', secret: 'shop-a-sms-secret-0123' },
        webhook: { secret: 'shop-a-hook-secret-01' },
      },
    });
    expect(merged.brand).toBe('Shop A');
    expect(merged.pacing).toEqual({
      quietHours: { start: 22 * 60 + 30, end: 7 * 60 + 15 },
      defaultTimeZone: 'UTC',
      caps: { day: 3, week: 4 },
      capMode: 'defer',
    });
    expect(merged.channelCosts).toEqual({ ...DEFAULT_CHANNEL_COSTS, sms: 0.07 });
    expect(merged.channels).toEqual({
      email: { from: 'Shop A <hello@shop-a.example>' },
      sms: { url: 'https://sms.shop-a.example/send', secret: 'shop-a-sms-secret-0123' },
      push: {},
      wechat: {},
      webhook: { secret: 'shop-a-hook-secret-01' },
    });
  });

  it('turns quiet hours and caps off when the workspace says so, and takes its zone and cap mode', () => {
    const merged = mergeSettings('shop-b', installation, {
      quiet_hours: 'off',
      caps: { day: 0, week: 0 },
      cap_mode: 'skip',
      default_time_zone: 'Asia/Tokyo',
      channel_costs: { email: 0 },
    });
    expect(merged.pacing).toEqual({ quietHours: null, defaultTimeZone: 'Asia/Tokyo', caps: { day: 0, week: 0 }, capMode: 'skip' });
    expect(merged.channelCosts.email).toBe(0);
  });
});

describe('workspaceSettingsSchema', () => {
  const problem = (settings: unknown) => {
    const parsed = workspaceSettingsSchema.safeParse(settings);
    return parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes a provider’s URL only over http(s) and only with its secret, and no URL for webhooks', () => {
    expect(problem({ providers: { sms: { url: 'https://sms.example/send', secret: 'a-secret-of-16-chars' } } })).toBeNull();
    expect(problem({ providers: { sms: { url: 'ftp://sms.example/send', secret: 'a-secret-of-16-chars' } } })).toEqual([
      'providers.sms.url: must start with http:// or https://',
    ]);
    expect(problem({ providers: { push: { url: 'not a url', secret: 'a-secret-of-16-chars' } } })).toEqual([
      'providers.push.url: must be an absolute URL',
    ]);
    expect(problem({ providers: { wechat: { url: 'https://wx.example/send' } } })?.[0]).toMatch(/^providers\.wechat\.secret: /);
    expect(problem({ providers: { sms: { secret: 'a-secret-of-16-chars' } } })?.[0]).toMatch(/^providers\.sms\.url: /);
    expect(problem({ providers: { webhook: { url: 'https://hooks.example', secret: 'a-secret-of-16-chars' } } })).not.toBeNull();
  });

  it('refuses a time zone the runtime does not know', () => {
    expect(problem({ default_time_zone: 'Europe/Berlin' })).toBeNull();
    expect(problem({ default_time_zone: 'Mars/Olympus' })).toEqual([
      'default_time_zone: not a time zone this runtime knows (e.g. Europe/Berlin)',
    ]);
  });
});

describe('createEffectiveSettings on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = createDatabase({ kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
    await asInstallation(() => database.db.insert(workspaces).values({ id: 'shop-a', name: 'Shop A', settings: { brand: 'Shop A' } }));
  });
  afterAll(async () => {
    await database?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const save = (workspace: string, settings: Record<string, unknown>) =>
    inWorkspace(workspace, () => database.db.update(workspaces).set({ settings }).where(eq(workspaces.id, workspace)));

  it('reads each workspace’s own settings in its scope, keeps them a while, and reads again once forgotten or expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = createEffectiveSettings(database.db, installation);
    expect((await inWorkspace('shop-a', () => source.current())).brand).toBe('Shop A');
    expect(await inWorkspace('default', () => source.current())).toMatchObject({ workspace: 'default', brand: 'Touchpoint' });

    // Saved behind its back: the kept copy stands until it is forgotten.
    await save('shop-a', { brand: 'Shop A2' });
    expect((await inWorkspace('shop-a', () => source.current())).brand).toBe('Shop A');
    source.forget('shop-a');
    expect((await inWorkspace('shop-a', () => source.current())).brand).toBe('Shop A2');

    // Or until it is older than the cache's time.
    await save('shop-a', { brand: 'Shop A3' });
    vi.advanceTimersByTime(SETTINGS_CACHE_MS - 1);
    expect((await inWorkspace('shop-a', () => source.current())).brand).toBe('Shop A2');
    vi.advanceTimersByTime(1);
    expect((await inWorkspace('shop-a', () => source.current())).brand).toBe('Shop A3');
    // The other workspace's copy was never touched by shop-a's changes.
    expect((await inWorkspace('default', () => source.current())).brand).toBe('Touchpoint');
  });

  it('shares one read among concurrent callers', async () => {
    const source = createEffectiveSettings(database.db, installation);
    const all = await inWorkspace('shop-a', () => Promise.all([source.current(), source.current(), source.current()]));
    expect(all[0]).toBe(all[1]);
    expect(all[1]).toBe(all[2]);
  });

  it('needs a workspace: outside one it reads nothing', async () => {
    const source = createEffectiveSettings(database.db, installation);
    await expect(asInstallation(() => source.current())).rejects.toThrow(/no workspace/);
  });
});
