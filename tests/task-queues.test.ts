// Workloads apart: journeys, campaigns and maintenance each run on a task queue of their own with worker
// slots of their own, so a broadcast sends while the journeys' worker is swamped (here: stopped, its
// queue filling with signups), and a campaign's status answers from its records when its worker cannot.
// Schedules made on the single queue of before are moved to the maintenance queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE, inWorkspace } from '../src/db/workspace.js';
import { ensureChurnSweepSchedule, ensureWorkspaceSchedules } from '../src/temporal/schedules.js';
import { taskQueues } from '../src/temporal/task-queues.js';
import { churnSweepScheduleId, holidayCampaignScheduleId, welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { seedAudience } from './helpers/audience.js';
import { at, BASE, HOUR } from './helpers/campaigns-api.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let queues: ReturnType<typeof taskQueues>;
beforeAll(async () => {
  // The dev server: Schedules, and a real server's handling of a queue nobody polls.
  stack = await startStack({ timeSkipping: false });
  queues = taskQueues(stack.taskQueue);
});
afterAll(async () => {
  await stack?.close();
});

const queueOf = async (workflowId: string) => (await stack.client.workflow.getHandle(workflowId).describe()).taskQueue;

async function broadcast(tag: string, extra: Record<string, unknown> = {}) {
  const created = await stack.api('POST', BASE, {
    name: uid('campaign'),
    type: 'email',
    target_tags: [tag],
    content: { subject: 'Hello {{ customer.first_name }}', text: 'News.' },
    ...extra,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const triggered = await stack.api('POST', `${BASE}/${created.body.id}/trigger`, { execution_type: 'actual' });
  expect(triggered.status, JSON.stringify(triggered.body)).toBe(202);
  return { id: created.body.id as string, executionId: triggered.body.execution_id as string };
}

describe('workloads on task queues of their own', () => {
  it('starts journeys, broadcasts and the churn sweep each on its own queue', async () => {
    const customerId = uid('cust');
    expect((await stack.api('PUT', `/api/customers/${customerId}`, { email: `${customerId}@example.com` })).status).toBe(201);
    await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId });
    expect(await queueOf(welcomeWorkflowId(customerId))).toBe(queues.journeys);
    expect(queues.journeys).toBe(stack.taskQueue);

    const { tag, emails } = await seedAudience(stack.database.db, 3);
    const campaign = await broadcast(tag);
    await waitFor(() => emails.every((e) => stack.mail.list().some((m) => m.to.includes(e!))), 'the broadcast');
    const status = await stack.api('GET', `${BASE}/${campaign.id}/status`);
    expect(status.status).toBe(200);
    const list = stack.client.workflow.list({ query: `CampaignId = "${campaign.id}"` });
    const runs = [];
    for await (const run of list) runs.push(run);
    expect(runs.map((r) => r.taskQueue)).toEqual([queues.campaigns]);

    const sweep = await stack.api('POST', '/api/journeys/churn_win_back/sweep');
    expect(sweep.status).toBe(200);
    expect(await queueOf(sweep.body.workflowId)).toBe(queues.maintenance);
  });

  it('sends a broadcast while the journeys worker is away and signups pile up on its queue', async () => {
    const journeysWorker = stack.worker!.workers.journeys!;
    journeysWorker.shutdown();
    await waitFor(() => journeysWorker.getState() === 'STOPPED', 'the journeys worker stopped');

    // A signup burst: accepted, dispatched (the runs are started), and waiting for a journeys worker.
    const signups = Array.from({ length: 60 }, () => ({ id: uid('evt'), type: 'user_signup', customerId: uid('burst') }));
    const answer = await stack.api('POST', '/api/events', signups);
    expect(answer.status).toBe(202);

    const { tag, emails } = await seedAudience(stack.database.db, 25);
    const campaign = await broadcast(tag);
    await waitFor(() => emails.every((e) => stack.mail.list().some((m) => m.to.includes(e!))), 'every broadcast email', 60_000);
    const done = await waitFor(async () => {
      const res = await stack.api('GET', `${BASE}/${campaign.id}/status`);
      return res.body?.status === 'completed' ? res : null;
    }, 'the broadcast completed');
    expect(done.status).toBe(200);
    // None of the burst's journeys ran: their worker is away.
    expect(stack.mail.list().some((m) => m.to.some((to) => to.startsWith('burst-')))).toBe(false);
    // A profile lists its running journey from Temporal's description, without the state only the worker could give.
    const asked = Date.now();
    const profile = await stack.api('GET', `/api/customers/${signups[0]!.customerId}`);
    expect(profile.status).toBe(200);
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(profile.body.journeys).toEqual([
      expect.objectContaining({ journey: 'welcome', workflowId: welcomeWorkflowId(signups[0]!.customerId) }),
    ]);
  });

  it("answers a running campaign's status from its records when no worker can answer for it", async () => {
    const campaignsWorker = stack.worker!.workers.campaigns!;
    const { tag } = await seedAudience(stack.database.db, 2);
    // Scheduled an hour ahead: its execution runs (waiting), and only a worker could answer its query.
    const campaign = await broadcast(tag, { start_time: at(HOUR) });
    campaignsWorker.shutdown();
    await waitFor(() => campaignsWorker.getState() === 'STOPPED', 'the campaigns worker stopped');

    const started = Date.now();
    const status = await stack.api('GET', `${BASE}/${campaign.id}/status`);
    expect(status.status, JSON.stringify(status.body)).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(JSON.stringify(status.body)).toContain(campaign.executionId);
    expect(JSON.stringify(status.body)).toContain('"processed":0');
  });

  it('moves schedules made on the single queue of before to the maintenance queue', async () => {
    await inWorkspace(DEFAULT_WORKSPACE, async () => {
      // As an installation from before the split made it.
      await ensureChurnSweepSchedule(stack.client, stack.taskQueue, 60);
      const warnings: string[] = [];
      await ensureWorkspaceSchedules(
        stack.client,
        queues.maintenance,
        { churnSweep: 60, segmentsRefresh: 0, recommendations: 0, insightsRefresh: 0 },
        (line) => warnings.push(line),
      );
      expect(warnings).toEqual([]);
      const schedule = await stack.client.schedule.getHandle(churnSweepScheduleId()).describe();
      expect(schedule.action.type === 'startWorkflow' && schedule.action.taskQueue).toBe(queues.maintenance);
      await stack.client.schedule.getHandle(churnSweepScheduleId()).delete();

      // A holiday campaign's schedule, made on the old queue, moved by start-up's pass.
      const created = await stack.api('POST', '/api/holiday-campaigns', {
        name: uid('holiday'),
        holiday_id: 'spring-festival',
        type: 'email',
        target_tags: [uid('tag')],
        content: { subject: 'Happy new year', text: '新年快乐' },
        send_time: '10:00',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const handle = stack.client.schedule.getHandle(holidayCampaignScheduleId(created.body.id));
      expect(((await handle.describe()).action as { taskQueue: string }).taskQueue).toBe(queues.maintenance);
      await handle.update((previous) => ({ ...previous, action: { ...previous.action, taskQueue: stack.taskQueue } }));
      expect(((await handle.describe()).action as { taskQueue: string }).taskQueue).toBe(stack.taskQueue);
      await stack.services.holidays.keepSchedulesOnQueue();
      expect(((await handle.describe()).action as { taskQueue: string }).taskQueue).toBe(queues.maintenance);
      await handle.delete();
    });
  });
});
