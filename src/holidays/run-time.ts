// When a holiday campaign's year runs. Every customer is sent at the local time of day on the holiday in their
// own zone, so the run must begin before the first zone (UTC+14) reaches it: the schedule fires at 00:00 UTC the
// day before, and the year's campaign execution starts at RUN_LEAD before the send time in UTC (13 h 50 min).
// Each record then waits until the next time its customer's clock shows the send time (the campaign's one-arm
// send-time experiment, src/experiments/send-time.ts): that is the holiday's in every zone from UTC−10 to
// UTC+13 (UTC−11 and −12 get it on the eve, UTC+13:45 and +14 the day after — a day has 24 hours, the zones span 26).
import { utcMidnight } from './calendar.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long before the send time (as read in UTC) on the holiday the execution begins. */
export const RUN_LEAD = 13 * HOUR + 50 * MINUTE;

/** `HH:MM` as minutes after midnight, or null. */
export function sendMinute(value: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** When the schedule fires for the holiday on `date`: 00:00 UTC the day before. */
export const fireTime = (date: string): number => utcMidnight(date) - DAY;

/** When the year's campaign execution begins sending (its start time). */
export const runStart = (date: string, minute: number): number => utcMidnight(date) + minute * MINUTE - RUN_LEAD;

/** The end of the year's execution: nothing of it goes out once the holiday is over everywhere (plus a margin). */
export const runEnd = (date: string): number => utcMidnight(date) + 2 * DAY;

/**
 * Of the holiday's dates, the one a run at `at` is for: the schedule fired for it (from an hour before the
 * day before, for a clock a little early) and its day has not ended in UTC. Null: no holiday is near.
 */
export function dateOfRun(dates: string[], at: number): string | null {
  return dates.find((d) => at >= fireTime(d) - HOUR && at < utcMidnight(d) + DAY) ?? null;
}
