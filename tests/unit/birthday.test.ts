import { describe, expect, it } from 'vitest';
import { localTimeToInstant, nextBirthday, nextBirthdayAt } from '../../src/journeys/birthday.js';

const t = (iso: string) => Date.parse(iso);
const next = (birthday: string, zone: string | null, now: string) => new Date(nextBirthdayAt(birthday, zone, t(now))).toISOString();

describe('nextBirthdayAt', () => {
  it('is 09:00 UTC when the customer has no time zone', () => {
    expect(next('1990-03-15', null, '2026-11-22T00:00:00Z')).toBe('2027-03-15T09:00:00.000Z');
  });

  it('is 09:00 local on both sides of the date line (+14 and -11)', () => {
    expect(next('1990-03-15', 'Pacific/Kiritimati', '2026-11-22T00:00:00Z')).toBe('2027-03-14T19:00:00.000Z');
    expect(next('1990-03-15', 'Pacific/Pago_Pago', '2026-11-22T00:00:00Z')).toBe('2027-03-15T20:00:00.000Z');
  });

  it('knows the birthday has begun (or not) in each zone when UTC is still on the day before', () => {
    // 2026-12-31 12:00 UTC is already 2027-01-01 02:00 in Kiritimati, and still 2026-12-31 01:00 in Pago Pago.
    expect(nextBirthday('1990-01-01', 'Pacific/Kiritimati', t('2026-12-31T12:00:00Z'))).toEqual({
      at: t('2026-12-31T19:00:00Z'),
      year: 2027,
    });
    expect(nextBirthday('1990-01-01', 'Pacific/Pago_Pago', t('2026-12-31T12:00:00Z'))).toEqual({
      at: t('2027-01-01T20:00:00Z'),
      year: 2027,
    });
    // 2027-03-14 20:00 UTC: 10:00 on the 15th in Kiritimati (this year's greeting is over), 09:00 on the 14th in Pago Pago.
    expect(next('1990-03-15', 'Pacific/Kiritimati', '2027-03-14T20:00:00Z')).toBe('2028-03-14T19:00:00.000Z');
    expect(next('1990-03-15', 'Pacific/Pago_Pago', '2027-03-14T20:00:00Z')).toBe('2027-03-15T20:00:00.000Z');
  });

  it('follows New York across daylight saving time', () => {
    expect(next('1985-01-10', 'America/New_York', '2026-11-22T00:00:00Z')).toBe('2027-01-10T14:00:00.000Z');
    expect(next('1985-07-04', 'America/New_York', '2026-11-22T00:00:00Z')).toBe('2027-07-04T13:00:00.000Z');
    // The days the clocks change (at 02:00): 09:00 is already on the new offset.
    expect(next('1985-03-14', 'America/New_York', '2027-03-01T00:00:00Z')).toBe('2027-03-14T13:00:00.000Z');
    expect(next('1985-11-07', 'America/New_York', '2027-10-01T00:00:00Z')).toBe('2027-11-07T14:00:00.000Z');
  });

  it('handles zones with a fractional offset', () => {
    expect(next('1985-06-01', 'Asia/Kathmandu', '2027-01-01T00:00:00Z')).toBe('2027-06-01T03:15:00.000Z');
  });

  it('celebrates 29 February on 28 February in non-leap years, and on the 29th in leap years', () => {
    expect(nextBirthday('2000-02-29', null, t('2026-11-22T00:00:00Z'))).toEqual({ at: t('2027-02-28T09:00:00Z'), year: 2027 });
    expect(nextBirthday('2000-02-29', null, t('2027-02-28T09:00:00Z'))).toEqual({ at: t('2028-02-29T09:00:00Z'), year: 2028 });
    expect(next('2000-02-29', 'Europe/Berlin', '2027-03-01T00:00:00Z')).toBe('2028-02-29T08:00:00.000Z');
    expect(next('2000-02-29', null, '2028-02-29T09:00:01Z')).toBe('2029-02-28T09:00:00.000Z');
    // 2100 is not a leap year.
    expect(next('2000-02-29', null, '2099-03-01T00:00:00Z')).toBe('2100-02-28T09:00:00.000Z');
  });

  it('is today when today’s 09:00 is still ahead, and next year once it has passed', () => {
    // 08:00, 10:00 and exactly 09:00 in Berlin on the birthday.
    expect(nextBirthday('1990-11-22', 'Europe/Berlin', t('2026-11-22T07:00:00Z'))).toEqual({ at: t('2026-11-22T08:00:00Z'), year: 2026 });
    expect(nextBirthday('1990-11-22', 'Europe/Berlin', t('2026-11-22T09:00:00Z'))).toEqual({ at: t('2027-11-22T08:00:00Z'), year: 2027 });
    expect(next('1990-11-22', 'Europe/Berlin', '2026-11-22T08:00:00Z')).toBe('2027-11-22T08:00:00.000Z');
  });

  it('rejects a malformed birthday and an unknown time zone', () => {
    expect(() => nextBirthdayAt('1990-02-30', null, 0)).toThrow(RangeError);
    expect(() => nextBirthdayAt('22/11/1990', null, 0)).toThrow(RangeError);
    expect(() => nextBirthdayAt('1990-11-22', 'Mars/Olympus_Mons', 0)).toThrow(RangeError);
  });
});

describe('localTimeToInstant', () => {
  it('moves a wall time skipped by the spring-forward gap forward by the gap', () => {
    expect(new Date(localTimeToInstant('America/New_York', 2027, 3, 14, 2, 30)).toISOString()).toBe('2027-03-14T07:30:00.000Z');
  });

  it('takes the earlier of a wall time that occurs twice when clocks go back', () => {
    expect(new Date(localTimeToInstant('America/New_York', 2027, 11, 7, 1, 30)).toISOString()).toBe('2027-11-07T05:30:00.000Z');
    expect(new Date(localTimeToInstant('Europe/Berlin', 2027, 10, 31, 2, 30)).toISOString()).toBe('2027-10-31T00:30:00.000Z');
  });
});
