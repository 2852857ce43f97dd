// A holiday campaign's yearly runs through the time-skipping server (which has no Schedules: each run is
// started as its schedule starts it — tests/holidays-api.test.ts checks the schedule itself on the dev
// server). A workspace holiday a few days ahead: the run the day before makes that year's campaign, every
// customer gets one email at 10:00 on the holiday in their own zone; a second firing sends nothing; next
// year's run sends once more.
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignProgress } from '../src/campaigns/campaign.workflow.js';
import { customers, holidayCampaigns, marketingCampaigns, messages } from '../src/db/schema.js';
import { localParts } from '../src/domain/local-time.js';
import type { HolidayCampaignRunResult } from '../src/holidays/holiday-campaign.workflow.js';
import { campaignWorkflowId, holidayCampaignRunWorkflowId } from '../src/temporal/workflow-ids.js';
import { yearCampaignId } from '../src/holidays/year-run.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
});
afterAll(async () => {
  await stack?.close();
});

const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The instant `date` 10:00 reads on a clock in `zone`, found by trying every quarter-hour offset (independent of the app's arithmetic). */
function tenOClock(date: string, zone: string): number {
  const base = Date.parse(`${date}T10:00:00Z`);
  for (let q = -14 * 4; q <= 12 * 4; q++) {
    const at = base + q * 15 * 60_000;
    const p = localParts(zone, at);
    const local = `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')} ${p.hour}:${p.minute}`;
    if (local === `${date} 10:0`) return at;
  }
  throw new Error(`no 10:00 on ${date} in ${zone}`);
}

/** Skips the test server's clock to `at` an hour at a time, so the zones' sends come in steps of their own. */
async function skipTo(at: number): Promise<void> {
  for (let now = await stack.env.currentTimeMs(); now < at; now = await stack.env.currentTimeMs()) {
    await stack.env.sleep(Math.min(at - now, 60 * 60_000));
  }
}

/** The run the schedule starts the day before the holiday, started as it would be. */
async function fire(holidayCampaignId: string) {
  const { batchSize, batchesPerRun } = stack.servicesConfig.campaigns;
  const now = await stack.env.currentTimeMs();
  return stack.client.workflow.start('holidayCampaignRun', {
    workflowId: `${holidayCampaignRunWorkflowId(holidayCampaignId)}-${new Date(now).toISOString()}`,
    taskQueue: stack.taskQueue,
    args: [{ holidayCampaignId, batchSize, batchesPerRun }],
  });
}
const fired = async (holidayCampaignId: string) => (await (await fire(holidayCampaignId)).result()) as HolidayCampaignRunResult;
const yearCampaign = (id: string) =>
  waitFor(
    async () => (await stack.database.db.select().from(marketingCampaigns).where(eq(marketingCampaigns.id, id)))[0],
    'the year campaign',
  );

const yearRecords = (campaignId: string) => stack.database.db.select().from(messages).where(eq(messages.campaignId, campaignId));

describe('a holiday campaign', () => {
  it('sends every customer one email at 10:00 on the holiday in their zone, once per year however often it fires', async () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'Pacific/Honolulu', 'Pacific/Auckland', 'Europe/Berlin', null];
    const tag = uid('holiday');
    const ids = zones.map((_, i) => `${tag}-${i}`);
    await stack.database.db
      .insert(customers)
      .values(ids.map((id, i) => ({ id, email: `${id}@example.com`, name: `顾客 ${i}`, tags: [tag], timezone: zones[i] })));
    await stack.database.db.insert(customers).values({ id: `${tag}-other`, email: `${tag}-other@example.com`, tags: ['not-this-one'] });

    // The workspace's own holiday: three days ahead, and next year in its first weeks (its dates are given per year).
    const start = await stack.env.currentTimeMs();
    const date = isoDay(start + 3 * DAY);
    const nextYearFirst = `${Number(date.slice(0, 4)) + 1}-01-10`;
    const nextDate = isoDay(Math.max(Date.parse(nextYearFirst), start + 40 * DAY));
    const holiday = await stack.api('POST', '/api/holidays', {
      name: uid('店庆日'),
      dates: { [date.slice(0, 4)]: date, [nextDate.slice(0, 4)]: nextDate },
    });
    expect(holiday.status, JSON.stringify(holiday.body)).toBe(201);
    // Saved here, not through the API, whose schedule the time-skipping server cannot keep.
    const name = uid('店庆 greetings');
    const [hc] = await stack.database.db
      .insert(holidayCampaigns)
      .values({
        name,
        holidayId: holiday.body.id,
        type: 'email',
        targetTags: [tag],
        content: { subject: '{{ customer.name }}，店庆快乐 🎉', text: '店庆日快乐！' },
        sendTime: '10:00',
      })
      .returning();
    // Out of season a firing does nothing.
    expect(await fired(hc!.id)).toEqual({ date: null, campaignId: null, started: false });
    expect(
      await stack.database.db
        .select()
        .from(marketingCampaigns)
        .where(like(marketingCampaigns.name, `${name}%`)),
    ).toEqual([]);
    // The day before, 00:00 UTC: the schedule's firing.
    await stack.env.sleep(Date.parse(`${date}T00:00:00Z`) - DAY - (await stack.env.currentTimeMs()));
    const firstRun = await fire(hc!.id);
    const year = await yearCampaign(yearCampaignId(hc!.id, Number(date.slice(0, 4))));
    expect(year).toMatchObject({ name: `${name} ${date.slice(0, 4)}`, status: 'scheduled', targetTags: [tag] });
    const execution = stack.client.workflow.getHandle(campaignWorkflowId(year.id, year.executionId!));

    // The execution begins at 10:00 UTC+13:50 on the holiday, before any zone's 10:00 (UTC+13's is 50 minutes on):
    // each record then waits for its customer's 10:00 on the holiday.
    await stack.env.sleep(Date.parse(`${date}T10:00:00Z`) - (13 * 60 + 45) * 60_000 - (await stack.env.currentTimeMs()));
    const waiting = await waitFor(async () => {
      const rows = await yearRecords(year.id);
      return rows.length === ids.length && rows.every((r) => r.status === 'pending') ? rows : null;
    }, 'every record waiting for its send time');
    for (const [i, id] of ids.entries()) {
      const r = waiting.find((m) => m.customerId === id)!;
      expect([r.errorMessage, r.leaseUntil?.getTime()], `${zones[i]}`).toEqual(['send_time', tenOClock(date, zones[i] ?? 'UTC')]);
    }
    // Past the last zone's 10:00 (UTC−10's, 20:00 UTC): every record is sent.
    await skipTo(Date.parse(`${date}T22:00:00Z`));
    const done = (await execution.result()) as CampaignProgress;
    expect(done).toMatchObject({ state: 'completed', processed: ids.length, sent: ids.length, failed: 0 });
    const first = (await firstRun.result()) as HolidayCampaignRunResult;
    expect(first).toEqual({ date, campaignId: year.id, started: true });
    const mailOf = (id: string) => stack.mail.list().filter((m) => m.to.includes(`${id}@example.com`));
    for (const [i, id] of ids.entries()) expect(mailOf(id).map((m) => m.subject)).toEqual([`顾客 ${i}，店庆快乐 🎉`]);
    expect(mailOf(`${tag}-other`)).toEqual([]);

    // The schedule firing again (a manual trigger, a retry): the same campaign, nothing new.
    const again = await fired(hc!.id);
    expect(again).toEqual({ date, campaignId: first.campaignId, started: false });
    expect(await yearRecords(year.id)).toHaveLength(ids.length);
    for (const id of ids) expect(mailOf(id)).toHaveLength(1);
    // Next year: a campaign of its own, and one more email each.
    await stack.env.sleep(Date.parse(`${nextDate}T00:00:00Z`) - DAY - (await stack.env.currentTimeMs()));
    const nextRun = await fire(hc!.id);
    const nextYear = await yearCampaign(yearCampaignId(hc!.id, Number(nextDate.slice(0, 4))));
    expect(nextYear.id).not.toBe(year.id);
    await stack.env.sleep(Date.parse(`${nextDate}T10:00:00Z`) - (13 * 60 + 45) * 60_000 - (await stack.env.currentTimeMs()));
    await waitFor(async () => (await yearRecords(nextYear.id)).length === ids.length, "next year's records");
    await skipTo(Date.parse(`${nextDate}T22:00:00Z`));
    const nextDone = (await stack.client.workflow
      .getHandle(campaignWorkflowId(nextYear.id, nextYear.executionId!))
      .result()) as CampaignProgress;
    expect(nextDone).toMatchObject({ state: 'completed', sent: ids.length });
    expect(await nextRun.result()).toEqual({ date: nextDate, campaignId: nextYear.id, started: true });
    for (const id of ids) expect(mailOf(id)).toHaveLength(2);
    const nextRecords = await stack.database.db
      .select()
      .from(messages)
      .where(and(eq(messages.campaignId, nextYear.id), eq(messages.status, 'sent')));
    expect(nextRecords.map((r) => r.customerId).sort()).toEqual([...ids].sort());
  });
});
