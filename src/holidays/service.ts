// Holidays and holiday campaigns as the API manages them: the workspace's calendar, and campaigns that run
// every year on a holiday through a Temporal Schedule of their own (one per holiday campaign).
import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { type CampaignType, holidayCampaigns, marketingCampaigns } from '../db/schema.js';
import { isUuid } from '../db/sql-helpers.js';
import { DomainError } from '../domain/errors.js';
import type { CampaignService } from '../campaigns/service.js';
import type { CampaignServiceOptions } from '../campaigns/execution.js';
import type { PartsContent } from '../templates/parts.js';
import { holidayCampaignRunWorkflowId, holidayCampaignScheduleId, workspaceSearchAttribute } from '../temporal/workflow-ids.js';
import { datesBetween, type Holiday, SHIPPED_HOLIDAYS } from './calendar.js';
import { addHoliday, findHoliday, holidayNotFound, holidayView, type HolidayInput, ownHolidays, removeHoliday } from './holidays.js';
import { fireTime, runStart, sendMinute } from './run-time.js';
import { yearCampaignId } from './year-run.js';

/** How many years ahead a schedule lists a fixed or month-day holiday's dates (lunar ones: the table's years). */
export const SCHEDULE_YEARS = 20;

export interface HolidayCampaignInput {
  name: string;
  holiday_id: string;
  type: CampaignType;
  target_tags?: string[];
  target_segment_id?: string | null;
  content?: PartsContent | null;
  content_template_id?: string | null;
  send_time: string;
}

type HolidayCampaignRow = typeof holidayCampaigns.$inferSelect;

const notFound = (id: string) => new DomainError('holiday_campaign_not_found', `no holiday campaign "${id}"`, undefined, 404);
const unavailable = (err: Error) => new DomainError('temporal_unavailable', `could not reach Temporal: ${err.message}`, undefined, 503);
const thisYear = () => new Date().getUTCFullYear();

