// Pacing of marketing messages (SPEC §4): quiet hours in the customer's time zone and frequency caps over
// rolling windows. Pure: the activity (src/delivery/pacing.activities.ts) reads the clock, the customer's zone and
// their recent messages, and these functions decide.
import { knownTimeZone, localClock, nextLocalTime } from '../domain/local-time.js';

export { knownTimeZone, nextLocalTime };
import type { QuietHours } from '../domain/quiet-hours.js';

// The window's vocabulary is the domain's (settings and the environment parse it too).
export { parseQuietHours, type QuietHours } from '../domain/quiet-hours.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface PacingConfig {
  /** null: no quiet hours. */
  quietHours: QuietHours | null;
  /** The zone of customers who have none on their profile. */
  defaultTimeZone: string;
  /** Marketing messages per customer per rolling 24 h and 7 days; 0 turns a cap off. */
  caps: { day: number; week: number };
  /** What a capped send does: wait until the cap allows it, or be recorded as skipped. */
  capMode: 'defer' | 'skip';
}

export const PACING_OFF: PacingConfig = { quietHours: null, defaultTimeZone: 'UTC', caps: { day: 0, week: 0 }, capMode: 'defer' };

/** Whether `minute` (after local midnight) is inside the window. */
export function inQuietHours(minute: number, q: QuietHours): boolean {
  return q.start < q.end ? minute >= q.start && minute < q.end : minute >= q.start || minute < q.end;
}

/** When a send at `now` may go out in `timeZone`: null if now is outside quiet hours, else when they end. */
export function quietUntil(now: number, timeZone: string, q: QuietHours | null): number | null {
  if (!q) return null;
  const { minute } = localClock(now, timeZone);
  return inQuietHours(minute, q) ? nextLocalTime(now, q.end, timeZone) : null;
}

/**
 * quietUntil for many customers at one instant (a broadcast batch): judged once per time zone, since at
 * one instant the answer depends on the zone alone. `zone` is the customer's, as their profile has it.
 */
export function quietUntilByZone(now: number, pacing: PacingConfig): (zone: string | null) => number | null {
  const byZone = new Map<string | null, number | null>();
  return (zone) => {
    if (!byZone.has(zone)) byZone.set(zone, quietUntil(now, knownTimeZone(zone, pacing.defaultTimeZone), pacing.quietHours));
    return byZone.get(zone)!;
  };
}

/** Whether any frequency cap is on. */
export const capsOn = (caps: PacingConfig['caps']) => caps.day > 0 || caps.week > 0;

/**
 * When a cap lets one more message through: null if it does now. `recent` holds the times of the
 * customer's counted messages (any order); a cap of N over a window W allows a new one once fewer than N
 * of them are younger than W, i.e. when the (N-th newest) one turns W old.
 */
export function capAllowsAt(recent: number[], now: number, caps: PacingConfig['caps']): number | null {
  const newestFirst = [...recent].sort((a, b) => b - a);
  let at: number | null = null;
  for (const [cap, window] of [
    [caps.day, DAY],
    [caps.week, 7 * DAY],
  ] as const) {
    if (cap <= 0) continue;
    const inWindow = newestFirst.filter((t) => t > now - window);
    if (inWindow.length < cap) continue;
    const opens = inWindow[cap - 1]! + window;
    at = Math.max(at ?? 0, opens);
  }
  return at;
}
