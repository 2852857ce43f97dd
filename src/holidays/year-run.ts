// A holiday campaign's run of one year as rows: that year's campaign (its id derived from the holiday campaign
// and the year, so every run of the year finds the same one) with a one-arm send-time experiment that holds
// each record until the customer's local send time. Inserted once; a repeat reads them back.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { experiments, holidayCampaigns, marketingCampaigns } from '../db/schema.js';
import { currentWorkspace } from '../db/workspace.js';
import { campaignWorkflowId } from '../temporal/workflow-ids.js';
import { keyedUuid } from '../domain/keyed-uuid.js';
import { datesBetween } from './calendar.js';
import { findHoliday } from './holidays.js';
import { dateOfRun, runEnd, runStart, sendMinute } from './run-time.js';

/** The campaign of a holiday campaign's year (one per year), and its one execution. */
export const yearCampaignId = (holidayCampaignId: string, year: number) => keyedUuid(`holiday-campaign/${holidayCampaignId}/${year}`);
export const yearExecutionId = (holidayCampaignId: string, year: number) => `holiday-${holidayCampaignId}-${year}`;

export interface YearRun {
  year: number;
  date: string;
  campaignId: string;
  executionId: string;
  workflowId: string;
  workspace: string;
  startAt: number;
  endAt: number;
}

/** The year's campaign a run at `at` sends (created the first time), or null: no holiday near, or the holiday campaign is gone. */
export async function prepareYearRun(db: Db, holidayCampaignId: string, at: number): Promise<YearRun | null> {
  const [hc] = await db
    .select()
    .from(holidayCampaigns)
    .where(and(ownRows(holidayCampaigns), eq(holidayCampaigns.id, holidayCampaignId)));
  if (!hc) return null;
  const holiday = await findHoliday(db, hc.holidayId);
  const minute = sendMinute(hc.sendTime);
  if (!holiday || minute === null) return null;
  const year = new Date(at).getUTCFullYear();
  const date = dateOfRun(datesBetween(holiday, year - 1, year + 1), at);
  if (!date) return null;
  const holidayYear = Number(date.slice(0, 4));
  const campaignId = yearCampaignId(hc.id, holidayYear);
  const executionId = yearExecutionId(hc.id, holidayYear);
  const startAt = runStart(date, minute);
  const endAt = runEnd(date);
  await db.transaction(async (tx) => {
    await tx
      .insert(marketingCampaigns)
      .values({
        id: campaignId,
        name: `${hc.name} ${holidayYear}`,
        type: hc.type,
        status: 'scheduled',
        targetTags: hc.targetTags,
        targetSegmentId: hc.targetSegmentId,
        content: hc.content,
        contentTemplateId: hc.contentTemplateId,
        startTime: new Date(startAt),
        endTime: new Date(endAt),
        executionId,
        createdBy: hc.createdBy,
        updatedBy: hc.createdBy,
      })
      .onConflictDoNothing();
    await tx
      .insert(experiments)
      .values({
        id: keyedUuid(`holiday-campaign/${hc.id}/${holidayYear}/send-time`),
        name: `holiday/${hc.id}/${holidayYear}`,
        kind: 'send_time',
        status: 'running',
        campaignId,
        variants: [{ key: 'local_time', name: `${hc.sendTime} local time`, weight: 1, sendAt: { localTime: hc.sendTime } }],
        goal: 'open_rate',
        startedAt: new Date(at),
      })
      .onConflictDoNothing();
  });
  return {
    year: holidayYear,
    date,
    campaignId,
    executionId,
    workflowId: campaignWorkflowId(campaignId, executionId),
    workspace: currentWorkspace(),
    startAt,
    endAt,
  };
}
