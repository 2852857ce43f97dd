// The outbox: the events table's undispatched rows, and the statements the dispatchers claim and settle
// them with. Dispatchers work across workspaces (as the tables' owner, `asInstallation`, like the
// installation's gauges); each event's runs are then started in its own workspace.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { workspaceIs } from '../db/own-rows.js';
import { events } from '../db/schema.js';
import { array, rowsOf } from '../db/sql-helpers.js';
import { asInstallation } from '../db/workspace.js';

/** The channel ingestion NOTIFYs after each committed batch, and dispatchers on other processes LISTEN on. */
export const OUTBOX_CHANNEL = 'touchpoint_outbox';

/** How long a claim holds its events; the dispatcher renews it while it works on them. */
export const LEASE_SECONDS = 60;

/** A claimed event, as its dispatcher needs it. */
export interface ClaimedEvent {
  workspaceId: string;
  id: string;
  type: string;
  customerId: string;
  properties: Record<string, unknown>;
  occurredAt: string;
  seq: number;
  /** The churn win-back run this event ended (the customer came back). */
  endsRun: string | null;
  attempts: number;
  /** The customer was erased after the event was stored: it starts nothing. */
  erased: boolean;
  /** The trace of the request that sent it, when tracing was on. */
  traceParent: string | null;
}

type Key = Pick<ClaimedEvent, 'workspaceId' | 'id'>;

const keys = (list: Key[]) =>
  sql`unnest(${array(
    list.map((k) => k.workspaceId),
    'text',
  )}, ${array(
    list.map((k) => k.id),
    'text',
  )}) as k(workspace_id, id)`;

/**
 * Claims up to `limit` undispatched events of `taskQueue` (and those stored with none) for `owner`, oldest
 * first, skipping rows another dispatcher is claiming this instant (`FOR UPDATE SKIP LOCKED`) and those
 * under a live lease (claimed, held by their store, or waiting to be tried again). An event whose customer
 * has an earlier event still undispatched outside this claim is left for later: a customer's events are
 * dispatched in the order they were stored (a cart's update after the cart), by one dispatcher at a time.
 */
export function claimEvents(db: Db, options: { owner: string; taskQueue: string; limit: number }): Promise<ClaimedEvent[]> {
  return asInstallation(async () => {
    const result = await db.execute(sql`
      with candidates as (
        select workspace_id, id, customer_id, seq from ${events}
        where dispatched_at is null and (task_queue = ${options.taskQueue} or task_queue is null)
          and (dispatch_lease_until is null or dispatch_lease_until < now())
        order by seq
        limit ${options.limit}
        for update skip locked
      ),
      claimable as (
        select c.workspace_id, c.id from candidates c
        where not exists (
          select 1 from ${events} e
          where e.workspace_id = c.workspace_id and e.customer_id = c.customer_id and e.dispatched_at is null and e.seq < c.seq
            and not exists (select 1 from candidates o where o.workspace_id = e.workspace_id and o.id = e.id))
      )
      update ${events} e set dispatch_owner = ${options.owner}, dispatch_lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
      from claimable c
      where e.workspace_id = c.workspace_id and e.id = c.id
      returning e.workspace_id, e.id, e.type, e.customer_id, e.properties, e.occurred_at, e.seq, e.ends_run, e.dispatch_attempts, e.trace_parent,
        exists (select 1 from customers u where u.workspace_id = e.workspace_id and u.id = e.customer_id and u.erased_at is not null) as erased`);
    return rowsOf<{
      workspace_id: string;
      id: string;
      type: string;
      customer_id: string;
      properties: Record<string, unknown> | string;
      occurred_at: string | Date;
      seq: string | number;
      ends_run: string | null;
      dispatch_attempts: number;
      trace_parent: string | null;
      erased: boolean;
    }>(result)
      .map((r): ClaimedEvent => ({
        workspaceId: r.workspace_id,
        id: r.id,
        type: r.type,
        customerId: r.customer_id,
        properties: typeof r.properties === 'string' ? (JSON.parse(r.properties) as Record<string, unknown>) : r.properties,
        occurredAt: new Date(r.occurred_at).toISOString(),
        seq: Number(r.seq),
        endsRun: r.ends_run,
        attempts: r.dispatch_attempts,
        erased: r.erased,
        traceParent: r.trace_parent,
      }))
      .sort((a, b) => a.seq - b.seq);
  });
}

