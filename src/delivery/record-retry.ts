// Once an SMTP server or provider has accepted a message, that fact must reach the database: a failed write
// would leave the record pending, and a retry would send the message again. So the write is retried here,
// with backoff and heartbeats, through a database blip; only when the blip outlasts the bound does the
// attempt give up, and the record (marked sending) is then settled as uncertain, never resent.
import { Context } from '@temporalio/activity';
import { setTimeout as delay } from 'node:timers/promises';

/** How long an accepted message's record write is retried before the attempt gives up (a database outage longer than this). */
export const RECORD_RETRY_MS = 5 * 60_000;

/** Tells Temporal this attempt is alive, when it runs as an activity (a heartbeat outside one is nothing). */
function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // not inside an activity
  }
}

/** `write`, retried on any error with backoff (0.1 s doubling to 5 s) for up to `boundMs`; the last error after that. */
export async function untilRecorded<T>(write: () => Promise<T>, boundMs = RECORD_RETRY_MS): Promise<T> {
  const start = Date.now();
  let wait = 100;
  for (;;) {
    try {
      return await write();
    } catch (err) {
      if (Date.now() - start + wait > boundMs) throw err;
      heartbeat();
      await delay(wait);
      wait = Math.min(wait * 2, 5000);
    }
  }
}
