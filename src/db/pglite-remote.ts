// PGlite on its own thread, behind the small part of PGlite's interface that drizzle uses (query,
// exec, transaction). PGlite runs every statement on the thread that owns it; on the main thread that
// was the API's, the Temporal worker's and the SMTP capture's thread too (bench:ingest measured it at
// ~40 % of that thread). Here it runs beside them, on the machine's other core.
import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { SCOPE_STATEMENT, statementScope } from './workspace.js';

type Params = unknown[] | undefined;
interface QueryOptions {
  rowMode?: 'array' | 'object';
  /** drizzle passes identity parsers (values kept as text) for some types; the thread applies the same. */
  parsers?: Record<number, unknown>;
}
interface Results {
  rows: unknown[];
  fields: Array<{ name: string; dataTypeID: number }>;
  affectedRows?: number;
}

export interface PgliteLike {
  query(sql: string, params?: Params, options?: QueryOptions): Promise<Results>;
  exec(sql: string): Promise<Results[]>;
  transaction<T>(fn: (tx: PgliteLike) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Calls sent to the thread and not answered yet. */
  inFlight(): number;
  /** How busy the PGlite thread has been (for benchmarks): Node's event-loop utilisation of that thread. */
  threadUtilization(since?: EventLoopUtilization): EventLoopUtilization;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export function startPgliteThread(dataDir: string): PgliteLike {
  const worker = new Worker(new URL('./pglite-thread.mjs', import.meta.url), {
    workerData: { dataDir, scopeStatement: SCOPE_STATEMENT },
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let nextTx = 1;
  let failure: Error | undefined;
  // Keep the process alive only while a call is waiting for an answer.
  worker.unref();

  worker.on('message', (msg: { id?: number; result?: unknown; error?: Record<string, unknown> & { message: string } }) => {
    if (msg.id === undefined) return;
    const call = pending.get(msg.id);
    pending.delete(msg.id);
    if (pending.size === 0) worker.unref();
    if (!call) return;
    if (msg.error) call.reject(Object.assign(new Error(msg.error.message), msg.error));
    else call.resolve(msg.result);
  });
  const fail = (err: Error) => {
    failure = err;
    for (const call of pending.values()) call.reject(err);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the PGlite thread exited (code ${code})`)));

  function call<T>(op: string, fields: Record<string, unknown> = {}): Promise<T> {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (pending.size === 1) worker.ref();
      worker.postMessage({ id, op, ...fields });
    });
  }

  const client = (tx?: number): PgliteLike => ({
    query: (sql, params, options) =>
      call<Results>('query', {
        tx,
        // Outside a transaction the thread runs the statement in one of its own, scoped to the workspace.
        scope: tx === undefined ? statementScope() : undefined,
        sql,
        params,
        rowMode: options?.rowMode,
        rawTypes: options?.parsers ? Object.keys(options.parsers).map(Number) : undefined,
      }),
    exec: (sql) => call<Results[]>('exec', { tx, scope: tx === undefined ? statementScope() : undefined, sql }),
    async transaction(fn) {
      if (tx !== undefined) throw new Error('nested transactions go through savepoints');
      const id = nextTx++;
      await call('begin', { tx: id, scope: statementScope() });
      let result;
      try {
        result = await fn(client(id));
      } catch (err) {
        await call('end', { tx: id, commit: false }).catch(() => {});
        throw err;
      }
      await call('end', { tx: id, commit: true });
      return result;
    },
    threadUtilization: (since) => worker.performance.eventLoopUtilization(since),
    inFlight: () => pending.size,
    async close() {
      if (failure) return;
      await call('close');
      await worker.terminate();
    },
  });
  return client();
}
