// The holiday calendar: the shipped lunar table against known dates, month-days across leap years, and which
// holiday a run is for.
import { describe, expect, it } from 'vitest';
import { dateIn, monthDayProblem, SHIPPED_HOLIDAYS } from '../../src/holidays/calendar.js';
import { dateOfRun, fireTime, runStart } from '../../src/holidays/run-time.js';

const holiday = (id: string) => SHIPPED_HOLIDAYS.find((h) => h.id === id)!;

describe('the shipped calendar', () => {
  it('has the lunar holidays on their published dates', () => {
    expect(dateIn(holiday('spring-festival'), 2026)).toBe('2026-02-17');
    expect(dateIn(holiday('mid-autumn-festival'), 2026)).toBe('2026-09-25');
    expect(dateIn(holiday('spring-festival'), 2025)).toBe('2025-01-29');
    expect(dateIn(holiday('dragon-boat-festival'), 2025)).toBe('2025-05-31');
    expect(dateIn(holiday('lantern-festival'), 2026)).toBe('2026-03-03');
    expect(dateIn(holiday('chinese-new-years-eve'), 2026)).toBe('2026-02-16');
    expect(dateIn(holiday('spring-festival'), 2035)).toBe('2035-02-08');
    expect(dateIn(holiday('spring-festival'), 2036)).toBeNull();
  });

  it('has the fixed ones every year, 02-29 in leap years only', () => {
    expect(holiday('singles-day')).toMatchObject({ name: '双十一', monthDay: '11-11' });
    expect(dateIn(holiday('singles-day'), 2031)).toBe('2031-11-11');
    expect(dateIn({ monthDay: '02-29', dates: null }, 2028)).toBe('2028-02-29');
    expect(dateIn({ monthDay: '02-29', dates: null }, 2027)).toBeNull();
    expect(monthDayProblem('02-30')).not.toBeNull();
    expect(monthDayProblem('11-11')).toBeNull();
  });
});

describe("a year's run", () => {
  it('fires the day before, begins before UTC+13 reaches the send time, and is for the holiday near it', () => {
    expect(new Date(fireTime('2026-09-25')).toISOString()).toBe('2026-09-24T00:00:00.000Z');
    expect(new Date(runStart('2026-09-25', 600)).toISOString()).toBe('2026-09-24T20:10:00.000Z');
    const dates = ['2026-09-25', '2027-09-15'];
    expect(dateOfRun(dates, Date.parse('2026-09-24T00:00:00Z'))).toBe('2026-09-25');
    expect(dateOfRun(dates, Date.parse('2026-09-25T23:59:00Z'))).toBe('2026-09-25');
    expect(dateOfRun(dates, Date.parse('2026-09-26T00:00:00Z'))).toBeNull();
    expect(dateOfRun(dates, Date.parse('2027-09-14T00:00:00Z'))).toBe('2027-09-15');
  });
});
