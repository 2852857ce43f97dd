// When a birthday greeting is due. Pure and free of I/O, so workflow code can call it: the zone math uses
// Intl (which the workflow sandbox provides) and takes `now` from the caller (the workflow's clock).
import { localParts } from '../domain/local-time.js';

/** The hour of the day, local to the customer, at which birthday greetings go out. */
export const GREETING_HOUR = 9;

export interface BirthdayOccurrence {
  /** The instant (ms since the epoch) of 09:00 local time on the birthday. */
  at: number;
  /** The customer's local calendar year of that birthday: part of each send's idempotency key. */
  year: number;
}

/**
 * The next instant strictly after `now` that is 09:00 in `timeZone` (UTC when null) on the month and day
 * of `birthday` ('YYYY-MM-DD'); a 29 February birthday is celebrated on 28 February in other years.
 * Throws a RangeError for a malformed birthday or an unknown time zone.
 */
export function nextBirthday(birthday: string, timeZone: string | null, now: number): BirthdayOccurrence {
  const { month, day } = parseBirthday(birthday);
  const zone = timeZone ?? 'UTC';
  // No occurrence in an earlier local year can lie after `now`; two years on always has one.
  const thisYear = localParts(zone, now).year;
  for (let year = thisYear; year <= thisYear + 2; year++) {
    const d = month === 2 && day === 29 && !isLeapYear(year) ? 28 : day;
    const at = localTimeToInstant(zone, year, month, d, GREETING_HOUR, 0);
    if (at > now) return { at, year };
  }
  throw new RangeError(`no birthday after ${new Date(now).toISOString()} for ${birthday} in ${zone}`);
}

export function nextBirthdayAt(birthday: string, timeZone: string | null, now: number): number {
  return nextBirthday(birthday, timeZone, now).at;
}

/**
 * The instant a wall-clock time in `timeZone` denotes, resolved as java.time and Temporal's 'compatible'
 * option do: a time that occurs twice (clocks turned back) is the earlier one; a time skipped by clocks
 * turned forward is moved forward by the length of the gap (02:30 on a spring-forward night → 03:30).
 */
export function localTimeToInstant(timeZone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Every zone's offset changes at most once within a day around the wall time, so the offsets a day
  // before and a day after are the only candidates.
  const before = offsetAt(timeZone, wall - 86_400_000);
  const after = offsetAt(timeZone, wall + 86_400_000);
  const valid = [wall - before, wall - after].filter((t) => offsetAt(timeZone, t) === wall - t);
  if (valid.length > 0) return Math.min(...valid);
  return wall - before;
}

function parseBirthday(birthday: string): { month: number; day: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthday);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  // Any month/day that exists in a leap year is a birthday (the birth year itself does not matter here).
  if (!match || month < 1 || month > 12 || day < 1 || day > daysInMonth(2000, month)) {
    throw new RangeError(`"${birthday}" is not a birthday (YYYY-MM-DD)`);
  }
  return { month, day };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Local time minus UTC at the instant `at`, in ms (e.g. +3 600 000 for Europe/Berlin in winter). */
function offsetAt(timeZone: string, at: number): number {
  const p = localParts(timeZone, at);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at / 1000) * 1000;
}