export function createHolidayService(
  db: Db,
  client: Client,
  taskQueue: string,
  campaigns: CampaignService,
  options: CampaignServiceOptions,
) {
  /** The schedule's dates: the holiday's from this year on (a run for one just past is not started again). */
  const scheduledDates = (h: Holiday) =>
    datesBetween(h, thisYear(), h.dates ? Math.max(0, ...Object.keys(h.dates).map(Number)) : thisYear() + SCHEDULE_YEARS - 1);

  async function ensureSchedule(row: HolidayCampaignRow, holiday: Holiday): Promise<void> {
    const calendars = scheduledDates(holiday).map((d) => {
      const at = new Date(fireTime(d));
      return {
        year: at.getUTCFullYear(),
        month: MONTHS[at.getUTCMonth()]!,
        dayOfMonth: at.getUTCDate(),
        hour: 0,
        minute: 0,
        comment: `${holiday.name} ${d}`,
      };
    });
    await client.schedule.create({
      scheduleId: holidayCampaignScheduleId(row.id),
      spec: { calendars },
      action: {
        type: 'startWorkflow',
        workflowType: 'holidayCampaignRun',
        workflowId: holidayCampaignRunWorkflowId(row.id),
        taskQueue,
        args: [{ holidayCampaignId: row.id, batchSize: options.batchSize, batchesPerRun: options.batchesPerRun }],
        typedSearchAttributes: [workspaceSearchAttribute()],
      },
      // A run missed in an outage still begins within the day (the year's campaign is the same either way).
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
    });
  }

  async function find(id: string): Promise<HolidayCampaignRow> {
    if (!isUuid(id)) throw notFound(id);
    const [row] = await db
      .select()
      .from(holidayCampaigns)
      .where(and(ownRows(holidayCampaigns), eq(holidayCampaigns.id, id)));
    if (!row) throw notFound(id);
    return row;
  }

  /** A holiday campaign as the API shows it: its next date and when that year's run begins, and the years' campaigns so far. */
  async function view(row: HolidayCampaignRow) {
    const holiday = await findHoliday(db, row.holidayId);
    const minute = sendMinute(row.sendTime) ?? 0;
    const now = Date.now();
    const next = holiday ? datesBetween(holiday, thisYear(), thisYear() + 2).find((d) => runStart(d, minute) > now) : undefined;
    const firstYear = row.createdAt.getUTCFullYear();
    const years = Array.from({ length: thisYear() + 2 - firstYear }, (_, i) => firstYear + i);
    const byId = new Map(years.map((y) => [yearCampaignId(row.id, y), y]));
    const runs = await db
      .select({ id: marketingCampaigns.id, status: marketingCampaigns.status })
      .from(marketingCampaigns)
      .where(and(ownRows(marketingCampaigns), inArray(marketingCampaigns.id, [...byId.keys()])));
    return {
      id: row.id,
      name: row.name,
      holiday_id: row.holidayId,
      holiday_name: holiday?.name ?? null,
      type: row.type,
      target_tags: row.targetTags,
      target_segment_id: row.targetSegmentId,
      content: row.content,
      content_template_id: row.contentTemplateId,
      send_time: row.sendTime,
      next_date: next ?? null,
      next_run_at: next ? new Date(runStart(next, minute)).toISOString() : null,
      campaigns: runs.map((r) => ({ year: byId.get(r.id)!, campaign_id: r.id, status: r.status })).sort((a, b) => a.year - b.year),
      created_by: row.createdBy,
      created_at: row.createdAt.toISOString(),
    };
  }

  return {
    /** The workspace's calendar: the shipped holidays, then its own. */
    async calendar() {
      const year = thisYear();
      return { holidays: [...SHIPPED_HOLIDAYS, ...(await ownHolidays(db))].map((h) => holidayView(h, year)) };
    },
    addHoliday: async (input: HolidayInput) => holidayView(await addHoliday(db, input), thisYear()),
    removeHoliday: (id: string) => removeHoliday(db, id),

    /** Checks and saves a holiday campaign, and keeps its yearly schedule. */
    async create(input: HolidayCampaignInput, actor: string | null) {
      const holiday = await findHoliday(db, input.holiday_id);
      if (!holiday) throw holidayNotFound(input.holiday_id, 'holiday_id');
      if (sendMinute(input.send_time) === null) {
        throw new DomainError('validation_error', 'send_time: must be a local time of day as HH:MM, e.g. 10:00', 'send_time', 422);
      }
      if (scheduledDates(holiday).length === 0) {
        throw new DomainError('validation_error', `holiday_id: ${holiday.name} has no date from ${thisYear()} on`, 'holiday_id', 422);
      }
      await campaigns.validate(input);
      const [row] = await db
        .insert(holidayCampaigns)
        .values({
          name: input.name,
          holidayId: holiday.id,
          type: input.type,
          targetTags: input.target_tags ?? [],
          targetSegmentId: input.target_segment_id ?? null,
          content: input.content ?? null,
          contentTemplateId: input.content_template_id ?? null,
          sendTime: input.send_time,
          createdBy: actor,
        })
        .returning();
      try {
        await ensureSchedule(row!, holiday);
      } catch (err) {
        await db.delete(holidayCampaigns).where(and(ownRows(holidayCampaigns), eq(holidayCampaigns.id, row!.id)));
        throw unavailable(err as Error);
      }
      return view(row!);
    },

    async list() {
      const rows = await db.select().from(holidayCampaigns).where(ownRows(holidayCampaigns)).orderBy(asc(holidayCampaigns.createdAt));
      return { holiday_campaigns: await Promise.all(rows.map(view)) };
    },

    get: async (id: string) => view(await find(id)),

    /**
     * Points every holiday campaign's schedule of the workspace at the task queue its runs now start on
     * (schedules made before workloads had queues of their own start on the journeys' one). At start-up.
     */
    async keepSchedulesOnQueue(): Promise<void> {
      const rows = await db.select({ id: holidayCampaigns.id }).from(holidayCampaigns).where(ownRows(holidayCampaigns));
      for (const row of rows) {
        await client.schedule
          .getHandle(holidayCampaignScheduleId(row.id))
          .update((previous) =>
            previous.action.type === 'startWorkflow' && previous.action.taskQueue !== taskQueue
              ? { ...previous, action: { ...previous.action, taskQueue } }
              : previous,
          )
          .catch((err: Error) => {
            if (!(err instanceof ScheduleNotFoundError)) throw err;
          });
      }
    },

    /** Deletes the holiday campaign and its schedule; a year's campaign already made stays a campaign (cancel it there). */
    async remove(id: string): Promise<void> {
      const row = await find(id);
      await client.schedule
        .getHandle(holidayCampaignScheduleId(row.id))
        .delete()
        .catch((err: Error) => {
          if (!(err instanceof ScheduleNotFoundError)) throw unavailable(err);
        });
      await db.delete(holidayCampaigns).where(and(ownRows(holidayCampaigns), eq(holidayCampaigns.id, row.id)));
    },
  };
}

const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;

export type HolidayService = ReturnType<typeof createHolidayService>;
