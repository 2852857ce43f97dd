// Gauges read from the database at scrape time. The installation's (the outbox of undispatched events,
// campaigns and the records of those running) read across every workspace, as the tables' owner, and are
// exposed by the API process only, so that they are not repeated by each worker. The pool's are this
// process's own.
import { sql } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import type { Database } from '../db/client.js';
import { rowsOf } from '../db/sql-helpers.js';
import { asInstallation } from '../db/workspace.js';
import type { Metrics } from './metrics.js';

/** The database's connections and what is in flight on them, in this process. */
export function watchPool(metrics: Metrics, database: Pick<Database, 'kind' | 'pool'>): void {
  const registers = [metrics.registry];
  const labels = { driver: database.kind };
  new Gauge({
    name: 'touchpoint_db_pool_max_connections',
    help: 'Connections the database client may open (DATABASE_POOL_SIZE; PGlite: its one)',
    labelNames: ['driver'] as const,
    registers,
    collect() {
      this.set(labels, database.pool().maxConnections);
    },
  });
  new Gauge({
    name: 'touchpoint_db_operations_in_flight',
    help: 'Statements and transactions holding a connection or waiting for one',
    labelNames: ['driver'] as const,
    registers,
    collect() {
      this.set(labels, database.pool().inFlight);
    },
  });
}

interface Snapshot {
  outbox: { n: number; oldest: number | null };
  campaigns: Array<{ status: string; n: number }>;
  records: Array<{ workspace: string; campaign: string; status: string; n: number }>;
}

/** Campaigns whose actual execution runs (or waits, paused): their records are the broadcast's progress. */
const RUNNING = sql`('active', 'paused')`;

async function readSnapshot(database: Pick<Database, 'db'>): Promise<Snapshot> {
  const { db } = database;
  return asInstallation(async () => {
    const [outbox] = rowsOf<{ n: number; oldest: number | null }>(
      await db.execute(sql`
        select count(*)::int as n, extract(epoch from now() - min(received_at))::float8 as oldest
        from events where dispatched_at is null`),
    );
    const campaigns = rowsOf<{ status: string; n: number }>(
      await db.execute(sql`select status, count(*)::int as n from marketing_campaigns group by status`),
    );
    const records = rowsOf<{ workspace: string; campaign: string; status: string; n: number }>(
      await db.execute(sql`
        select c.workspace_id as workspace, c.id::text as campaign, m.status, count(*)::int as n
        from marketing_campaigns c
        join messages m on m.workspace_id = c.workspace_id and m.campaign_id = c.id::text and m.execution_id = c.execution_id
        where c.status in ${RUNNING}
        group by 1, 2, 3`),
    );
    return {
      outbox: { n: Number(outbox?.n ?? 0), oldest: outbox?.oldest === null ? null : Number(outbox?.oldest ?? 0) },
      campaigns,
      records,
    };
  });
}

/**
 * The installation's gauges. One snapshot (three statements) serves every gauge of a scrape; a database
 * that does not answer leaves them empty for that scrape and sets touchpoint_database_up to 0.
 */
export function watchInstallation(metrics: Metrics, database: Pick<Database, 'db'>): void {
  const registers = [metrics.registry];
  let current: { at: number; snapshot: Promise<Snapshot | null> } | undefined;
  const snapshot = () => {
    if (!current || Date.now() - current.at > 1000) {
      current = { at: Date.now(), snapshot: readSnapshot(database).catch(() => null) };
    }
    return current.snapshot;
  };

  new Gauge({
    name: 'touchpoint_database_up',
    help: "1 when the database answered this scrape's statements, else 0",
    registers,
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'touchpoint_outbox_backlog',
    help: 'Events stored and not dispatched to their journeys yet (every workspace): the outbox backlog',
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) this.set(s.outbox.n);
    },
  });
  new Gauge({
    name: 'touchpoint_outbox_oldest_age_seconds',
    help: 'Age of the oldest undispatched event (since it was received); 0 when none waits',
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) this.set(s.outbox.oldest ?? 0);
    },
  });
  new Gauge({
    name: 'touchpoint_campaigns',
    help: 'Campaigns by status (every workspace)',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const row of s?.campaigns ?? []) this.set({ status: row.status }, row.n);
    },
  });
  new Gauge({
    name: 'touchpoint_campaign_messages',
    help: "Records of each running (active or paused) campaign's actual execution, by status",
    labelNames: ['workspace', 'campaign_id', 'status'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const row of s?.records ?? []) this.set({ workspace: row.workspace, campaign_id: row.campaign, status: row.status }, row.n);
    },
  });
}
