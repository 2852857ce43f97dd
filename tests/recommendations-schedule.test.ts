// The recommendations refresh's Temporal Schedule, on the dev server (the time-skipping test server has no
// Schedules): created as configured, updated when the interval changes, removed at 0, and a triggered
// refresh rewrites item_similarity from the orders.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, itemSimilarity, orders } from '../src/db/schema.js';
import { ensureRecommendationsSchedule } from '../src/temporal/schedules.js';
import { recommendationsScheduleId } from '../src/temporal/workflow-ids.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: the refresh reads every order.
  stack = await startStack({ timeSkipping: false, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

describe('recommendations refresh schedule', () => {
  it('is created, updated and removed as configured, and a triggered refresh rewrites the similarities', async () => {
    const handle = stack.client.schedule.getHandle(recommendationsScheduleId());
    await ensureRecommendationsSchedule(stack.client, stack.taskQueue, 360);
    // Creating it again (a second process starting) is harmless and keeps one schedule.
    await ensureRecommendationsSchedule(stack.client, stack.taskQueue, 360);
    const interval = async () => (await handle.describe()).spec.intervals?.[0]?.every;
    expect(await interval()).toBe(360 * 60_000);
    expect((await handle.describe()).policies).toMatchObject({ overlap: 'SKIP' });

    // Two customers who bought TEA and CUP together: similarity 2 / sqrt(2 · 2) = 1 both ways.
    const [a, b] = [uid('sched-a'), uid('sched-b')];
    await stack.database.db.insert(customers).values([{ id: a }, { id: b }]);
    const items = [
      { sku: 'TEA', name: 'Tea', price: 3, quantity: 1 },
      { sku: 'CUP', name: 'Cup', price: 6, quantity: 1 },
    ];
    await stack.database.db
      .insert(orders)
      .values([a, b].map((customerId) => ({ id: uid('ord'), customerId, amount: 9, items, occurredAt: new Date() })));
    // A stale row from an earlier refresh, which the new one replaces.
    await stack.database.db.insert(itemSimilarity).values({ item: 'GONE', other: 'TEA', score: 0.5, together: 1 });

    await handle.trigger();
    const rows = await waitFor(async () => {
      const all = await stack.database.db.select().from(itemSimilarity);
      return all.some((r) => r.item === 'GONE') ? null : all;
    }, 'the triggered refresh to rewrite item_similarity');
    expect(rows.map((r) => [r.item, r.other, r.score, r.together]).sort()).toEqual([
      ['CUP', 'CUP', 1, 2],
      ['CUP', 'TEA', 1, 2],
      ['TEA', 'CUP', 1, 2],
      ['TEA', 'TEA', 1, 2],
    ]);
    const actions = await waitFor(async () => {
      const d = await handle.describe();
      return d.info.recentActions.length > 0 ? d.info.recentActions : null;
    }, 'the schedule to record its action');
    expect(actions).toHaveLength(1);

    await ensureRecommendationsSchedule(stack.client, stack.taskQueue, 60);
    expect(await interval()).toBe(60 * 60_000);
    await ensureRecommendationsSchedule(stack.client, stack.taskQueue, 0);
    await expect(handle.describe()).rejects.toThrow(/not found/i);
    // Removing a schedule that is gone already is fine too.
    await ensureRecommendationsSchedule(stack.client, stack.taskQueue, 0);
  });
});
