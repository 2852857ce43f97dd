import { describe, expect, it } from 'vitest';
import { capAllowsAt, inQuietHours, knownTimeZone, parseQuietHours, quietUntil } from '../../src/delivery/pacing.js';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NIGHT = parseQuietHours('21:00-08:00')!;

describe('quiet hours', () => {
  it('parses a window, "off", and refuses anything else with the value in the message', () => {
    expect(parseQuietHours('21:00-08:00')).toEqual({ start: 21 * 60, end: 8 * 60 });
    expect(parseQuietHours(' 12:30 - 14:00 ')).toEqual({ start: 750, end: 840 });
    expect(parseQuietHours('off')).toBeNull();
    expect(parseQuietHours('')).toBeNull();
    for (const bad of ['21-08', '25:00-08:00', '21:00', '21:00-08:00-09:00', '08:00-08:00', 'night']) {
      expect(() => parseQuietHours(bad)).toThrow(bad);
    }
  });

  it('holds from the start minute up to, not including, the end minute, across midnight', () => {
    expect([20 * 60 + 59, 21 * 60, 23 * 60 + 59, 0, 7 * 60 + 59, 8 * 60].map((m) => inQuietHours(m, NIGHT))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
    ]);
    const lunch = parseQuietHours('12:00-14:00')!;
    expect([11 * 60 + 59, 12 * 60, 13 * 60 + 59, 14 * 60].map((m) => inQuietHours(m, lunch))).toEqual([false, true, true, false]);
  });

  it('defers a send inside the window to 08:00 in the customer’s own zone', () => {
    // 22:30 in Berlin (UTC+1 in November) → 08:00 the next morning there.
    expect(quietUntil(at('2026-11-28T21:30:00Z'), 'Europe/Berlin', NIGHT)).toBe(at('2026-11-29T07:00:00Z'));
    // 07:59:30 in Tokyo → 08:00 the same morning.
    expect(quietUntil(at('2026-11-28T22:59:30Z'), 'Asia/Tokyo', NIGHT)).toBe(at('2026-11-28T23:00:00Z'));
    // The same instant is daytime in New York: no wait.
    expect(quietUntil(at('2026-11-28T21:30:00Z'), 'America/New_York', NIGHT)).toBeNull();
    expect(quietUntil(at('2026-11-28T07:00:00Z'), 'UTC', NIGHT)).toBe(at('2026-11-28T08:00:00Z'));
    expect(quietUntil(at('2026-11-28T08:00:00Z'), 'UTC', NIGHT)).toBeNull();
    expect(quietUntil(at('2026-11-28T23:00:00Z'), 'UTC', null)).toBeNull();
  });

  it('ends at 08:00 local on a night the clocks change', () => {
    // New York springs forward at 02:00 on 8 March 2026: 08:00 that morning is 12:00 UTC (EDT), not 13:00.
    expect(quietUntil(at('2026-03-08T03:00:00Z'), 'America/New_York', NIGHT)).toBe(at('2026-03-08T12:00:00Z'));
    // …and falls back on 1 November 2026: 08:00 EST is 13:00 UTC.
    expect(quietUntil(at('2026-11-01T03:00:00Z'), 'America/New_York', NIGHT)).toBe(at('2026-11-01T13:00:00Z'));
  });

  it('falls back to the default zone for a zone the runtime does not know', () => {
    expect(knownTimeZone('Mars/Olympus_Mons', 'UTC')).toBe('UTC');
    expect(knownTimeZone(null, 'Europe/Paris')).toBe('Europe/Paris');
    expect(knownTimeZone('Asia/Tokyo', 'UTC')).toBe('Asia/Tokyo');
  });
});

describe('frequency caps', () => {
  const now = at('2026-11-28T12:00:00Z');

  it('lets a message through below every cap, and always when caps are off', () => {
    expect(capAllowsAt([now - HOUR], now, { day: 2, week: 10 })).toBeNull();
    expect(
      capAllowsAt(
        Array.from({ length: 50 }, (_, i) => now - i * HOUR),
        now,
        { day: 0, week: 0 },
      ),
    ).toBeNull();
    // A message exactly a day old no longer counts for the 24 h cap.
    expect(capAllowsAt([now - DAY], now, { day: 1, week: 0 })).toBeNull();
  });

  it('waits until the oldest message that fills the cap leaves the window', () => {
    expect(capAllowsAt([now - 2 * HOUR], now, { day: 1, week: 0 })).toBe(now + 22 * HOUR);
    // Day cap 2: the second newest decides.
    expect(capAllowsAt([now - HOUR, now - 3 * HOUR, now - 5 * HOUR], now, { day: 2, week: 0 })).toBe(now + 21 * HOUR);
    // Week cap 2 with messages 6 days and 1 day ago: free again when the 6-day-old one turns 7 days.
    expect(capAllowsAt([now - DAY, now - 6 * DAY], now, { day: 3, week: 2 })).toBe(now + DAY);
  });

  it('takes the later of the two caps', () => {
    // Day cap 1 opens in 23 h, week cap 2 in 2 days: 2 days.
    expect(capAllowsAt([now - HOUR, now - 5 * DAY], now, { day: 1, week: 2 })).toBe(now + 2 * DAY);
  });
});
