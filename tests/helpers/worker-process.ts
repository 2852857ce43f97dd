import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { type Stack, TEST_TRACKING } from './stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** SIGKILL: no graceful shutdown, as when a machine dies. */
  kill(): Promise<void>;
  /** What it wrote to stderr so far (its log). */
  output(): string;
}

/** Runs `worker.ts` (the real scale-out entry point) as its own process against the test stack. */
export async function startWorkerProcess(
  stack: Stack,
  options: { smtpUrl?: string; env?: Record<string, string> } = {},
): Promise<WorkerProcess> {
  // `node --import tsx`, not the tsx CLI: the CLI runs the script in a child process that SIGKILL would orphan.
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      // Its start line (`worker polling …`, which start-up waits for below) is an info line.
      LOG_LEVEL: 'info',
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      DATABASE_URL: stack.databaseUrl,
      DATABASE_POOL_SIZE: '4',
      SMTP_URL: options.smtpUrl ?? stack.mail.url,
      MAIL_FROM: 'Touchpoint <hello@touchpoint.test>',
      TRACKING_SECRET: TEST_TRACKING.secret,
      PUBLIC_URL: TEST_TRACKING.baseUrl,
      // The time-skipping test server never times out a dead worker's sticky queue (a real server does
      // after 5 s), so these workers take every workflow task from the shared queue and replay history.
      WORKER_MAX_CACHED_WORKFLOWS: '0',
      // As the in-process workers of tests/helpers/stack.ts: no pacing, whatever the hour.
      QUIET_HOURS: 'off',
      TEMPLATE_STRICT_VARIABLES: 'true',
      FREQUENCY_CAP_PER_DAY: '0',
      FREQUENCY_CAP_PER_WEEK: '0',
      // The run's prebuilt bundle, as a deployment's `npm run build:workflows` output (bundling at start-up
      // is covered by the embedded test, which runs `npm start`).
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within 60 s:\n${output}`)), 60_000);
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('worker polling')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`worker exited during start-up:\n${output}`)));
  });
  return {
    child,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
