// Wall-clock time in a customer's zone (birthdays, quiet hours). Pure; workflow code imports it too.

// Building a DateTimeFormat is the costly part; one per zone is plenty.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's formatter; throws a RangeError for a zone the runtime does not know. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    // Zone names come from profiles and requests (any capitalisation is valid): the cache stays bounded.
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows the zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local clock's reading at `at` in `timeZone`. */
export function localParts(timeZone: string, at: number) {
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** Wall-clock parts of `at` in `timeZone`, the time of day as minutes after midnight. */
export function localClock(at: number, timeZone: string) {
  const p = localParts(timeZone, at);
  return { minute: p.hour * 60 + p.minute, second: p.second };
}

/** The instant at which the local clock in `timeZone` first shows `minuteOfDay` after `after` (DST-safe). */
export function nextLocalTime(after: number, minuteOfDay: number, timeZone: string): number {
  const now = localClock(after, timeZone);
  // Minutes to go by the wall clock, then corrected for any offset change (DST) on the way.
  let wait = (minuteOfDay - now.minute + 1440) % 1440 || 1440;
  let at = after - now.second * 1000 - (after % 1000) + wait * 60_000;
  for (let i = 0; i < 3; i++) {
    const drift = localClock(at, timeZone).minute - minuteOfDay;
    if (drift === 0) break;
    // A DST jump: move by the difference (within a day), never back to before `after`.
    const fix = ((drift + 720 + 1440) % 1440) - 720;
    at -= fix * 60_000;
    if (at <= after) {
      wait += 1440;
      at = after + wait * 60_000;
    }
  }
  return at;
}

/** A zone name the runtime knows, else the fallback (a profile may hold anything a producer sent). */
export function knownTimeZone(zone: string | null | undefined, fallback: string): string {
  if (!zone) return fallback;
  return isKnownTimeZone(zone) ? zone : fallback;
}
