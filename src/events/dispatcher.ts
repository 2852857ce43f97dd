// The outbox's dispatcher: runs in every worker process (scaled with them) and hands stored events to their
// journeys — starts and signals the runs each one concerns — through the same routing and execution as
// before (src/journeys/routing.ts, execute.ts). Claims with leases (src/events/outbox.ts) give each event
// one dispatcher at a time; dispatch is idempotent all the same (deterministic workflow ids, journeys drop
// event ids they have seen), so an event dispatched twice — a claim that lapsed while its dispatcher
// stalled, a mark lost in a crash — changes nothing.
import { hostname } from 'node:os';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import type { Database, Db } from '../db/client.js';
import { inWorkspace } from '../db/workspace.js';
import type { EventPlan, Journeys } from '../journeys/journeys.js';
import { log } from '../observability/logger.js';
import type { OutboxNotice } from './outbox-notice.js';
import { type ClaimedEvent, claimEvents, LEASE_SECONDS, markDispatched, OUTBOX_CHANNEL, releaseClaims, renewClaims } from './outbox.js';

export interface DispatcherOptions {
  db: Db;
  journeys: Pick<Journeys, 'plan' | 'execute'>;
  /** TEMPORAL_TASK_QUEUE: the events this deployment's API accepted (and those stored with none). */
  taskQueue: string;
  /** This process's notices (the API in the same process). */
  notice?: OutboxNotice;
  /** The database's LISTEN (PostgreSQL), for notices from API processes elsewhere. */
  listen?: Database['listen'];
  /** Events dispatched at once (default 32); a customer's events go one after another, in order. */
  concurrency?: number;
  /** Events per claim (default 500). */
  batchSize?: number;
  /** The safety net: how often it looks without a notice (default 1 s), e.g. for events waiting to be tried again. */
  pollMs?: number;
}

export interface Dispatcher {
  /** Stops claiming; resolves when the batch in hand is settled (or after 10 s, its claims then lapse). */
  stop(): Promise<void>;
}

export async function startDispatcher(options: DispatcherOptions): Promise<Dispatcher> {
  const { db, journeys, taskQueue } = options;
  const concurrency = options.concurrency ?? 32;
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 1000;
  // One token per dispatcher: its claims are its own, whichever process or host runs it.
  const owner = `${hostname()}/${process.pid}/${randomUUID()}`;

  let stopping = false;
  let noticed = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    noticed = true;
    wake?.();
  };
  const unsubscribe = options.notice?.subscribe(poke);
  const unlisten = await options.listen?.(OUTBOX_CHANNEL, poke).catch((err: Error) => {
    log.warn({ err }, 'outbox: could not LISTEN; events stored by other processes are found by the poll');
    return undefined;
  });
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function loop() {
    let failures = 0;
    while (!stopping) {
      noticed = false;
      let claimed: ClaimedEvent[];
      try {
        claimed = await claimEvents(db, { owner, taskQueue, limit: batchSize });
        failures = 0;
      } catch (err) {
        // The database away: nothing can be claimed; look again after a backoff.
        failures++;
        if (failures === 1 || failures % 30 === 0) log.warn({ err }, 'outbox: could not claim events');
        await pause(Math.min(10_000, 200 * 2 ** Math.min(failures, 6)));
        continue;
      }
      if (claimed.length) await dispatchBatch(claimed).catch((err: Error) => log.error({ err }, 'outbox: a batch failed'));
      else if (!noticed) await pause(pollMs);
    }
  }

  async function dispatchBatch(claimed: ClaimedEvent[]): Promise<void> {
    // Claims last LEASE_SECONDS; a batch kept waiting by a slow Temporal renews them.
    const renew = setInterval(
      () => void renewClaims(db, owner).catch((err: Error) => log.warn({ err }, 'outbox: could not renew claims')),
      (LEASE_SECONDS * 1000) / 3,
    );
    renew.unref();
    const done: ClaimedEvent[] = [];
    const failed: Array<ClaimedEvent & { error: string }> = [];
    const released: ClaimedEvent[] = [];
    try {
      const plans = await planAll(claimed);
      // A customer's events one after another, in the order they were stored: the first to fail holds back
      // the rest (given back, they wait behind it for its next attempt).
      const groups = new Map<string, ClaimedEvent[]>();
      for (const e of claimed) {
        const key = `${e.workspaceId}\u0000${e.customerId}`;
        groups.set(key, [...(groups.get(key) ?? []), e]);
      }
      await inParallel([...groups.values()], concurrency, async (group) => {
        for (const [i, e] of group.entries()) {
          try {
            const plan = plans.get(`${e.workspaceId}\u0000${e.id}`);
            if (!plan) throw plans.error ?? new Error('no plan');
            // In the trace of the request that sent it (tracing on): its Temporal calls are that request's children.
            const traced = e.traceParent ? propagation.extract(ROOT_CONTEXT, { traceparent: e.traceParent }) : context.active();
            await context.with(traced, () =>
              inWorkspace(e.workspaceId, () => journeys.execute(plan, { erased: e.erased, returnedFrom: e.endsRun, recorded: false })),
            );
            done.push(e);
          } catch (err) {
            const error = (err as Error).message ?? String(err);
            failed.push({ ...e, error });
            released.push(...group.slice(i + 1));
            return;
          }
        }
      });
    } finally {
      clearInterval(renew);
      // One line per batch (an outage fails every event of it), not one per event.
      const first = failed[0];
      if (first) {
        log.warn(
          {
            failed: failed.length,
            held: released.length,
            eventId: first.id,
            workspaceId: first.workspaceId,
            attempts: first.attempts + 1,
            error: first.error,
          },
          'outbox: events could not be dispatched; each is tried again after a backoff',
        );
      }
      await markDispatched(db, owner, done).catch((err: Error) => {
        // The claims lapse and the events are dispatched again, harmlessly.
        log.warn({ err, events: done.length }, 'outbox: could not mark events dispatched');
      });
      await releaseClaims(db, owner, failed, released).catch((err: Error) => log.warn({ err }, 'outbox: could not release claims'));
    }
  }

  /** Each workspace's events planned in its workspace (its flows' routing). A failure fails that workspace's events. */
  async function planAll(claimed: ClaimedEvent[]) {
    const plans = new Map<string, EventPlan>() as Map<string, EventPlan> & { error?: Error };
    const byWorkspace = new Map<string, ClaimedEvent[]>();
    for (const e of claimed) byWorkspace.set(e.workspaceId, [...(byWorkspace.get(e.workspaceId) ?? []), e]);
    for (const [workspace, list] of byWorkspace) {
      try {
        const planned = await inWorkspace(workspace, () =>
          journeys.plan(
            list.map((e) => ({ id: e.id, type: e.type, customerId: e.customerId, properties: e.properties, occurredAt: e.occurredAt })),
          ),
        );
        for (const plan of planned) plans.set(`${workspace}\u0000${plan.event.id}`, plan);
      } catch (err) {
        plans.error = err as Error;
      }
    }
    return plans;
  }

  const running = loop();
  return {
    async stop() {
      stopping = true;
      wake?.();
      unsubscribe?.();
      await unlisten?.().catch(() => {});
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    },
  };
}

/** Runs `fn` over `items`, at most `limit` at once. */
async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}
