// The customer-insights refresh on its Temporal Schedule, on the dev server (the time-skipping test server
// has no Schedules): created as configured, updated when the interval changes, removed at 0, and a
// triggered run recomputes every customer.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerInsights, customers, intelligenceSettings, orders } from '../src/db/schema.js';
import { ensureInsightsRefreshSchedule } from '../src/temporal/schedules.js';
import { insightsRefreshScheduleId } from '../src/temporal/workflow-ids.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: the refresh recomputes every customer there is.
  stack = await startStack({ timeSkipping: false, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

describe('customer-insights refresh schedule', () => {
  it('is created, updated and removed as configured, and a triggered run refreshes every customer', async () => {
    const handle = stack.client.schedule.getHandle(insightsRefreshScheduleId());
    await ensureInsightsRefreshSchedule(stack.client, stack.taskQueue, 60);
    await ensureInsightsRefreshSchedule(stack.client, stack.taskQueue, 60);
    const interval = async () => (await handle.describe()).spec.intervals?.[0]?.every;
    expect(await interval()).toBe(60 * 60_000);
    expect((await handle.describe()).policies).toMatchObject({ overlap: 'SKIP' });

    const id = uid('sched');
    await stack.database.db.insert(customers).values({ id, createdAt: new Date(Date.now() - 400 * 86_400_000) });
    await stack.database.db
      .insert(orders)
      .values({ id: `${id}-o`, customerId: id, amount: 1500, occurredAt: new Date(Date.now() - 40 * 86_400_000) });
    await handle.trigger();
    const row = await waitFor(
      async () => (await stack.database.db.select().from(customerInsights).where(eq(customerInsights.customerId, id)))[0],
      'the refresh',
    );
    expect(row).toMatchObject({ segment: 'potential', mScore: 3 });
    const [record] = await stack.database.db.select().from(intelligenceSettings).where(eq(intelligenceSettings.key, 'last_refresh'));
    expect(record?.value).toMatchObject({ customers: 1, method: 'threshold' });

    await ensureInsightsRefreshSchedule(stack.client, stack.taskQueue, 15);
    expect(await interval()).toBe(15 * 60_000);
    await ensureInsightsRefreshSchedule(stack.client, stack.taskQueue, 0);
    await expect(handle.describe()).rejects.toThrow(/not found/i);
  });
});
