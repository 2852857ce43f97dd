// The one writer of a message row's send fate, for journeys, flows and broadcasts alike: the row is
// inserted once (its UNIQUE idempotency key), claimed by the attempt that sends it, and ends sent, failed,
// skipped or simulated. Pacing and the senders decide; this module writes what they decided. Later events
// on a sent row (opens and clicks, delivery reports, conversions, erasure) are other columns, written by
// tracking, feedback, attribution and the customer service.
import type { ChannelName } from '../domain/channels.js';
import { and, eq, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { coalesceInWorkspace } from '../db/coalesce.js';
import type { Db } from '../db/client.js';
import { ownRows, workspaceIs } from '../db/own-rows.js';
import { type MessageStatus, messages } from '../db/schema.js';
import { array, rowsOf } from '../db/sql-helpers.js';

export type MessageRow = typeof messages.$inferSelect;

/** A touch without its template variables: what identifies it and where it comes from. */
export interface MessageKey {
  idempotencyKey: string;
  customerId: string;
  journeyKey: string;
  journeyVersion: number | null;
  workflowId: string;
  stepKey: string;
}

export interface SendResult {
  status: 'sent' | 'skipped' | 'failed';
  messageId: string;
  reason?: string;
}

/** One broadcast record's outcome, as a batch writes it. */
export type BatchOutcome = {
  id: string;
  status: Extract<MessageStatus, 'sent' | 'failed' | 'skipped' | 'simulated'>;
  error: string | null;
  recipient: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
  /** A tracked email's link targets (the click redirect's only destinations). */
  links: string[] | null;
  providerMessageId: string | null;
  response: Record<string, unknown> | null;
};

/** One recipient of a broadcast batch, as its claim records it. */
export interface BatchRecipient {
  key: string;
  customerId: string;
  /** Why the recipient gets nothing (the record is skipped with it at once), or null. */
  skip: string | null;
  /** Inside their quiet hours: the record waits, pending and leased until then (epoch ms). */
  waitUntil: number | null;
}

/** Longer than the send activity's start-to-close timeout, so a live attempt never loses its lease. */
const LEASE = '2 minutes';

/** The message row's columns that a touch's key fills (the claim's insert and pacing's reservation). */
const keyColumns = (key: MessageKey) => ({
  idempotencyKey: key.idempotencyKey,
  customerId: key.customerId,
  journeyKey: key.journeyKey,
  journeyVersion: key.journeyVersion,
  workflowId: key.workflowId,
  stepKey: key.stepKey,
});

/**
 * The message rows' writes, on `db`. The two that belong to a caller's transaction (pacing's reservation
 * and a broadcast batch's claim, both under the customers' pacing locks) take that transaction instead.
 */
export function createMessageRecord(db: Db) {
  /** Each broadcast record's outcome, written in groups: a send waits for its own row to be written. */
  const recordOutcome = coalesceInWorkspace<BatchOutcome, void>(
    async (outcomes) => {
      const col = <K extends keyof BatchOutcome>(k: K, type: string) =>
        array(
          outcomes.map((o) => o[k] as string | null),
          type,
        );
      await db.execute(sql`
        update ${messages} m set
          status = v.status, error_message = v.error, recipient = v.recipient, subject = v.subject,
          body_text = v.body_text, body_html = v.body_html, provider_message_id = v.provider_message_id,
          response = v.response::jsonb, links = v.links::jsonb, sent_at = case when v.status = 'sent' then now() end,
          lease_until = null, updated_at = now()
        from unnest(${col('id', 'uuid')}, ${col('status', 'text')}, ${col('error', 'text')}, ${col('recipient', 'text')},
          ${col('subject', 'text')}, ${col('text', 'text')}, ${col('html', 'text')}, ${col('providerMessageId', 'text')},
          ${array(
            outcomes.map((o) => (o.response ? JSON.stringify(o.response) : null)),
            'text',
          )},
          ${array(
            outcomes.map((o) => (o.links ? JSON.stringify(o.links) : null)),
            'text',
          )})
          as v(id, status, error, recipient, subject, body_text, body_html, provider_message_id, response, links)
        where ${workspaceIs(sql`m.workspace_id`)} and m.id = v.id`);
      return outcomes.map(() => undefined);
    },
    { concurrency: 2, maxItems: 250 },
  );

  return {
    /**
     * Pacing's reservation of a journey's touch, in the transaction that decided it: the row pending with no
     * lease (the send activity claims it), or final at once, skipped with `skipped` as its reason.
     */
    async reserve(
      tx: Db,
      key: MessageKey,
      fields: { channel: ChannelName; transactional: boolean; createdAt: Date },
      skipped?: string,
    ): Promise<void> {
      const row = { ...keyColumns(key), ...fields };
      await tx.insert(messages).values(skipped === undefined ? row : { ...row, status: 'skipped', errorMessage: skipped });
    },

    /**
     * Inserts the touch's row once (UNIQUE idempotency key) and takes its lease, in one statement: the row to
     * send, or the result of an earlier attempt that finished it. An attempt in progress elsewhere is an
     * error, so Temporal retries this one later, when it will find the message done.
     * No transaction stays open across the send (PGlite has a single connection).
     */
    async claim(key: MessageKey, channel: ChannelName): Promise<{ row: MessageRow } | { done: SendResult }> {
      // One statement: a new row comes with its lease; an existing one is leased only while it is pending and
      // no live attempt holds it. No row back means sent, skipped, failed, or being sent elsewhere.
      const lease = { leaseUntil: sql`now() + ${LEASE}::interval`, updatedAt: sql`now()` };
      const [row] = await db
        .insert(messages)
        .values({
          ...keyColumns(key),
          channel,
          attempts: 1,
          ...lease,
        })
        .onConflictDoUpdate({
          target: [messages.workspaceId, messages.idempotencyKey],
          set: { ...lease, attempts: sql`${messages.attempts} + 1` },
          setWhere: and(eq(messages.status, 'pending'), or(isNull(messages.leaseUntil), lt(messages.leaseUntil, sql`now()`))),
        })
        .returning();
      if (row) return { row };
      const [current] = await db
        .select()
        .from(messages)
        .where(and(ownRows(messages), eq(messages.idempotencyKey, key.idempotencyKey)));
      if (!current) throw new Error(`message ${key.idempotencyKey} vanished`);
      if (current.status === 'pending') throw new Error(`message ${key.idempotencyKey} is being sent by another attempt`);
      const status = current.status === 'skipped' || current.status === 'failed' ? current.status : 'sent';
      return { done: { status, messageId: current.id, reason: current.errorMessage ?? undefined } };
    },

    /** Records a touch that will not be sent (skipped) or cannot be (failed): not retried. */
    async finish(row: MessageRow, status: 'skipped' | 'failed', reason: string, extra: Partial<MessageRow> = {}): Promise<SendResult> {
      await db
        .update(messages)
        .set({ ...extra, status, errorMessage: reason, leaseUntil: null, updatedAt: sql`now()` })
        .where(and(ownRows(messages), eq(messages.id, row.id)));
      return { status, messageId: row.id, reason };
    },

    /** A transient failure (server down, timeout): the row stays pending with the error, and Temporal retries. */
    async release(row: MessageRow, err: unknown): Promise<never> {
      await db
        .update(messages)
        .set({ errorMessage: (err as Error).message, leaseUntil: null, updatedAt: sql`now()` })
        .where(and(ownRows(messages), eq(messages.id, row.id)));
      throw err;
    },

    async markSent(row: MessageRow, fields: Partial<MessageRow>): Promise<SendResult> {
      await db
        .update(messages)
        .set({ ...fields, status: 'sent', errorMessage: null, leaseUntil: null, sentAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(ownRows(messages), eq(messages.id, row.id)));
      return { status: 'sent', messageId: row.id };
    },

    /**
     * Claims a broadcast batch's records in one statement, in the caller's transaction: new records are
     * inserted (skipped ones final at once); pending ones — left by an attempt that died, or waiting out quiet
     * hours — are decided again; records an earlier attempt finished stay as they are. Returns the records
     * it inserted or decided again.
     */
    async claimBatch(
      tx: Db,
      batch: {
        campaignId: string;
        executionId: string;
        workflowId: string;
        stepKey: string;
        channel: ChannelName;
        recipients: BatchRecipient[];
      },
    ) {
      const { recipients } = batch;
      return rowsOf<{ id: string; customer_id: string; status: string; lease_until: unknown }>(
        await tx.execute(sql`
          insert into ${messages} (idempotency_key, customer_id, campaign_id, execution_id, workflow_id, step_key, channel, status, error_message, lease_until, attempts)
          select k, c, ${batch.campaignId}, ${batch.executionId}, ${batch.workflowId}, ${batch.stepKey}, ${batch.channel},
            case when r is null then 'pending' else 'skipped' end, coalesce(r, case when w is not null then 'quiet_hours' end), w, 1
          from unnest(${array(
            recipients.map((r) => r.key),
            'text',
          )}, ${array(
            recipients.map((r) => r.customerId),
            'text',
          )},
            ${array(
              recipients.map((r) => r.skip),
              'text',
            )}, ${array(
              recipients.map((r) => (r.waitUntil === null ? null : new Date(r.waitUntil).toISOString())),
              'timestamptz',
            )}) as b(k, c, r, w)
          on conflict (workspace_id, idempotency_key) do update set attempts = ${messages.attempts} + 1, updated_at = now(),
            status = excluded.status, error_message = excluded.error_message, lease_until = excluded.lease_until
            where ${messages.status} = 'pending'
          returning id, customer_id, status, lease_until`),
      );
    },

    recordOutcome,

    /**
     * Skips an execution's pending records with `reason` (those `also` selects, when given): what a stopped
     * execution left, or recipients erased while they waited. How many it skipped.
     */
    async skipPending(campaignId: string, executionId: string, reason: string, also?: SQL): Promise<number> {
      const skipped = await db
        .update(messages)
        .set({ status: 'skipped', errorMessage: reason, leaseUntil: null, updatedAt: sql`now()` })
        .where(and(ownRows(messages), also ? and(pendingRecords(campaignId, executionId), also) : pendingRecords(campaignId, executionId)))
        .returning({ id: messages.id });
      return skipped.length;
    },
  };
}

export type MessageRecord = ReturnType<typeof createMessageRecord>;

/** A broadcast execution's records not done yet: waiting out quiet hours (leased until then), or left by a batch that stopped (no lease). */
export const pendingRecords = (campaignId: string, executionId: string) =>
  and(eq(messages.campaignId, campaignId), eq(messages.executionId, executionId), eq(messages.status, 'pending'));
