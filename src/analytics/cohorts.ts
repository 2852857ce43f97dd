// Signup cohorts as pure logic: customers by the ISO week (Monday, UTC) of their signup, and for each week
// n = 0 … weeks − 1 since, the share of the cohort whose first order came by that week's end (cumulative).
import { type Rate, rate } from '../domain/rates.js';

const WEEK_MS = 7 * 86_400_000;

/** A row of the cohort query: how many of a cohort placed their first order in week `week` (null: none yet). */
export interface CohortRow {
  /** The cohort's Monday, YYYY-MM-DD (UTC). */
  week_start: string;
  iso_week: string;
  /** Weeks from the cohort's Monday to the first order (an order before signup counts in week 0). */
  week: number | null;
  customers: number;
}

export interface Cohort {
  week_start: string;
  /** ISO 8601 week, `2026-W02`. */
  iso_week: string;
  size: number;
  weeks: Array<{
    week: number;
    /** Customers of the cohort with a first order by the end of this week. */
    converted: number;
    rate: Rate;
    /** False while the week has not ended yet: its share can still grow. */
    complete: boolean;
  }>;
}

export function cohortsOf(rows: CohortRow[], weeks: number, now: number): Cohort[] {
  const byWeek = new Map<string, { iso_week: string; size: number; firstIn: number[] }>();
  for (const r of rows) {
    const cohort = byWeek.get(r.week_start) ?? { iso_week: r.iso_week, size: 0, firstIn: new Array<number>(weeks).fill(0) };
    cohort.size += r.customers;
    if (r.week !== null && r.week < weeks) cohort.firstIn[Math.max(0, r.week)]! += r.customers;
    byWeek.set(r.week_start, cohort);
  }
  return [...byWeek]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([week_start, c]) => {
      const start = Date.parse(`${week_start}T00:00:00Z`);
      let converted = 0;
      return {
        week_start,
        iso_week: c.iso_week,
        size: c.size,
        weeks: c.firstIn.map((n, week) => {
          converted += n;
          return { week, converted, rate: rate(converted, c.size, 'cohort_size'), complete: start + (week + 1) * WEEK_MS <= now };
        }),
      };
    });
}
