import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeKeys } from './search-attributes.js';

export interface DevServerOptions {
  /** Absolute path of the `temporal` CLI (see resolveTemporalBinary). */
  cliPath: string;
  /** SQLite file that keeps workflows across restarts; omit for an in-memory server. */
  dbFile?: string;
  port: number;
  uiPort?: number;
  namespace: string;
  ip?: string;
  startupTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
  /** Sends the server `signal` (SIGKILL: as when its machine dies) and waits until it is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with the custom search attributes registered. The SDK's own
 * launcher would also do this, but gives a file-backed server only 5 s to start and hides its output.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(opts.port), '--namespace', opts.namespace];
  args.push('--log-level', 'error', '--log-format', 'json');
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', ip);
  else args.push('--headless');
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    // Without these, a file-backed dev server is very slow (the SDK's own CI passes them too).
    args.push('--db-filename', opts.dbFile, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  }
  for (const key of searchAttributeKeys) args.push('--search-attribute', `${key.name}=Keyword`);
  args.push('--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true');

  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // The first and the last of what it printed: a panic names its cause at the start, the stack follows.
  let head = '';
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    const text = d.toString();
    if (head.length < 2000) head += text.slice(0, 2000 - head.length);
    tail = (tail + text).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `${ip}:${opts.port}`;

  try {
    await waitUntilServing(address, opts.namespace, exited, opts.startupTimeoutMs ?? 60_000);
  } catch (err) {
    await stop(child, exited);
    const printed = head.length < 2000 ? head : `${head}\n…\n${tail}`;
    throw new Error(`${(err as Error).message}\n${printed.trim()}`, { cause: err });
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://${ip}:${opts.uiPort}` : null,
    stop: () => stop(child, exited),
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function waitUntilServing(address: string, namespace: string, exited: Promise<number | null>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let died: number | null | undefined;
  void exited.then((code) => (died = code));
  while (Date.now() < deadline) {
    if (died !== undefined) throw new Error(`temporal server start-dev exited with code ${died}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`temporal server start-dev did not answer on ${address} within ${timeoutMs} ms`);
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
