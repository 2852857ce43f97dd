// Small helpers for the benchmarks in bench/: free ports, knobs, a bounded-concurrency runner, percentiles,
// and /proc readings (a process's memory and CPU time, the machine's CPU).
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/**
 * `count` distinct loopback ports nothing listens on right now. All are held open together before any is
 * released, so the OS cannot hand the same port out twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

/** `--name N`, `--name=N`, else the environment variable, else the default. Must be a positive integer. */
export function intKnob(argv: string[], flag: string, envValue: string | undefined, fallback: number): number {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${flag}`) raw = argv[i + 1];
    else if (arg.startsWith(`--${flag}=`)) raw = arg.slice(flag.length + 3);
  }
  raw ??= envValue === '' ? undefined : envValue;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag}: expected a positive integer, got "${raw}"`);
  return n;
}

/** `--name value`, `--name=value`, else the environment variable, else the default; one of `allowed`. */
export function choiceKnob<T extends string>(
  argv: string[],
  flag: string,
  envValue: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${flag}`) raw = argv[i + 1];
    else if (arg.startsWith(`--${flag}=`)) raw = arg.slice(flag.length + 3);
  }
  raw ??= envValue === '' ? undefined : envValue;
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`--${flag}: expected one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

export interface PoolResult {
  /** Wall-clock time from the first start to the last completion, in ms. */
  elapsedMs: number;
  /** Per-operation latency in ms, successful or not. */
  latencies: number[];
  /** One entry per failed operation: its index and what went wrong. */
  failures: Array<{ index: number; error: string }>;
}

/**
 * Runs `op(0) … op(count-1)` with at most `concurrency` in flight. An op fails by throwing; the message is
 * recorded and the run goes on.
 */
export async function runPool(count: number, concurrency: number, op: (index: number) => Promise<void>): Promise<PoolResult> {
  const latencies = new Array<number>(count);
  const failures: PoolResult['failures'] = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = performance.now();
      try {
        await op(i);
      } catch (err) {
        failures.push({ index: i, error: err instanceof Error ? err.message : String(err) });
      }
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { elapsedMs: performance.now() - started, latencies, failures };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `current()` until it reaches `target` or `timeoutMs` passes; returns the last value seen. */
export async function pollUntil(
  current: () => number | Promise<number>,
  target: number,
  timeoutMs: number,
  intervalMs = 250,
): Promise<{ value: number; waitedMs: number }> {
  const t0 = performance.now();
  let value = await current();
  while (value < target && performance.now() - t0 < timeoutMs) {
    await sleep(intervalMs);
    value = await current();
  }
  return { value, waitedMs: performance.now() - t0 };
}

/** Summarises failure messages: each distinct message once, with how often it occurred. */
export function summariseFailures(failures: PoolResult['failures'], limit = 10): string[] {
  const counts = new Map<string, { n: number; first: number }>();
  for (const f of failures) {
    const entry = counts.get(f.error);
    if (entry) entry.n++;
    else counts.set(f.error, { n: 1, first: f.index });
  }
  const lines = [...counts.entries()]
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, limit)
    .map(([msg, { n, first }]) => `${n}× (first at #${first}) ${msg}`);
  if (counts.size > limit) lines.push(`… and ${counts.size - limit} other distinct errors`);
  return lines;
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export interface HttpRequestSpec {
  method: string;
  path: string;
  body: unknown;
}
export type HttpResponse = { status: number; text: string } | { error: string };

/**
 * An HTTP load generator on its own thread (bench/http-load.mjs), as a producer in another process would
 * be: `run` sends the requests with at most `concurrency` in flight, and `check` turns each response into
 * success or a failure message, like runPool's ops.
 */
export function startHttpLoad(base: string, timeoutMs: number, headers: Record<string, string> = {}) {
  const worker = new Worker(new URL('./http-load.mjs', import.meta.url), { workerData: { base, timeoutMs, headers } });
  return {
    run(requests: HttpRequestSpec[], concurrency: number, check: (res: HttpResponse, index: number) => void): Promise<PoolResult> {
      return new Promise((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', (r: { elapsedMs: number; latencies: number[]; responses: HttpResponse[] }) => {
          worker.off('error', reject);
          const failures: PoolResult['failures'] = [];
          r.responses.forEach((res, index) => {
            try {
              if ('error' in res) throw new Error(res.error);
              check(res, index);
            } catch (err) {
              failures.push({ index, error: err instanceof Error ? err.message : String(err) });
            }
          });
          resolve({ elapsedMs: r.elapsedMs, latencies: r.latencies, failures });
        });
        worker.postMessage({ requests, concurrency });
      });
    },
    close: () => worker.terminate(),
  };
}

