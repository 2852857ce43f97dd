// The fault suite's processes: the API and workers as a deployment runs them (`node src/main.ts api`,
// `node worker.ts`), each its own OS process that can be SIGKILLed, on ports that stay the same across
// restarts.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A loopback port nothing listens on, below the kernel's ephemeral range (32768–60999 by default): a port
 * that is closed and opened again during a run (Temporal's, the API's, SMTP's) must not be handed to some
 * outgoing connection as its local port meanwhile.
 */
export async function stablePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export interface Proc {
  child: ChildProcess;
  /** What it printed (stdout and stderr), also appended to its log file. */
  output(): string;
  /** Sends `signal` and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns `node --import tsx <args>` (not the tsx CLI: SIGKILL would orphan the script it runs in a child)
 * and waits until its output contains `ready`.
 */
async function spawnNode(name: string, args: string[], env: Record<string, string>, ready: string, logFile: string): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const take = (d: Buffer) => {
    const text = d.toString();
    out = (out + text).slice(-20_000);
    appendFileSync(logFile, text);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 90 s:\n${out}`)), 90_000);
    const check = () => {
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export interface Env {
  temporalAddress: string;
  databaseUrl: string;
  smtpUrl: string;
  dataDir: string;
  bundlePath: string;
  apiPort: number;
  logDir: string;
}

/** What the API and the workers share: no pacing whatever the hour, so that every message goes out now. */
function common(env: Env): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    TEMPORAL_ADDRESS: env.temporalAddress,
    DATABASE_URL: env.databaseUrl,
    DATA_DIR: env.dataDir,
    SMTP_URL: env.smtpUrl,
    MAIL_FROM: 'Touchpoint <hello@touchpoint.faults.localhost>',
    TRACKING_SECRET: 'faults-tracking-secret-0123456789abcdef',
    PUBLIC_URL: `http://127.0.0.1:${env.apiPort}`,
    QUIET_HOURS: 'off',
    FREQUENCY_CAP_PER_DAY: '0',
    FREQUENCY_CAP_PER_WEEK: '0',
  };
}

export async function startApi(env: Env): Promise<Proc & { key: string }> {
  const proc = await spawnNode(
    'the API',
    ['src/main.ts', 'api'],
    { ...common(env), HOST: '127.0.0.1', PORT: String(env.apiPort), API_RATE_LIMIT_PER_SECOND: '0' },
    'Ctrl-C stops everything.',
    `${env.logDir}/api.log`,
  );
  const key = /API key {6}(\S+)/.exec(proc.output())?.[1];
  if (!key) throw new Error(`the API printed no key:\n${proc.output()}`);
  return { ...proc, key };
}

export function startWorker(env: Env, n: number): Promise<Proc> {
  return spawnNode(
    `worker ${n}`,
    ['worker.ts'],
    // Batches of 250: a 2 000-recipient broadcast runs as several batches, some at once.
    // LOG_LEVEL info: the line it is ready by ("worker polling …") is an info line.
    { ...common(env), LOG_LEVEL: 'info', WORKFLOW_BUNDLE_PATH: env.bundlePath, CAMPAIGN_BATCH_SIZE: '250', DATABASE_POOL_SIZE: '10' },
    'worker polling',
    `${env.logDir}/worker-${n}.log`,
  );
}

export interface Sink {
  port: number;
  url: string;
  refuse(on: boolean): Promise<void>;
  rules(rules: { permanent?: string; transient?: string }): Promise<void>;
  stats(): Promise<{ counts: Record<string, number>; accepted: number; answered4xx: number; answered5xx: number }>;
  /** When the sink accepted its first message after `at` (epoch ms), or null. */
  firstAfter(at: number): Promise<number | null>;
  close(): void;
}

/** The SMTP server (tests/faults/smtp-sink.mjs) in a process of its own. */
export async function startSink(port: number): Promise<Sink> {
  const child = fork(fileURLToPath(new URL('./smtp-sink.mjs', import.meta.url)), [], {
    env: { ...process.env, FAULTS_SMTP_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', (m: { type?: string }) => (m.type === 'ready' ? resolve() : reject(new Error(`sink: ${JSON.stringify(m)}`))));
    child.once('exit', (code) => reject(new Error(`the SMTP sink exited with ${code}`)));
  });
  let next = 0;
  const ask = <T>(msg: Record<string, unknown>): Promise<T> =>
    new Promise((resolve) => {
      const id = ++next;
      const on = (m: { id?: number }) => {
        if (m.id !== id) return;
        child.off('message', on);
        resolve(m as T);
      };
      child.on('message', on);
      child.send({ ...msg, id });
    });
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    refuse: async (on) => void (await ask({ type: 'refuse', on })),
    rules: async (rules) => void (await ask({ type: 'rules', ...rules })),
    stats: () => ask({ type: 'stats' }),
    firstAfter: async (at) => (await ask<{ at: number | null }>({ type: 'first-after', at })).at,
    close: () => child.kill('SIGTERM'),
  };
}
