// A message record's status follows the customer: sent → delivered → opened → clicked → converted, and
// never back. Every writer that moves it (tracking, delivery feedback, attribution) goes through
// advanceStatus, so a late delivery receipt after a click leaves the record `clicked`; every reader that asks
// "was it sent?" (counts, caps, pacing, history) goes through SENT_STATUSES or sentStatus, so a record that
// was sent and then opened is still one that was sent. One rank, here.
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import type { MessageStatus } from '../db/schema.js';

/** The steps of a sent record, in the order the customer takes them. */
export const PROGRESS = ['sent', 'delivered', 'opened', 'clicked', 'converted'] as const satisfies readonly MessageStatus[];
export type ProgressStatus = (typeof PROGRESS)[number];

/** The statuses of a record that was sent, whatever the customer did with it since. */
export const SENT_STATUSES: readonly MessageStatus[] = PROGRESS;

/** Whether a record with this status was sent (for counts kept in code). */
export const wasSent = (status: MessageStatus): boolean => SENT_STATUSES.includes(status);

type Column = SQL | AnyColumn;
const literal = (status: string) => sql.raw(`'${status}'`);

/**
 * The rank of a status on the customer's way, as SQL. `uncertain` ranks below `sent`: a record its sender
 * could not confirm becomes sent (or more) once a report or an interaction proves the hand-over. Statuses
 * off the way (pending, failed, skipped, simulated) have no rank, so nothing moves them.
 */
export function statusRank(status: Column): SQL {
  return sql`(case ${status} when 'uncertain' then 0 ${sql.join(
    PROGRESS.map((s, i) => sql`when ${literal(s)} then ${sql.raw(String(i + 1))}`),
    sql` `,
  )} end)`;
}

/** The higher of the current status and `to` (SQL for an UPDATE's SET): forward only, statuses off the way stay. */
export function advanceStatus(status: Column, to: ProgressStatus): SQL {
  return sql`(case when ${statusRank(status)} < ${sql.raw(String(PROGRESS.indexOf(to) + 1))} then ${literal(to)} else ${status} end)`;
}

/** SQL: the record was sent (its status is one of SENT_STATUSES). */
export function sentStatus(status: Column): SQL {
  return sql`${status} in (${sql.join(SENT_STATUSES.map(literal), sql`, `)})`;
}

/**
 * SQL over the messages alias `m`: the record was sent — it has a send time, or a status from sent on. A
 * simulation's record is never sent, whatever it carries.
 */
export const recordSent = (m: string): SQL =>
  sql`(${sql.raw(m)}.status <> 'simulated' and (${sql.raw(m)}.sent_at is not null or ${sentStatus(sql.raw(`${m}.status`))}))`;

/**
 * The status a record takes when its send is recorded (SQL over its table, alias `m`): `sent`, or further
 * when the customer was quicker than the record — an open, a click or a receipt that came between the
 * hand-over and the write.
 */
export const sentSoFar = (m: string): SQL =>
  sql.raw(
    `(case when ${m}.converted_at is not null then 'converted' when ${m}.clicked_at is not null then 'clicked' ` +
      `when ${m}.opened_at is not null then 'opened' when ${m}.delivered_at is not null then 'delivered' else 'sent' end)`,
  );
