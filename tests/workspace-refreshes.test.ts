// A customer-insights or segment refresh in one workspace reads and writes that workspace's rows only — and
// not merely because row-level security stops it: every statement states its workspace (src/db/own-rows.ts).
// The second test runs the refreshes as the tables' owner, whom the policy does not restrict, so the
// statements' own filters are all that keeps them in their workspace.
import { asc, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/client.js';
import * as schema from '../src/db/schema.js';
import { customerInsights, customers, orders, segmentMembers, segments } from '../src/db/schema.js';
import { asInstallation, inWorkspace } from '../src/db/workspace.js';
import { createIntelligenceService } from '../src/intelligence/service.js';
import { createSegmentService } from '../src/segments/service.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, worker: false });
});
afterAll(async () => {
  await stack?.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const DAY = 86_400_000;

async function newWorkspace(): Promise<{ id: string; key: string }> {
  const id = uid('ws').toLowerCase();
  const res = await stack.api('POST', '/api/workspaces', { id, name: `Shop ${id}` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id, key: res.body.admin_key.key };
}

/** Customers of `workspace` (each with orders, some days ago), and the segment `segmentId` over all of them. */
async function fill(workspace: string, ids: string[], segmentId: string): Promise<void> {
  const db = stack.database.db;
  await inWorkspace(workspace, async () => {
    await db.insert(customers).values(ids.map((id) => ({ id, createdAt: new Date(Date.now() - 400 * DAY) })));
    await db.insert(orders).values(
      ids.flatMap((id, i) =>
        Array.from({ length: i + 1 }, (_, n) => ({
          id: `${id}-${n}`,
          customerId: id,
          amount: 30 * (i + 1),
          items: [{ sku: 'IPA', category: 'beer', quantity: 2 }],
          occurredAt: new Date(Date.now() - (5 + 10 * n) * DAY),
        })),
      ),
    );
    // Every customer with points (all of them): the rule reads customers and nothing else.
    await db.insert(segments).values({ id: segmentId, name: 'Everyone', rules: { attribute: 'points', op: 'gte', value: 0 } });
  });
}

/** A workspace's insights and segment members, read as the installation (no policy, the workspace named). */
const stored = (workspace: string) =>
  asInstallation(async () => ({
    insights: await stack.database.db
      .select()
      .from(customerInsights)
      .where(eq(customerInsights.workspaceId, workspace))
      .orderBy(asc(customerInsights.customerId)),
    members: await stack.database.db
      .select()
      .from(segmentMembers)
      .where(eq(segmentMembers.workspaceId, workspace))
      .orderBy(asc(segmentMembers.segmentId), asc(segmentMembers.customerId)),
  }));

/** Two workspaces whose customers share ids, and one segment id in both; A refreshed (insights and segment). */
async function twoRefreshedWorkspaces() {
  const a = await newWorkspace();
  const b = await newWorkspace();
  const twin = uid('twin');
  const aIds = [twin, uid('a'), uid('a')].sort();
  const bIds = [twin, uid('b')].sort();
  const segmentId = uid('seg');
  await fill(a.id, aIds, segmentId);
  await fill(b.id, bIds, segmentId);
  const refreshedA = await stack.api('POST', '/api/ai-ops/customer/refresh', undefined, bearer(a.key));
  expect(refreshedA.status, JSON.stringify(refreshedA.body)).toBe(200);
  expect(refreshedA.body.customers).toBe(3);
  expect((await stack.api('POST', `/api/segments/${segmentId}/refresh`, undefined, bearer(a.key))).body.count).toBe(3);
  const before = await stored(a.id);
  expect(before.insights.map((r) => r.customerId)).toEqual(aIds);
  expect(before.members.map((r) => r.customerId)).toEqual(aIds);
  return { a, b, aIds, bIds, segmentId, before };
}

describe('refreshes in two workspaces', () => {
  it("a refresh in B through the API counts only B's customers and leaves A's insights and members as they were", async () => {
    const { a, b, bIds, segmentId, before } = await twoRefreshedWorkspaces();

    const refreshedB = await stack.api('POST', '/api/ai-ops/customer/refresh', undefined, bearer(b.key));
    expect(refreshedB.body.customers).toBe(2);
    const segmentB = await stack.api('POST', `/api/segments/${segmentId}/refresh`, undefined, bearer(b.key));
    expect(segmentB.body).toMatchObject({ count: 2, added: 2, removed: 0 });

    expect(await stored(a.id)).toEqual(before);
    const inB = await stored(b.id);
    expect(inB.insights.map((r) => r.customerId)).toEqual(bIds);
    expect(inB.members.map((r) => r.customerId)).toEqual(bIds);
  });

  it("keeps B's refreshes off A's rows by the statements' own filters, with row-level security out of the way", async () => {
    const { a, b, aIds, bIds, segmentId, before } = await twoRefreshedWorkspaces();
    // The tables' owner, with B's workspace set for the session (what inserts take their workspace_id from):
    // the policy does not apply to it, so it sees every workspace's rows.
    const owner = postgres(stack.databaseUrl, { max: 1, onnotice: () => {}, connection: { 'app.workspace_id': b.id } });
    try {
      const db = drizzle(owner, { schema }) as unknown as Db;
      // Under the policy, with B's workspace set, this would find nothing.
      const visible = await db.select({ id: customers.id }).from(customers).where(eq(customers.workspaceId, a.id));
      expect(visible.map((r) => r.id).sort()).toEqual(aIds);

      const segmentB = await inWorkspace(b.id, () => createSegmentService(db).refresh(segmentId));
      expect(segmentB).toMatchObject({ count: 2, added: 2, removed: 0 });
      // A second refresh in B removes nobody (A's members are not B's to judge) and adds nobody.
      expect(await inWorkspace(b.id, () => createSegmentService(db).refresh(segmentId))).toMatchObject({ count: 2, added: 0, removed: 0 });
      const record = await inWorkspace(b.id, () => createIntelligenceService(db).refreshAll());
      expect(record.customers).toBe(2);
    } finally {
      await owner.end({ timeout: 5 });
    }

    expect(await stored(a.id)).toEqual(before);
    const inB = await stored(b.id);
    expect(inB.insights.map((r) => r.customerId)).toEqual(bIds);
    expect(inB.members.map((r) => r.customerId)).toEqual(bIds);
  });
});
