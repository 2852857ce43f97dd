// The holiday calendar: the holidays every workspace has (fixed month-days, and lunar ones from the shipped
// table in lunar-dates.ts) and a workspace's own, each as the Gregorian date it falls on in a year. Pure.
import { LUNAR_DATES } from './lunar-dates.js';

export interface Holiday {
  /** A shipped holiday's key (`spring-festival`), or the id of a workspace's own. */
  id: string;
  name: string;
  kind: 'fixed' | 'lunar' | 'workspace';
  /** `MM-DD` every year (fixed holidays and a workspace's month-day holiday). */
  monthDay: string | null;
  /** The date per year (lunar holidays from the table, a workspace's holiday with given dates). */
  dates: Record<string, string> | null;
}

const fixed = (id: string, name: string, monthDay: string): Holiday => ({ id, name, kind: 'fixed', monthDay, dates: null });
const lunar = (id: string, name: string): Holiday => ({ id, name, kind: 'lunar', monthDay: null, dates: LUNAR_DATES[id] ?? {} });

/** What every workspace's calendar has. */
export const SHIPPED_HOLIDAYS: readonly Holiday[] = [
  fixed('new-years-day', '元旦', '01-01'),
  lunar('chinese-new-years-eve', '除夕'),
  lunar('spring-festival', '春节'),
  fixed('valentines-day', '情人节', '02-14'),
  lunar('lantern-festival', '元宵节'),
  fixed('womens-day', '妇女节', '03-08'),
  fixed('labour-day', '劳动节', '05-01'),
  lunar('dragon-boat-festival', '端午节'),
  fixed('shopping-618', '618', '06-18'),
  lunar('qixi-festival', '七夕'),
  lunar('mid-autumn-festival', '中秋节'),
  lunar('double-ninth-festival', '重阳节'),
  fixed('national-day', '国庆节', '10-01'),
  fixed('singles-day', '双十一', '11-11'),
  fixed('double-twelve', '双十二', '12-12'),
  fixed('christmas', '圣诞节', '12-25'),
];

const MONTH_DAY = /^(\d{2})-(\d{2})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `year-month-day` is a real date. */
function realDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Why `MM-DD` is not a day of the year (02-29 is one: it falls in leap years only), or null. */
export function monthDayProblem(value: string): string | null {
  const m = MONTH_DAY.exec(value);
  if (!m || !realDate(2024, Number(m[1]), Number(m[2]))) return 'must be a day of the year as MM-DD, e.g. 11-11';
  return null;
}

/** Why `YYYY-MM-DD` is not a date, or null. */
export function isoDateProblem(value: string): string | null {
  const m = ISO_DATE.exec(value);
  if (!m || !realDate(Number(m[1]), Number(m[2]), Number(m[3]))) return 'must be a date as YYYY-MM-DD';
  return null;
}

/** The holiday's date in `year` (`YYYY-MM-DD`), or null when it has none that year (02-29 out of leap years, a year not in its table). */
export function dateIn(holiday: Pick<Holiday, 'monthDay' | 'dates'>, year: number): string | null {
  if (holiday.dates) return holiday.dates[String(year)] ?? null;
  if (!holiday.monthDay) return null;
  const [month, day] = holiday.monthDay.split('-').map(Number) as [number, number];
  return realDate(year, month, day) ? `${year}-${holiday.monthDay}` : null;
}

/** The holiday's dates from `fromYear` to `toYear`, in order. */
export function datesBetween(holiday: Pick<Holiday, 'monthDay' | 'dates'>, fromYear: number, toYear: number): string[] {
  const out: string[] = [];
  for (let y = fromYear; y <= toYear; y++) {
    const d = dateIn(holiday, y);
    if (d) out.push(d);
  }
  return out;
}

/** Midnight UTC of `YYYY-MM-DD` (epoch ms). */
export const utcMidnight = (date: string): number => Date.parse(`${date}T00:00:00Z`);
