// The segments refresh's Temporal Schedule, on the dev server (the time-skipping test server has no
// Schedules): created as configured, updated when the interval changes, removed at 0, and a triggered
// refresh brings every segment with rules up to date while segments kept by hand stay as they are.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, segmentMembers, segments } from '../src/db/schema.js';
import { createSegmentService } from '../src/segments/service.js';
import { ensureSegmentsRefreshSchedule } from '../src/temporal/schedules.js';
import { segmentsRefreshScheduleId } from '../src/temporal/workflow-ids.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: the triggered refresh refreshes every segment there is.
  stack = await startStack({ timeSkipping: false, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

describe('segments refresh schedule', () => {
  it('is created, updated and removed as configured, and a triggered refresh updates every segment with rules', async () => {
    const handle = stack.client.schedule.getHandle(segmentsRefreshScheduleId());
    await ensureSegmentsRefreshSchedule(stack.client, stack.taskQueue, 60);
    // Creating it again (a second process starting) is harmless and keeps one schedule.
    await ensureSegmentsRefreshSchedule(stack.client, stack.taskQueue, 60);
    const interval = async () => (await handle.describe()).spec.intervals?.[0]?.every;
    expect(await interval()).toBe(60 * 60_000);
    expect((await handle.describe()).policies).toMatchObject({ overlap: 'SKIP' });

    const db = stack.database.db;
    const service = createSegmentService(db);
    const tag = uid('tag');
    const first = uid('first');
    await db.insert(customers).values({ id: first, email: `${first}@example.com`, tags: [tag] });
    const tagged = await service.create({ name: 'Tagged', rules: { has_tag: tag } });
    const spenders = await service.create({ name: 'Spenders', rules: { attribute: 'total_spend', op: 'gte', value: 100 } });
    expect([tagged.count, spenders.count]).toEqual([1, 0]);
    // A segment kept by hand: the refresh leaves it alone.
    const manual = uid('manual');
    await db.insert(segments).values({ id: manual, name: 'Manual', memberCount: 1 });
    await db.insert(segmentMembers).values({ segmentId: manual, customerId: 'someone' });

    const second = uid('second');
    await db.insert(customers).values({ id: second, email: `${second}@example.com`, tags: [tag], totalSpend: 250 });
    await db.execute(sql`update customers set tags = '{}' where id = ${first}`);

    await handle.trigger();
    const actions = await waitFor(async () => {
      const d = await handle.describe();
      return d.info.recentActions.length > 0 ? d.info.recentActions : null;
    }, 'the schedule to start the refresh');
    expect(actions).toHaveLength(1);
    const { workflowId, firstExecutionRunId } = actions[0]!.action.workflow;
    expect(await stack.client.workflow.getHandle(workflowId, firstExecutionRunId).result()).toEqual({
      refreshed: 2,
      members: 2,
      failed: 0,
    });

    const row = async (id: string) => (await db.select().from(segments).where(eq(segments.id, id)))[0]!;
    expect(await service.members(tagged.id, { page: 1, page_size: 10 })).toMatchObject({
      members: [{ customer_id: second }],
      pagination: { total: 1 },
    });
    expect(await service.members(spenders.id, { page: 1, page_size: 10 })).toMatchObject({
      members: [{ customer_id: second }],
      pagination: { total: 1 },
    });
    expect((await row(tagged.id)).memberCount).toBe(1);
    expect((await row(tagged.id)).refreshedAt!.getTime()).toBeGreaterThan(Date.parse(tagged.refreshed_at!));
    expect(await row(manual)).toMatchObject({ memberCount: 1, refreshedAt: null });
    expect(await db.select().from(segmentMembers).where(eq(segmentMembers.segmentId, manual))).toHaveLength(1);

    await ensureSegmentsRefreshSchedule(stack.client, stack.taskQueue, 15);
    expect(await interval()).toBe(15 * 60_000);
    await ensureSegmentsRefreshSchedule(stack.client, stack.taskQueue, 0);
    await expect(handle.describe()).rejects.toThrow(/not found/i);
    // Removing a schedule that is not there is harmless too.
    await ensureSegmentsRefreshSchedule(stack.client, stack.taskQueue, 0);
  });
});
