// Quiet hours as a marketer writes them ("21:00-08:00") and as pacing reads them. Pure: the environment
// (QUIET_HOURS), a workspace's settings and pacing (src/delivery/pacing.ts) share it.

/** A daily window in local time, e.g. 21:00–08:00 (it may cross midnight); minutes after midnight. */
export interface QuietHours {
  start: number;
  end: number;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "21:00-08:00" → the window; "off" (or empty) → null. Throws with a readable message on anything else. */
export function parseQuietHours(value: string): QuietHours | null {
  const v = value.trim();
  if (v === '' || v === 'off') return null;
  const [from, to, ...rest] = v.split('-');
  const a = CLOCK.exec(from?.trim() ?? '');
  const b = CLOCK.exec(to?.trim() ?? '');
  if (!a || !b || rest.length) throw new Error(`"${value}" is not a quiet-hours window like "21:00-08:00" (or "off")`);
  const start = Number(a[1]) * 60 + Number(a[2]);
  const end = Number(b[1]) * 60 + Number(b[2]);
  if (start === end) throw new Error(`"${value}": a quiet-hours window must not start and end at the same time`);
  return { start, end };
}
