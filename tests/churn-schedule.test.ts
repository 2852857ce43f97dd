// The churn sweep's Temporal Schedule, on the dev server (the time-skipping test server has no Schedules):
// created as configured, updated when the interval changes, removed at 0, and a triggered sweep starts the
// win-back run of a customer who went quiet.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers } from '../src/db/schema.js';
import { churnSweepScheduleId, churnWinBackWorkflowId } from '../src/temporal/workflow-ids.js';
import { ensureChurnSweepSchedule } from '../src/temporal/schedules.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: the triggered sweep must find only this file's customers.
  stack = await startStack({ timeSkipping: false, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;

describe('churn sweep schedule', () => {
  it('is created, updated and removed as configured, and a triggered sweep starts due win-back runs', async () => {
    const handle = stack.client.schedule.getHandle(churnSweepScheduleId());
    await ensureChurnSweepSchedule(stack.client, stack.taskQueue, 60);
    // Creating it again (a second process starting) is harmless and keeps one schedule.
    await ensureChurnSweepSchedule(stack.client, stack.taskQueue, 60);
    const interval = async () => (await handle.describe()).spec.intervals?.[0]?.every;
    expect(await interval()).toBe(60 * 60_000);
    expect((await handle.describe()).policies).toMatchObject({ overlap: 'SKIP' });

    const quiet = uid('quiet');
    const lastActivityAt = new Date(Date.now() - 31 * DAY);
    await stack.database.db.insert(customers).values({ id: quiet, email: `${quiet}@example.com`, lastActivityAt });
    const active = uid('active');
    await stack.database.db.insert(customers).values({ id: active, email: `${active}@example.com`, lastActivityAt: new Date() });

    await handle.trigger();
    const run = await waitFor(async () => {
      const [row] = await stack.database.db.select().from(customers).where(eq(customers.id, quiet));
      return row?.churnRunId;
    }, 'the sweep to claim the quiet customer');
    expect(run).toBe(churnWinBackWorkflowId(quiet, lastActivityAt.getTime()));
    await stack.mail.waitFor((m) => m.to.includes(`${quiet}@example.com`));
    const [other] = await stack.database.db.select().from(customers).where(eq(customers.id, active));
    expect(other?.churnRunId).toBeNull();
    const sweeps = await waitFor(async () => {
      const d = await handle.describe();
      return d.info.recentActions.length > 0 ? d.info.recentActions : null;
    }, 'the schedule to record its action');
    expect(sweeps).toHaveLength(1);

    await ensureChurnSweepSchedule(stack.client, stack.taskQueue, 15);
    expect(await interval()).toBe(15 * 60_000);
    await ensureChurnSweepSchedule(stack.client, stack.taskQueue, 0);
    await expect(handle.describe()).rejects.toThrow(/not found/i);
    await stack.journeys.endRun('churn_win_back', run, 'cancelled');
  });
});
