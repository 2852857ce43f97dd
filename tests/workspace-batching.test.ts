// Work that concurrent callers share in one process — ingestion's group commit, the flows' routing cache,
// the outbox's dispatcher — stays in each caller's workspace: events of two workspaces sent at the same
// instant are stored, dispatched and routed each in its own.
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, events } from '../src/db/schema.js';
import { DEFAULT_WORKSPACE, inWorkspace } from '../src/db/workspace.js';
import type { EventInput } from '../src/events/ingest.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, worker: false });
});
afterAll(async () => {
  await stack?.close();
});

async function newWorkspace(): Promise<{ id: string; key: string }> {
  const id = uid('wsb').toLowerCase();
  const res = await stack.api('POST', '/api/workspaces', { id, name: `Shop ${id}` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id, key: res.body.admin_key.key };
}

/** Ingests `batch` for `workspace`, as a request with that workspace's key does. */
const ingestIn = (workspace: string, batch: EventInput[]) => inWorkspace(workspace, () => stack.services.ingest(batch));

/** The events among `ids` that `workspace` holds, and whether each is marked dispatched. */
const eventsIn = (workspace: string, ids: string[]) =>
  inWorkspace(workspace, () =>
    stack.database.db.select({ id: events.id, dispatchedAt: events.dispatchedAt }).from(events).where(inArray(events.id, ids)),
  );

describe('work shared by concurrent callers', () => {
  it('stores the events of two workspaces sent at the same instant each in its own, with its own customers', async () => {
    const b = await newWorkspace();
    const a = { event: uid('evt'), customer: uid('ada') };
    const other = { event: uid('evt'), customer: uid('bo') };
    // One tick: without lanes per workspace both would share one store statement.
    const [outA, outB] = await Promise.all([
      ingestIn(DEFAULT_WORKSPACE, [{ id: a.event, type: 'batching_probe', customerId: a.customer }]),
      ingestIn(b.id, [{ id: other.event, type: 'batching_probe', customerId: other.customer }]),
    ]);
    expect([outA[0]!.status, outB[0]!.status]).toEqual(['accepted', 'accepted']);

    const ids = [a.event, other.event];
    expect((await eventsIn(DEFAULT_WORKSPACE, ids)).map((e) => e.id)).toEqual([a.event]);
    expect((await eventsIn(b.id, ids)).map((e) => e.id)).toEqual([other.event]);
    const customersIn = (workspace: string) =>
      inWorkspace(workspace, () =>
        stack.database.db
          .select({ id: customers.id })
          .from(customers)
          .where(inArray(customers.id, [a.customer, other.customer])),
      );
    expect((await customersIn(DEFAULT_WORKSPACE)).map((c) => c.id)).toEqual([a.customer]);
    expect((await customersIn(b.id)).map((c) => c.id)).toEqual([other.customer]);

    // The outbox's dispatcher works across workspaces: each event is dispatched and marked in its own.
    await stack.startWorker();
    try {
      for (const [workspace, id] of [
        [DEFAULT_WORKSPACE, a.event],
        [b.id, other.event],
      ] as const) {
        await waitFor(async () => (await eventsIn(workspace, [id]))[0]?.dispatchedAt, `${id} marked dispatched in ${workspace}`, 10_000);
      }
    } finally {
      await stack.stopWorker();
    }
    // A repeat is a duplicate in its own workspace: it was stored and dispatched there.
    const [again] = await ingestIn(b.id, [{ id: other.event, type: 'batching_probe', customerId: other.customer }]);
    expect(again!.status).toBe('duplicate');
  });

  it("routes an event by its own workspace's flows, whichever workspace's routing was read first", async () => {
    const b = await newWorkspace();
    const trigger = uid('probe').replace('-', '_');
    const created = await stack.api(
      'POST',
      '/api/flows',
      { name: uid('Routed'), trigger_event: trigger, actions: [{ type: 'add_tag', tag: 'routed' }] },
      { authorization: `Bearer ${b.key}` },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const flowId = created.body.flow.id as string;
    expect((await stack.api('POST', `/api/flows/${flowId}/activate`, undefined, { authorization: `Bearer ${b.key}` })).status).toBe(200);

    // The default workspace reads its routing first (it has no such flow), then b's event comes.
    const [inDefault] = await ingestIn(DEFAULT_WORKSPACE, [{ id: uid('evt'), type: trigger, customerId: uid('ada') }]);
    expect(inDefault).toMatchObject({ status: 'accepted', journeys: [] });
    const [inB] = await ingestIn(b.id, [{ id: uid('evt'), type: trigger, customerId: uid('bo') }]);
    expect(inB).toMatchObject({ status: 'accepted' });
    expect(inB!.status === 'accepted' && inB!.journeys.map((j) => j.journey)).toEqual([`flow:${flowId}`]);
  });
});
