import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/env.js';
import { trackingSecret } from '../../src/delivery/tracking-secret.js';

/** The ConfigError loadConfig throws for `env` (fails the test when it does not throw one). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

describe('loadConfig', () => {
  it('serves every workload unless WORKER_WORKLOADS names some, and names the variable for an unknown one', () => {
    expect(loadConfig({}).temporal.worker.workloads).toEqual(['journeys', 'campaigns', 'maintenance']);
    expect(loadConfig({ WORKER_WORKLOADS: 'campaigns' }).temporal.worker.workloads).toEqual(['campaigns']);
    expect(loadConfig({ WORKER_WORKLOADS: ' journeys , maintenance,journeys' }).temporal.worker.workloads).toEqual([
      'journeys',
      'maintenance',
    ]);
    expect(configError({ WORKER_WORKLOADS: 'campaigns,fax' }).message).toMatch(/WORKER_WORKLOADS: unknown workload fax/);
  });

  it('defaults to embedded everything: PGlite in .data/pglite, embedded Temporal on 7233/8233, port 3000', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000, publicUrl: 'http://127.0.0.1:3000' });
    expect(config.dataDir).toBe('.data');
    expect(config.database).toEqual({ kind: 'pglite', dataDir: '.data/pglite' });
    expect(config.temporal.address).toBeUndefined();
    expect(config.temporal.tls).toBeUndefined();
    expect(config.temporal.apiKey).toBeUndefined();
    expect(config.temporal.namespace).toBe('default');
    expect(config.temporal.taskQueue).toBe('touchpoint');
    expect(config.temporal.devServer).toMatchObject({ port: 7233, uiPort: 8233 });
    expect(config.mail.smtpUrl).toBeUndefined();
    expect(config.mail.capturePort).toBe(1025);
  });

  it("reads each workload's worker slots and the outbox's dispatcher settings", () => {
    expect(loadConfig({}).temporal).toMatchObject({
      worker: { slots: { journeys: {}, campaigns: {}, maintenance: {} } },
      outbox: { concurrency: 32, batchSize: 500, pollMs: 1000 },
    });
    const config = loadConfig({
      WORKER_JOURNEYS_ACTIVITY_SLOTS: '200',
      WORKER_CAMPAIGNS_WORKFLOW_SLOTS: '4',
      WORKER_MAINTENANCE_ACTIVITY_SLOTS: '2',
      OUTBOX_CONCURRENCY: '8',
      OUTBOX_POLL_MS: '250',
    });
    expect(config.temporal.worker.slots).toEqual({
      journeys: { activities: 200, workflowTasks: undefined },
      campaigns: { activities: undefined, workflowTasks: 4 },
      maintenance: { activities: 2, workflowTasks: undefined },
    });
    expect(config.temporal.outbox).toEqual({ concurrency: 8, batchSize: 500, pollMs: 250 });
    expect(configError({ OUTBOX_CONCURRENCY: '0', WORKER_JOURNEYS_WORKFLOW_SLOTS: '1' }).message).toMatch(
      /OUTBOX_CONCURRENCY[\s\S]*WORKER_JOURNEYS_WORKFLOW_SLOTS|WORKER_JOURNEYS_WORKFLOW_SLOTS[\s\S]*OUTBOX_CONCURRENCY/,
    );
  });

  it('reads the delivery webhook secrets and the attribution window', () => {
    expect(loadConfig({})).toMatchObject({ deliveryWebhookSecrets: new Map(), attributionWindowDays: 7 });
    const config = loadConfig({
      DELIVERY_WEBHOOK_SECRET: 'one-secret-0123456789',
      DELIVERY_WEBHOOK_SECRETS: 'ses=ses-secret-0123456789,sms-co=sms-secret-0123456789',
      ATTRIBUTION_WINDOW_DAYS: '3',
    });
    expect([...config.deliveryWebhookSecrets.keys()]).toEqual(['default', 'ses', 'sms-co']);
    expect(config.deliveryWebhookSecrets.get('ses')).toBe('ses-secret-0123456789');
    expect(config.attributionWindowDays).toBe(3);
    expect(configError({ DELIVERY_WEBHOOK_SECRETS: 'ses=short' }).message).toMatch(
      /DELIVERY_WEBHOOK_SECRETS: ses: the secret must be at least 16/,
    );
    expect(configError({ DELIVERY_WEBHOOK_SECRET: 'short' }).message).toMatch(/DELIVERY_WEBHOOK_SECRET: must be at least 16/);
  });

  it('follows DATA_DIR for the PGlite directory', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/tp' }).database).toEqual({ kind: 'pglite', dataDir: '/var/lib/tp/pglite' });
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const url = 'postgres://app:secret@db.internal:5432/touchpoint';
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ kind: 'postgres', url, poolSize: 10 });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/x', DATABASE_POOL_SIZE: '25' }).database).toEqual({
      kind: 'postgres',
      url: 'postgresql://db/x',
      poolSize: 25,
    });
  });

  it('reads PORT and TEMPORAL_ADDRESS', () => {
    const config = loadConfig({ PORT: '8080', TEMPORAL_ADDRESS: 'temporal.internal:7233' });
    expect(config.http.port).toBe(8080);
    expect(config.http.publicUrl).toBe('http://127.0.0.1:8080');
    expect(config.temporal.address).toBe('temporal.internal:7233');
    expect(config.temporal.tls).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '3000.5'],
    ['DATABASE_URL', 'mysql://db/touchpoint'],
    ['DATABASE_URL', 'not a url'],
    ['TEMPORAL_ADDRESS', 'temporal.internal'],
    ['TEMPORAL_ADDRESS', 'http://temporal:7233'],
    ['SMTP_URL', 'http://mail:25'],
    ['TEMPORAL_TLS', 'maybe'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.problems.length).toBeGreaterThan(0);
    for (const problem of err.problems) expect(problem).toMatch(new RegExp(`^${name}: `));
    expect(err.message).toContain(name);
  });

  it('rejects TEMPORAL_TLS_CERT_PATH without TEMPORAL_TLS_KEY_PATH, and the reverse', () => {
    expect(configError({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CERT_PATH: '/certs/client.pem' }).problems).toEqual([
      'TEMPORAL_TLS_KEY_PATH: required with TEMPORAL_TLS_CERT_PATH',
    ]);
    expect(configError({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_KEY_PATH: '/certs/client.key' }).problems).toEqual([
      'TEMPORAL_TLS_CERT_PATH: required with TEMPORAL_TLS_KEY_PATH',
    ]);
  });

  it('names every bad variable at once', () => {
    const err = configError({ PORT: 'x', DATABASE_URL: 'mysql://db/x', TEMPORAL_ADDRESS: 'nohost' });
    const named = err.problems.map((p) => p.split(':')[0]).sort();
    expect(named).toEqual(['DATABASE_URL', 'PORT', 'TEMPORAL_ADDRESS']);
    for (const name of named) expect(err.message).toContain(name);
  });

  it('treats an empty string as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', TEMPORAL_ADDRESS: '', TEMPORAL_TLS_CERT_PATH: '', SMTP_URL: '' });
    expect(config.http.port).toBe(3000);
    expect(config.database).toEqual({ kind: 'pglite', dataDir: '.data/pglite' });
    expect(config.temporal.address).toBeUndefined();
    expect(config.temporal.tls).toBeUndefined();
    expect(config.mail.smtpUrl).toBeUndefined();
  });

  it('TEMPORAL_API_KEY implies TLS (and needs TEMPORAL_ADDRESS)', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123' });
    expect(config.temporal.apiKey).toBe('key-123');
    expect(config.temporal.tls).toEqual({ certPath: undefined, keyPath: undefined, serverName: undefined });
    expect(loadConfig({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS: 'false' }).temporal.tls).toBeUndefined();
    expect(configError({ TEMPORAL_API_KEY: 'key-123' }).problems).toEqual(['TEMPORAL_ADDRESS: required with TEMPORAL_API_KEY']);
  });

  it('TEMPORAL_TLS=true and a cert/key pair enable TLS', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS: 'true' }).temporal.tls).toBeDefined();
    expect(
      loadConfig({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_KEY_PATH: '/c.key' }).temporal.tls,
    ).toEqual({ certPath: '/c.pem', keyPath: '/c.key', serverName: undefined });
  });

  it('SMS, push and WeChat providers: http(s) URLs with their signing secrets, unset by default (not configured)', () => {
    expect(loadConfig({}).providers).toEqual({ sms: {}, push: {}, wechat: {}, webhook: {} });
    const secret = 'a'.repeat(32);
    const env = {
      SMS_PROVIDER_URL: 'https://sms.example.com/send',
      SMS_PROVIDER_SECRET: secret,
      PUSH_PROVIDER_URL: 'http://127.0.0.1:9000/push',
      PUSH_PROVIDER_SECRET: `${secret}p`,
      WECHAT_PROVIDER_URL: 'https://wechat-gateway.example.com/template',
      WECHAT_PROVIDER_SECRET: `${secret}w`,
      WEBHOOK_SIGNING_SECRET: `${secret}h`,
      // The push provider runs beside Touchpoint.
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1:9000',
    };
    expect(loadConfig(env).providers).toEqual({
      sms: { url: env.SMS_PROVIDER_URL, secret },
      push: { url: env.PUSH_PROVIDER_URL, secret: `${secret}p` },
      wechat: { url: env.WECHAT_PROVIDER_URL, secret: `${secret}w` },
      webhook: { secret: `${secret}h` },
    });
    expect(configError({ SMS_PROVIDER_URL: 'ftp://sms.example.com' }).problems).toEqual([
      'SMS_PROVIDER_URL: must start with http:// or https://',
    ]);
    // A provider URL without its secret would send requests nobody can verify.
    expect(configError({ WECHAT_PROVIDER_URL: env.WECHAT_PROVIDER_URL }).problems).toEqual([
      'WECHAT_PROVIDER_SECRET: required with WECHAT_PROVIDER_URL',
    ]);
    expect(configError({ SMS_PROVIDER_URL: env.SMS_PROVIDER_URL, SMS_PROVIDER_SECRET: 'short' }).problems).toEqual([
      'SMS_PROVIDER_SECRET: must be at least 16 characters (e.g. openssl rand -hex 32)',
    ]);
  });

  it('OUTBOUND_ALLOWED_HOSTS: what providers and webhooks may reach off the internet; provider URLs are checked against it', () => {
    expect(loadConfig({}).outbound).toEqual({ allowList: [] });
    const allowList = loadConfig({ OUTBOUND_ALLOWED_HOSTS: 'sms-gateway.internal:8443, 10.1.0.0/16' }).outbound.allowList;
    expect(allowList).toMatchObject([{ kind: 'name', name: 'sms-gateway.internal', port: 8443 }, { kind: 'range' }]);
    expect(configError({ OUTBOUND_ALLOWED_HOSTS: 'ok.example.com, 10.0.0.0/99' }).problems).toEqual([
      'OUTBOUND_ALLOWED_HOSTS: "10.0.0.0/99" is not a host name, an IP address or a CIDR range (with :port or not)',
    ]);
    const secret = 'a'.repeat(32);
    const sms = (url: string, allowed?: string) => ({
      SMS_PROVIDER_URL: url,
      SMS_PROVIDER_SECRET: secret,
      ...(allowed ? { OUTBOUND_ALLOWED_HOSTS: allowed } : {}),
    });
    expect(configError(sms('http://169.254.169.254/sms')).problems).toEqual([
      'SMS_PROVIDER_URL: not allowed: 169.254.169.254 is a link-local address (OUTBOUND_ALLOWED_HOSTS can allow it)',
    ]);
    expect(configError(sms('http://localhost:9000/sms')).problems).toEqual([
      'SMS_PROVIDER_URL: not allowed: localhost names this machine (OUTBOUND_ALLOWED_HOSTS can allow it)',
    ]);
    expect(configError(sms('http://10.1.2.3/sms', '10.1.0.0/16:443')).problems[0]).toMatch(/^SMS_PROVIDER_URL: not allowed: 10\.1\.2\.3/);
    expect(loadConfig(sms('https://10.1.2.3/sms', '10.1.0.0/16:443')).providers.sms.url).toBe('https://10.1.2.3/sms');
    expect(loadConfig(sms('http://localhost:9000/sms', 'localhost:9000')).providers.sms.url).toBe('http://localhost:9000/sms');
  });

  it('TRACKING_SECRET: at least 32 characters; PUBLIC_URL: an http(s) URL', () => {
    expect(loadConfig({}).tracking).toEqual({ secret: undefined });
    const secret = 'x'.repeat(32);
    expect(loadConfig({ TRACKING_SECRET: secret }).tracking).toEqual({ secret });
    expect(configError({ TRACKING_SECRET: 'short' }).problems[0]).toMatch(/^TRACKING_SECRET: must be at least 32 characters/);
    expect(loadConfig({ PUBLIC_URL: 'https://mail.example.com' }).http.publicUrl).toBe('https://mail.example.com');
    expect(configError({ PUBLIC_URL: 'ftp://example.com' }).problems).toEqual(['PUBLIC_URL: must start with http:// or https://']);
  });
});

describe('trackingSecret', () => {
  it('is TRACKING_SECRET when set; required outside embedded mode; generated once and kept in DATA_DIR when embedded', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'touchpoint-secret-')), 'data');
    try {
      const set = 's'.repeat(40);
      expect(trackingSecret({ tracking: { secret: set }, dataDir }, false)).toBe(set);
      expect(() => trackingSecret({ tracking: {}, dataDir }, false)).toThrow(/TRACKING_SECRET is required outside embedded mode/);
      const generated = trackingSecret({ tracking: {}, dataDir }, true);
      expect(generated).toMatch(/^[0-9a-f]{64}$/);
      expect(readFileSync(join(dataDir, 'tracking-secret'), 'utf8').trim()).toBe(generated);
      // A restart reads the same one, so links in mail already sent still verify.
      expect(trackingSecret({ tracking: {}, dataDir }, true)).toBe(generated);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
});
