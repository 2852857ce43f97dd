// The holiday calendar and holiday campaigns through the API on the Temporal dev server (which has
// Schedules, unlike the time-skipping server of tests/holiday-campaigns.test.ts): the shipped calendar,
// a workspace holiday, a holiday campaign's yearly Schedule (its dates the day before each holiday, its
// action the yearly run), the Schedule's run making that year's campaign, and deleting it.
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HolidayCampaignRunResult } from '../src/holidays/holiday-campaign.workflow.js';
import { yearCampaignId } from '../src/holidays/year-run.js';
import { taskQueues } from '../src/temporal/task-queues.js';
import { holidayCampaignRunWorkflowId, holidayCampaignScheduleId } from '../src/temporal/workflow-ids.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: false });
});
afterAll(async () => {
  await stack?.close();
});

const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

describe('holidays API', () => {
  it('lists the shipped calendar with lunar holidays given as dates per year', async () => {
    const res = await stack.api('GET', '/api/holidays');
    expect(res.status).toBe(200);
    const byName = new Map((res.body.holidays as Array<{ name: string }>).map((h) => [h.name, h]));
    expect(byName.get('元旦')).toMatchObject({ month_day: '01-01' });
    expect(byName.get('双十一')).toMatchObject({ month_day: '11-11' });
    // 春节 2027 is on 6 February (the lunar table).
    expect((byName.get('春节') as { dates?: Record<string, string> } | undefined)?.dates?.['2027']).toBe('2027-02-06');
  });

  it("keeps a holiday campaign's yearly Schedule, whose run makes that year's campaign, and deletes both", async () => {
    const today = isoDay(Date.now());
    const year = today.slice(0, 4);
    const holiday = await stack.api('POST', '/api/holidays', { name: uid('店庆日'), dates: { [year]: today } });
    expect(holiday.status).toBe(201);
    const tag = uid('holiday-api');
    const created = await stack.api('POST', '/api/holiday-campaigns', {
      name: uid('店庆 greetings'),
      holiday_id: holiday.body.id,
      type: 'email',
      target_tags: [tag],
      content: { subject: '店庆快乐', text: 'Hi' },
      send_time: '10:00',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // The Schedule: one calendar entry, the day before the holiday at 00:00 UTC, starting the yearly run.
    const schedule = stack.client.schedule.getHandle(holidayCampaignScheduleId(id));
    const described = await schedule.describe();
    const dayBefore = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000);
    expect(described.spec.calendars).toHaveLength(1);
    expect(described.spec.calendars![0]).toMatchObject({
      year: [{ start: dayBefore.getUTCFullYear(), end: dayBefore.getUTCFullYear(), step: 1 }],
      dayOfMonth: [{ start: dayBefore.getUTCDate(), end: dayBefore.getUTCDate(), step: 1 }],
      hour: [{ start: 0, end: 0, step: 1 }],
    });
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'holidayCampaignRun',
      taskQueue: taskQueues(stack.taskQueue).maintenance,
    });
    expect(described.policies).toMatchObject({ overlap: 'SKIP' });

    // Fired now (the holiday is today: in season), the run makes this year's campaign once.
    await schedule.trigger();
    const runs = await waitFor(async () => {
      const recent = (await schedule.describe()).info.recentActions;
      return recent.length > 0 ? recent : null;
    }, 'a recent action');
    const workflowId = runs.at(-1)!.action.workflow.workflowId;
    expect(workflowId.startsWith(holidayCampaignRunWorkflowId(id))).toBe(true);
    const result = (await stack.client.workflow.getHandle(workflowId).result()) as HolidayCampaignRunResult;
    expect(result).toMatchObject({ date: today, campaignId: yearCampaignId(id, Number(year)), started: true });
    const campaign = await stack.api('GET', `/api/marketing/campaigns/${result.campaignId}`);
    expect(campaign.status).toBe(200);
    // Its send time is held by a one-arm experiment of the system's, not listed or steered as an A/B test.
    const listed = await stack.api('GET', `/api/experiments?campaign_id=${result.campaignId}`);
    expect(listed).toMatchObject({ status: 200, body: { experiments: [] } });
    expect((await stack.api('GET', `/api/experiments/${encodeURIComponent(`holiday/${id}/${year}`)}`)).status).toBe(404);
    const read = await stack.api('GET', `/api/holiday-campaigns/${id}`);
    expect(read.body.campaigns).toEqual([expect.objectContaining({ year: Number(year), campaign_id: result.campaignId })]);

    expect((await stack.api('DELETE', `/api/holiday-campaigns/${id}`)).status).toBe(204);
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await stack.api('GET', `/api/holiday-campaigns/${id}`)).status).toBe(404);
  });

  it('refuses bad holidays and holiday campaigns naming the field', async () => {
    expect(await stack.api('POST', '/api/holidays', { name: '坏日子', month_day: '13-40' })).toMatchObject({
      status: 422,
      body: { error: { field: 'month_day' } },
    });
    expect(
      await stack.api('POST', '/api/holiday-campaigns', {
        name: 'x',
        holiday_id: 'no-such-holiday',
        type: 'email',
        target_tags: ['x'],
        content: { subject: 's', text: 't' },
        send_time: '10:00',
      }),
    ).toMatchObject({ status: 422, body: { error: { code: 'holiday_not_found', field: 'holiday_id' } } });
    expect(
      await stack.api('POST', '/api/holiday-campaigns', {
        name: 'x',
        holiday_id: 'spring-festival',
        type: 'email',
        target_tags: ['x'],
        content: { subject: 's', text: 't' },
        send_time: '25:00',
      }),
    ).toMatchObject({ status: 422, body: { error: { field: 'send_time' } } });
  });
});
