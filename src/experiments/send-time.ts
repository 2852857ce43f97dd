// A send-time variant's moment for one customer: the next time their local clock reads the variant's time
// of day ("09:00" vs "20:00"), or an offset after the message would have gone. Null: the variant sends at once.
import { knownTimeZone, nextLocalTime } from '../domain/local-time.js';
import type { ExperimentVariant } from '../db/schema.js';
import { localTimeMinutes } from './definition.js';

export function sendTimeAt(sendAt: ExperimentVariant['sendAt'], timeZone: string, now: number, bestHour?: number): number | null {
  if (!sendAt) return null;
  // The customer's best hour (src/experiments/best-hour.ts), looked up by the caller.
  if ('bestHour' in sendAt) return bestHour === undefined ? null : nextLocalTime(now, bestHour * 60, timeZone);
  if ('offsetMinutes' in sendAt) return sendAt.offsetMinutes > 0 ? now + sendAt.offsetMinutes * 60_000 : null;
  const minute = localTimeMinutes(sendAt.localTime);
  return minute === null ? null : nextLocalTime(now, minute, timeZone);
}

/** For a campaign batch's recipient: their variant's send time in their zone (the workspace's default zone when they have none). */
export function sendTimeOf(
  batch: {
    experiment?: { row: { variants: ExperimentVariant[] } } | null;
    settings: { pacing: { defaultTimeZone: string } };
    bestHours?: Map<string, number>;
  },
  variant: string,
  customer: { id: string; timezone: string | null },
  now: number,
): number | null {
  const v = batch.experiment?.row.variants.find((x) => x.key === variant);
  const zone = knownTimeZone(customer.timezone, batch.settings.pacing.defaultTimeZone);
  return v ? sendTimeAt(v.sendAt, zone, now, batch.bestHours?.get(customer.id)) : null;
}
