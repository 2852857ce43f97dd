import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Config } from '../env.js';
import { startPgliteThread } from './pglite-remote.js';
import * as schema from './schema.js';
import { asInstallation, SCOPE_STATEMENT, statementScope } from './workspace.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** The handle a `db.transaction(async (tx) => …)` callback gets. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Answers when the database does (readiness). */
export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Applies the committed migrations in drizzle/; safe when several processes start at once. */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * The connections it may open (PGlite: its one) and the statements and transactions in flight now, each
   * holding a connection or waiting for one (the metrics read it at each scrape).
   */
  pool(): { maxConnections: number; inFlight: number };
  /**
   * PostgreSQL only: calls `fn` on each NOTIFY on `channel` (on a connection of its own, which postgres.js
   * opens again after it drops); resolves once listening, to the function that stops.
   */
  listen?(channel: string, fn: () => void): Promise<() => Promise<void>>;
  /** PGlite only: how busy its thread has been (benchmarks print it). */
  threadUtilization?(since?: EventLoopUtilization): EventLoopUtilization;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle');
// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK = 74_657_311;

export function createDatabase(config: Config['database']): Database {
  if (config.kind === 'postgres') {
    const client = postgres(config.url, { max: config.poolSize, onnotice: () => {} });
    const inFlight = { n: 0 };
    const db = drizzlePostgres(scopedToWorkspace(client, inFlight), { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      migrate: once(async () => {
        // drizzle's migrator has no lock of its own: API and worker processes starting together would race.
        const lock = await client.reserve();
        try {
          await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
          await asInstallation(() => migratePostgres(drizzlePostgres(client), { migrationsFolder }));
        } finally {
          await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`;
          lock.release();
        }
      }),
      ping: () => asInstallation(() => ping(db)),
      pool: () => ({ maxConnections: config.poolSize, inFlight: inFlight.n }),
      async listen(channel, fn) {
        const { unlisten } = await client.listen(channel, () => fn());
        return unlisten;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (!config.dataDir.startsWith('memory://')) mkdirSync(config.dataDir, { recursive: true });
  // drizzle's PGlite driver only calls query/exec/transaction, which the thread's client provides.
  const remote = startPgliteThread(config.dataDir);
  const client = remote as unknown as PGlite;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    // PGlite lives inside this one process, so only this process can race itself.
    migrate: once(() => asInstallation(() => migratePglite(drizzlePglite(client), { migrationsFolder }))),
    ping: () => asInstallation(() => ping(db)),
    pool: () => ({ maxConnections: 1, inFlight: remote.inFlight() }),
    close: () => remote.close(),
    threadUtilization: (since) => remote.threadUtilization(since),
  };
}

/**
 * postgres.js as drizzle uses it (`unsafe` for a statement, `begin` for a transaction), with every
 * statement scoped to the current workspace (src/db/workspace.ts): a statement on its own runs in a
 * transaction that sets the workspace and the application's role first; a transaction sets them as it
 * begins. In the installation scope both run as they are. Each statement and transaction counts in
 * `inFlight` until it settles.
 */
function scopedToWorkspace(client: postgres.Sql, inFlight: { n: number }): postgres.Sql {
  type Unsafe = postgres.Sql['unsafe'];
  const counted = <T>(start: () => Promise<T>): Promise<T> => {
    inFlight.n++;
    return start().finally(() => inFlight.n--);
  };
  const unsafe = (...args: Parameters<Unsafe>) => {
    const workspace = statementScope();
    const run = (values: boolean): Promise<unknown> =>
      workspace === null
        ? counted(async () => {
            const query = client.unsafe(...args);
            return values ? await query.values() : await query;
          })
        : counted(() =>
            client.begin(async (tx) => {
              await tx.unsafe(SCOPE_STATEMENT, [workspace]);
              const query = tx.unsafe(...args);
              return values ? query.values() : query;
            }),
          );
    return { values: () => run(true), then: (ok: never, fail: never) => run(false).then(ok, fail) };
  };
  const begin = (...args: unknown[]) => {
    const workspace = statementScope();
    const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
    const scoped =
      workspace === null
        ? fn
        : async (tx: postgres.TransactionSql) => {
            await tx.unsafe(SCOPE_STATEMENT, [workspace]);
            return fn(tx);
          };
    return counted(() => (client.begin as (...a: unknown[]) => Promise<unknown>)(...args, scoped));
  };
  return new Proxy(client, {
    get: (target, prop, receiver): unknown => (prop === 'unsafe' ? unsafe : prop === 'begin' ? begin : Reflect.get(target, prop, receiver)),
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
