import { ownRows } from '../db/own-rows.js';
import type { ChannelName } from '../domain/channels.js';
import { and, eq, gt, inArray } from 'drizzle-orm';
import { customers, messages } from '../db/schema.js';
import { capAllowsAt, capsOn, knownTimeZone, quietUntil } from './pacing.js';
import type { ActivityDeps } from '../worker/activities.js';
import { createMessageRecord, type MessageKey } from './message-record.js';
import { lockCustomers } from './pacing-locks.js';
import { SENT_STATUSES } from './status-progress.js';
import { messagesRecorded } from '../observability/touches.js';
import { stepSendTime } from '../experiments/step-arms.js';

/** The touch's key and origin (as the send activity gets them), its channel, and pacing's own inputs. */
export interface ReserveInput extends MessageKey {
  channel: ChannelName;
  /** Transactional messages pass quiet hours and caps, and do not count towards caps. */
  transactional: boolean;
  /**
   * The workflow's clock (ms): quiet hours and cap windows are judged by it, and the reserved row is
   * created at it, so a deferral is over when the workflow's timer fires (the test server skips time; the
   * database's clock does not).
   */
  now: number;
  /** The step's own send time on the customer's clock (a journey step's `sendAt`); a send-time arm takes its place. */
  sendAt?: { localTime: string } | { bestHour: true };
}

export type Reservation =
  | { status: 'reserved' }
  /** Not now: the workflow sleeps until `until` (a durable timer) and asks again. */
  | { status: 'deferred'; until: string; reason: 'quiet_hours' | 'frequency_cap' | 'send_time' }
  /** Capped with capMode 'skip': the message's row is recorded skipped with the reason. */
  | { status: 'skipped'; reason: 'frequency_cap' };

const WEEK = 7 * 24 * 3_600_000;

export function createPacingActivities({ db, settings }: Pick<ActivityDeps, 'db' | 'settings'>) {
  const record = createMessageRecord(db);
  return {
    /**
     * Decides whether a journey's message may go out now and, if so, reserves it: its message row is
     * inserted (pending, no lease) in the same transaction that counted the customer's recent messages,
     * under a per-customer advisory lock — so two journeys racing for the last slot of a cap cannot both
     * get it; the send activity then claims that row by its idempotency key. A row that exists already
     * (a retry, or a replay after a crash) is reserved: the decision was made when it was inserted.
     */
    async reserveTouch(input: ReserveInput): Promise<Reservation> {
      // The quiet hours, zone and caps of the run's workspace.
      const { pacing } = await settings.current();
      const reservation = await db.transaction(async (tx): Promise<Reservation> => {
        await lockCustomers(tx, [input.customerId]);
        const [existing] = await tx
          .select({ id: messages.id })
          .from(messages)
          .where(and(ownRows(messages), eq(messages.idempotencyKey, input.idempotencyKey)));
        if (existing) return { status: 'reserved' } as const;

        const fields = { channel: input.channel, transactional: input.transactional, createdAt: new Date(input.now) };
        const [customer] = await tx
          .select({ timezone: customers.timezone })
          .from(customers)
          .where(and(ownRows(customers), eq(customers.id, input.customerId)));
        const zone = knownTimeZone(customer?.timezone, pacing.defaultTimeZone);
        // An experiment's send-time arm (transactional or not): the touch waits for the arm's time of day.
        const sendTime = await stepSendTime(tx, input, zone, input.now);
        if (sendTime !== null) return { status: 'deferred', until: new Date(sendTime).toISOString(), reason: 'send_time' } as const;
        if (!input.transactional) {
          const at = input.now;
          const quiet = quietUntil(at, zone, pacing.quietHours);
          if (quiet !== null) return { status: 'deferred', until: new Date(quiet).toISOString(), reason: 'quiet_hours' } as const;

          if (capsOn(pacing.caps)) {
            const recent = await tx
              .select({ at: messages.createdAt })
              .from(messages)
              .where(
                and(
                  ownRows(messages),
                  and(
                    eq(messages.customerId, input.customerId),
                    gt(messages.createdAt, new Date(at - WEEK)),
                    eq(messages.transactional, false),
                    inArray(messages.status, ['pending', 'uncertain', ...SENT_STATUSES]),
                  ),
                ),
              );
            const allowsAt = capAllowsAt(
              recent.map((r) => r.at.getTime()),
              at,
              pacing.caps,
            );
            if (allowsAt !== null) {
              if (pacing.capMode === 'defer')
                return { status: 'deferred', until: new Date(allowsAt).toISOString(), reason: 'frequency_cap' } as const;
              await record.reserve(tx, input, fields, 'frequency_cap');
              return { status: 'skipped', reason: 'frequency_cap' } as const;
            }
          }
        }
        await record.reserve(tx, input, fields);
        return { status: 'reserved' } as const;
      });
      // Capped and recorded skipped: the message's fate is decided here, not by the send activity.
      if (reservation.status === 'skipped') messagesRecorded(input.channel, 'skipped', reservation.reason);
      return reservation;
    },
  };
}