/** Extends the lease of `owner`'s events not settled yet. */
export function renewClaims(db: Db, owner: string): Promise<void> {
  return asInstallation(async () => {
    await db.execute(sql`
      update ${events} set dispatch_lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
      where dispatch_owner = ${owner} and dispatched_at is null`);
  });
}

/** Marks events dispatched, those `owner` still holds (a claim that lapsed and was taken over is the new owner's). */
export function markDispatched(db: Db, owner: string, done: Key[]): Promise<void> {
  if (!done.length) return Promise.resolve();
  return asInstallation(async () => {
    await db.execute(sql`
      update ${events} e set dispatched_at = now(), dispatch_owner = null, dispatch_lease_until = null, dispatch_error = null
      from ${keys(done)}
      where e.workspace_id = k.workspace_id and e.id = k.id and e.dispatch_owner = ${owner}`);
  });
}

/**
 * The longest wait between two attempts of one event's dispatch. Attempts never stop: an event waits
 * through a Temporal outage of any length and is dispatched when it ends.
 */
export const MAX_RETRY_SECONDS = 30;

/**
 * Gives `failed` events back to be tried again after a backoff (0.5 s, doubling, at most MAX_RETRY_SECONDS)
 * with their error, and `released` ones (a customer's later events, left behind an earlier one that failed)
 * at once.
 */
export function releaseClaims(db: Db, owner: string, failed: Array<Key & { error: string }>, released: Key[]): Promise<void> {
  if (!failed.length && !released.length) return Promise.resolve();
  return asInstallation(async () => {
    if (failed.length) {
      await db.execute(sql`
        update ${events} e set dispatch_owner = null, dispatch_attempts = e.dispatch_attempts + 1,
          dispatch_lease_until = now() + make_interval(secs => least(${MAX_RETRY_SECONDS}, 0.5 * power(2, e.dispatch_attempts)) * (0.75 + random() / 2)),
          dispatch_error = f.error
        from unnest(${array(
          failed.map((k) => k.workspaceId),
          'text',
        )}, ${array(
          failed.map((k) => k.id),
          'text',
        )}, ${array(
          failed.map((k) => k.error.slice(0, 500)),
          'text',
        )}) as f(workspace_id, id, error)
        where e.workspace_id = f.workspace_id and e.id = f.id and e.dispatch_owner = ${owner}`);
    }
    if (released.length) {
      await db.execute(sql`
        update ${events} e set dispatch_owner = null, dispatch_lease_until = null
        from ${keys(released)}
        where e.workspace_id = k.workspace_id and e.id = k.id and e.dispatch_owner = ${owner}`);
    }
  });
}

export interface Backlog {
  /** Events stored and not dispatched yet. */
  backlog: number;
  /** Of those, events whose dispatch failed at least once (Temporal unreachable…) and waits to be tried again. */
  retrying: number;
  /** When the oldest of them was received, and how long ago (seconds); null when none waits. */
  oldestReceivedAt: string | null;
  oldestAgeSeconds: number | null;
  /** The last error of the oldest retrying event. */
  lastError: string | null;
}

/** The current workspace's backlog (row-level security shows only its events). */
export async function workspaceBacklog(db: Db): Promise<Backlog> {
  const [row] = rowsOf<{ n: number; retrying: number; oldest: string | Date | null; age: number | null; last_error: string | null }>(
    await db.execute(sql`
      select count(*)::int as n, count(*) filter (where o.dispatch_attempts > 0)::int as retrying, min(o.received_at) as oldest,
        extract(epoch from now() - min(o.received_at))::float8 as age,
        (select dispatch_error from ${events} w where ${workspaceIs(sql`w.workspace_id`)} and w.dispatched_at is null and w.dispatch_error is not null order by w.seq limit 1) as last_error
      from ${events} o where ${workspaceIs(sql`o.workspace_id`)} and o.dispatched_at is null`),
  );
  return {
    backlog: row?.n ?? 0,
    retrying: row?.retrying ?? 0,
    oldestReceivedAt: row?.oldest ? new Date(row.oldest).toISOString() : null,
    oldestAgeSeconds: row?.age === null || row?.age === undefined ? null : Math.max(0, Number(row.age)),
    lastError: row?.last_error ?? null,
  };
}