// --- /proc readings ---
export function procStatus(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}
/** User + system CPU seconds a process has used (clock ticks of 1/100 s, as on Linux x86); 0 once it is gone. */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
/** The machine's busy and total CPU time so far (from /proc/stat), to report how busy it was in a phase. */
export function machineCpu(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const v = values.map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** The pids of `parent`'s children (this process's by default) whose command name is `comm` (the Temporal dev server: 'temporal'). */
export function childPids(comm: string, parent = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && name === comm) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The machine's CPU cores (the cpuN lines of /proc/stat). */
export function cpuCount(): number {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l)).length;
}

/**
 * A bench's logging, clock and clean-up: every resource registers how to release it (`cleanups.push`), and
 * `cleanup()` releases them once, in reverse, on exit, failure, a signal or the watchdog (a hung stack must
 * not hang whoever runs the bench, nor leave processes or a database behind).
 */
export function benchHarness(runTimeoutMs: number, stepTimeoutMs: number) {
  const log = (msg: string) => console.error(`[bench] ${msg}`);
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const cleanups: Array<{ name: string; fn: () => unknown }> = [];
  const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      p.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  let cleaning: Promise<void> | undefined;
  function cleanup(): Promise<void> {
    cleaning ??= (async () => {
      for (const { name, fn } of cleanups.reverse()) {
        try {
          await withTimeout(Promise.resolve(fn()), stepTimeoutMs, name);
        } catch (err) {
          log(`cleanup (${name}): ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return cleaning;
  }
  const watchdog = setTimeout(() => {
    log(`gave up: the run exceeded ${runTimeoutMs / 1000} s (BENCH_TIMEOUT_S); cleaning up`);
    void cleanup().finally(() => process.exit(1));
  }, runTimeoutMs);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  /** The clean-up has begun: a process exiting now was stopped, not lost. */
  const cleaningUp = () => cleaning !== undefined;
  return { log, since, cleanups, cleanup, cleaningUp, withTimeout };
}

/** Stops `child` with `signal`, and with SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The SMTP sink (smtp-sink.mjs) in a process of its own: its port, and a question asked over IPC (answered by its id). */
export interface SinkProcess {
  child: ChildProcess;
  port: number;
  ask(message: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** Forks the sink with `args` and waits for it to listen; each `ask` gets the sink's answer with the same id. */
export async function forkSink(args: string[]): Promise<SinkProcess> {
  const child = fork(new URL('./smtp-sink.mjs', import.meta.url), args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (msg: Record<string, unknown>) => void>();
  let nextId = 1;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`SMTP sink exited with code ${code} during start-up`)));
    child.on('message', (msg: Record<string, unknown> & { type: string; id?: number; port?: number }) => {
      if (msg.type === 'ready') resolve(msg.port!);
      else if (msg.id !== undefined) pending.get(msg.id)?.(msg);
    });
  });
  const ask = (message: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++;
      pending.set(id, (msg) => {
        pending.delete(id);
        resolve(msg);
      });
      child.send({ ...message, id });
    });
  return { child, port, ask };
}

/**
 * A worker as scaled out: `node --import tsx worker.ts` in `root` with `env` (see tests/helpers/worker-process.ts),
 * whose LOG_LEVEL must be info or lower: its "worker polling" line says it is ready. After that its warnings
 * and errors are shown, prefixed with `name`. `node --import tsx`, not the tsx CLI: the CLI would run the
 * worker in a grandchild, whose RSS and CPU would be missed.
 */
export async function startWorkerProcess(
  root: string,
  env: Record<string, string>,
  harness: Pick<ReturnType<typeof benchHarness>, 'log' | 'cleanups' | 'cleaningUp'>,
  name = 'worker',
): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = () => stopChild(child, 'SIGTERM', 20_000);
  harness.cleanups.push({ name, fn: stop });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  let ready = false;
  child.stderr.on('data', (d: Buffer) => {
    const text = d.toString();
    if (ready) {
      for (const line of text.split('\n')) if (line.trim() && !/"level":"(info|debug)"/.test(line)) console.error(`[${name}] ${line}`);
      return;
    }
    output += text;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 120 s:\n${output}`)), 120_000);
    const poll = setInterval(() => {
      if (!output.includes('worker polling')) return;
      ready = true;
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} during start-up:\n${output}`));
    });
  });
  void exited.then((code) => {
    if (!harness.cleaningUp()) harness.log(`${name} exited unexpectedly (code ${code})`);
  });
  return { pid: child.pid!, stop };
}
