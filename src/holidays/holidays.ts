// A workspace's calendar: the shipped holidays and its own (the `holidays` table), found by id, added and removed.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { holidayCampaigns, holidays } from '../db/schema.js';
import { isUuid, uniqueViolation } from '../db/sql-helpers.js';
import { DomainError } from '../domain/errors.js';
import { datesBetween, type Holiday, isoDateProblem, monthDayProblem, SHIPPED_HOLIDAYS } from './calendar.js';

export interface HolidayInput {
  name: string;
  month_day?: string;
  dates?: Record<string, string>;
}

const invalid = (field: string, message: string) => new DomainError('validation_error', `${field}: ${message}`, field, 422);

const own = (r: typeof holidays.$inferSelect): Holiday => ({
  id: r.id,
  name: r.name,
  kind: 'workspace',
  monthDay: r.monthDay,
  dates: r.dates,
});

/** A holiday as the API shows it, with its dates from this year for `years` years. */
export function holidayView(h: Holiday, fromYear: number, years = 3) {
  return {
    id: h.id,
    name: h.name,
    kind: h.kind,
    shipped: h.kind !== 'workspace',
    month_day: h.monthDay,
    dates: h.dates,
    upcoming: datesBetween(h, fromYear, fromYear + years - 1),
  };
}

export const holidayNotFound = (id: string, field?: string) =>
  new DomainError('holiday_not_found', `no holiday "${id}"`, field, field ? 422 : 404);

export async function ownHolidays(db: Db): Promise<Holiday[]> {
  const rows = await db.select().from(holidays).where(ownRows(holidays)).orderBy(asc(holidays.createdAt), asc(holidays.id));
  return rows.map(own);
}

/** A shipped holiday by key or one of the workspace's own by id; null: none. */
export async function findHoliday(db: Db, id: string): Promise<Holiday | null> {
  const shipped = SHIPPED_HOLIDAYS.find((h) => h.id === id);
  if (shipped) return shipped;
  if (!isUuid(id)) return null;
  const [row] = await db
    .select()
    .from(holidays)
    .where(and(ownRows(holidays), eq(holidays.id, id)));
  return row ? own(row) : null;
}

/** Checks and adds a workspace's own holiday: a month-day every year, or a date per year (the key is that date's year). */
export async function addHoliday(db: Db, input: HolidayInput): Promise<Holiday> {
  const name = input.name.trim();
  if (!name) throw invalid('name', 'must not be empty');
  if (SHIPPED_HOLIDAYS.some((h) => h.name === name)) {
    throw new DomainError('holiday_exists', `name: "${name}" is a holiday of the calendar already`, 'name', 409);
  }
  if ((input.month_day === undefined) === (input.dates === undefined)) throw invalid('month_day', 'give month_day or dates (one of them)');
  if (input.month_day !== undefined) {
    const problem = monthDayProblem(input.month_day);
    if (problem) throw invalid('month_day', problem);
  }
  if (input.dates !== undefined) {
    const entries = Object.entries(input.dates);
    if (entries.length === 0) throw invalid('dates', 'give at least one date');
    for (const [year, date] of entries) {
      const problem = isoDateProblem(date);
      if (problem) throw invalid(`dates.${year}`, problem);
      if (date.slice(0, 4) !== year) throw invalid(`dates.${year}`, `the date of ${year} must be in ${year}`);
    }
  }
  try {
    const [row] = await db
      .insert(holidays)
      .values({ name, monthDay: input.month_day ?? null, dates: input.dates ?? null })
      .returning();
    return own(row!);
  } catch (err) {
    if (uniqueViolation(err)) throw new DomainError('holiday_exists', `name: the workspace has a holiday "${name}" already`, 'name', 409);
    throw err;
  }
}

/** Removes one of the workspace's own holidays; a shipped one, or one a holiday campaign runs on, stays (409). */
export async function removeHoliday(db: Db, id: string): Promise<void> {
  if (SHIPPED_HOLIDAYS.some((h) => h.id === id)) {
    throw new DomainError('holiday_shipped', `"${id}" is a shipped holiday: it cannot be deleted`, undefined, 409);
  }
  if (!(await findHoliday(db, id))) throw holidayNotFound(id);
  const [used] = await db
    .select({ id: holidayCampaigns.id })
    .from(holidayCampaigns)
    .where(and(ownRows(holidayCampaigns), eq(holidayCampaigns.holidayId, id)))
    .limit(1);
  if (used) throw new DomainError('holiday_in_use', `holiday campaign ${used.id} runs on this holiday: delete it first`, undefined, 409);
  await db.delete(holidays).where(and(ownRows(holidays), eq(holidays.id, id)));
}
