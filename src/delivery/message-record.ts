// The one writer of a message row's send fate, for journeys, flows and broadcasts alike: the row is
// inserted once (its UNIQUE idempotency key), claimed by the attempt that sends it (a lease and the
// attempt's fencing token), marked sending by that attempt alone just before the hand-over, and ends sent,
// failed, skipped, simulated — or uncertain, when the attempt that marked it sending died before it could
// say. Pacing and the senders decide; this module writes what they decided. Later events on a sent row
// (opens and clicks, delivery reports, conversions, erasure) are other columns, written by tracking,
// feedback, attribution and the customer service.
import { randomUUID } from 'node:crypto';
import type { ChannelName } from '../domain/channels.js';
import { and, eq, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { coalesceInWorkspace } from '../db/coalesce.js';
import type { Db } from '../db/client.js';
import { ownRows, workspaceIs } from '../db/own-rows.js';
import { type MessageStatus, messages } from '../db/schema.js';
import { array, rowsOf } from '../db/sql-helpers.js';
import { sentSoFar } from './status-progress.js';
import { untilRecorded } from './record-retry.js';

export type MessageRow = typeof messages.$inferSelect;

/** A touch without its template variables: what identifies it and where it comes from. */
/** How long a journey touch's release (nothing handed over) is retried through a database blip. */
const RELEASE_RETRY_MS = 40_000;

export interface MessageKey {
  idempotencyKey: string;
  customerId: string;
  journeyKey: string;
  journeyVersion: number | null;
  workflowId: string;
  stepKey: string;
}

export interface SendResult {
  status: 'sent' | 'skipped' | 'failed' | 'uncertain';
  messageId: string;
  reason?: string;
}

/** One broadcast record's outcome, as a batch writes it. */
export type BatchOutcome = {
  id: string;
  /** The claim's token: only the attempt holding the record writes its outcome. */
  token: string;
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
  /** Why it waits, kept as the record's reason while it does: `quiet_hours` unless given (an experiment's `send_time`). */
  waitReason?: string;
  /** The experiment arm the recipient is in (the batch's `experimentId`), or none. */
  variant?: string | null;
}

/** A journey's touch: longer than the send activity's start-to-close timeout, so a live attempt never loses its lease. */
export const TOUCH_LEASE_SECONDS = 120;
/**
 * A broadcast batch's records: renewed every 10 s (a third of it) by the attempt sending them, so it lapses only when that
 * attempt stops (its worker died, or it was superseded). As long as the batch's heartbeat timeout, so the
 * attempt Temporal starts in place of a dead one finds the dead one's leases over.
 */
export const BATCH_LEASE_SECONDS = 30;

/** What an uncertain record says: handed over, and the attempt that did it never recorded the answer. */
export const UNCERTAIN_REASON = 'the attempt sending it stopped before recording the answer; not sent again';

/** A new fencing token: one per attempt (a journey's send activity, a broadcast batch). */
export const newClaimToken = (): string => randomUUID();

/** One message to mark sending: its row, the claim's token, the id the provider will know it by when known before (the SMTP Message-ID). */
export interface SendingMark {
  id: string;
  token: string;
  plannedId: string | null;
  /** The address it goes to, kept with the mark so an uncertain message can be traced. */
  recipient: string;
  leaseSeconds: number;
}

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
          status = case when v.status = 'sent' then ${sentSoFar('m')} else v.status end, error_message = v.error, recipient = v.recipient, subject = v.subject,
          body_text = v.body_text, body_html = v.body_html, provider_message_id = coalesce(v.provider_message_id, m.provider_message_id),
          response = v.response::jsonb, links = v.links::jsonb, sent_at = case when v.status = 'sent' then now() end,
          lease_until = null, updated_at = now()
        from unnest(${col('id', 'uuid')}, ${col('token', 'text')}, ${col('status', 'text')}, ${col('error', 'text')}, ${col('recipient', 'text')},
          ${col('subject', 'text')}, ${col('text', 'text')}, ${col('html', 'text')}, ${col('providerMessageId', 'text')},
          ${array(
            outcomes.map((o) => (o.response ? JSON.stringify(o.response) : null)),
            'text',
          )},
          ${array(
            outcomes.map((o) => (o.links ? JSON.stringify(o.links) : null)),
            'text',
          )})
          as v(id, token, status, error, recipient, subject, body_text, body_html, provider_message_id, response, links)
        where ${workspaceIs(sql`m.workspace_id`)} and m.id = v.id and m.claim_token = v.token and m.status in ('pending', 'uncertain')`);
      return outcomes.map(() => undefined);
    },
    { concurrency: 2, maxItems: 250 },
  );

  /**
   * The fence: marks each message sending in one statement, only where the claim is still this attempt's and
   * no attempt marked it before. True: this attempt, and no other ever, hands the message over. False: the
   * claim was taken over (its lease lapsed) — send nothing.
   */
  const markSending = coalesceInWorkspace<SendingMark, boolean>(
    async (marks) => {
      const mark = (k: keyof SendingMark, type: string) =>
        array(
          marks.map((m) => m[k]),
          type,
        );
      const marked = rowsOf<{ id: string }>(
        await db.execute(sql`
          update ${messages} m set sending_at = now(), lease_until = now() + make_interval(secs => v.lease),
            provider_message_id = coalesce(v.planned, m.provider_message_id), recipient = v.recipient, updated_at = now()
          from unnest(${mark('id', 'uuid')}, ${mark('token', 'text')}, ${mark('plannedId', 'text')}, ${mark('recipient', 'text')},
            ${mark('leaseSeconds', 'float8')}) as v(id, token, planned, recipient, lease)
          where ${workspaceIs(sql`m.workspace_id`)} and m.id = v.id and m.claim_token = v.token and m.status = 'pending' and m.sending_at is null
          returning m.id`),
      );
      const ids = new Set(marked.map((r) => r.id));
      return marks.map((m) => ids.has(m.id));
    },
    { concurrency: 2, maxItems: 250 },
  );

  /** Records whose sender stopped between the hand-over and its record (marked sending, lease over): uncertain, never sent again. */
  async function settleAbandoned(where: SQL): Promise<number> {
    const settled = await db
      .update(messages)
      .set({ status: 'uncertain', errorMessage: UNCERTAIN_REASON, leaseUntil: null, updatedAt: sql`now()` })
      .where(
        and(
          ownRows(messages),
          and(where, eq(messages.status, 'pending'), sql`${messages.sendingAt} is not null`, lt(messages.leaseUntil, sql`now()`)),
        ),
      )
      .returning({ id: messages.id });
    return settled.length;
  }

  async function skipPendingByChannel(
    campaignId: string,
    executionId: string,
    reason: string,
    also?: SQL,
  ): Promise<Map<ChannelName, number>> {
    const notSending = and(pendingRecords(campaignId, executionId), isNull(messages.sendingAt));
    const skipped = await db
      .update(messages)
      .set({ status: 'skipped', errorMessage: reason, leaseUntil: null, updatedAt: sql`now()` })
      .where(and(ownRows(messages), also ? and(notSending, also) : notSending))
      .returning({ channel: messages.channel });
    const byChannel = new Map<ChannelName, number>();
    for (const { channel } of skipped) byChannel.set(channel, (byChannel.get(channel) ?? 0) + 1);
    return byChannel;
  }

  return {
    markSending,
    settleAbandoned,
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
    async claim(key: MessageKey, channel: ChannelName): Promise<{ row: MessageRow; token: string } | { done: SendResult }> {
      // One statement: a new row comes with its lease; an existing one is leased only while it is pending, no
      // attempt marked it sending, and no live attempt holds it. No row back means sent, skipped, failed,
      // uncertain, or being sent elsewhere.
      const token = newClaimToken();
      const lease = { leaseUntil: sql`now() + make_interval(secs => ${TOUCH_LEASE_SECONDS})`, claimToken: token, updatedAt: sql`now()` };
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
          setWhere: and(
            eq(messages.status, 'pending'),
            isNull(messages.sendingAt),
            or(isNull(messages.leaseUntil), lt(messages.leaseUntil, sql`now()`)),
          ),
        })
        .returning();
      if (row) return { row, token };
      // An attempt that marked it sending and stopped before recording: uncertain, not sent again.
      await settleAbandoned(eq(messages.idempotencyKey, key.idempotencyKey));
      const [current] = await db
        .select()
        .from(messages)
        .where(and(ownRows(messages), eq(messages.idempotencyKey, key.idempotencyKey)));
      if (!current) throw new Error(`message ${key.idempotencyKey} vanished`);
      if (current.status === 'pending') throw new Error(`message ${key.idempotencyKey} is being sent by another attempt`);
      const status =
        current.status === 'skipped' || current.status === 'failed' || current.status === 'uncertain' ? current.status : 'sent';
      return { done: { status, messageId: current.id, reason: current.errorMessage ?? undefined } };
    },

    /** Records a touch that will not be sent (skipped) or cannot be (failed): not retried. */
    async finish(
      row: MessageRow,
      token: string,
      status: 'skipped' | 'failed',
      reason: string,
      extra: Partial<MessageRow> = {},
    ): Promise<SendResult> {
      await db
        .update(messages)
        .set({ ...extra, status, errorMessage: reason, leaseUntil: null, updatedAt: sql`now()` })
        .where(
          and(
            ownRows(messages),
            eq(messages.id, row.id),
            eq(messages.claimToken, token),
            inArray(messages.status, ['pending', 'uncertain']),
          ),
        );
      return { status, messageId: row.id, reason };
    },

    /**
     * A transient failure (server down, a refusal to try later): nothing was accepted, so the row goes back to
     * pending with the error and no claim, and Temporal's retry sends it.
     */
    async release(row: MessageRow, token: string, err: unknown): Promise<never> {
      // Retried through a database blip: a fence write that committed as the database went away must not
      // leave a message never handed over marked sending (the next attempt would settle it as uncertain).
      await untilRecorded(
        () =>
          db
            .update(messages)
            .set({ errorMessage: (err as Error).message, leaseUntil: null, claimToken: null, sendingAt: null, updatedAt: sql`now()` })
            .where(and(ownRows(messages), eq(messages.id, row.id), eq(messages.claimToken, token), eq(messages.status, 'pending'))),
        // Within the send activity's minute.
        RELEASE_RETRY_MS,
      ).catch(() => {});
      throw err;
    },

    async markSent(row: MessageRow, token: string, fields: Partial<MessageRow>): Promise<SendResult> {
      await db
        .update(messages)
        .set({ ...fields, status: sentSoFar('messages'), errorMessage: null, leaseUntil: null, sentAt: sql`now()`, updatedAt: sql`now()` })
        .where(
          and(
            ownRows(messages),
            eq(messages.id, row.id),
            eq(messages.claimToken, token),
            inArray(messages.status, ['pending', 'uncertain']),
          ),
        );
      return { status: 'sent', messageId: row.id };
    },

    /**
     * Claims a broadcast batch's records in one statement, in the caller's transaction: new records are
     * inserted (skipped ones final at once, those to send leased to `token`); pending ones — released by an
     * attempt that failed, left by one whose lease lapsed before it marked them sending, or waiting out quiet
     * hours — are decided again; records an earlier attempt finished, marked sending, or still holds stay as
     * they are. Returns the records it inserted or decided again: those whose `claim_token` is `token` are this
     * attempt's to send.
     */
    async claimBatch(
      tx: Db,
      batch: {
        campaignId: string;
        executionId: string;
        workflowId: string;
        stepKey: string;
        channel: ChannelName;
        token: string;
        recipients: BatchRecipient[];
        /** The campaign's experiment, when its recipients are split into variants. */
        experimentId?: string | null;
      },
    ) {
      const { recipients, token } = batch;
      const text = (values: Array<string | null>) => array(values, 'text');
      return rowsOf<{ id: string; customer_id: string; status: string; claim_token: string | null }>(
        await tx.execute(sql`
          insert into ${messages} (idempotency_key, customer_id, campaign_id, execution_id, workflow_id, step_key, channel, status,
            error_message, lease_until, claim_token, attempts, experiment_id, variant)
          select k, c, ${batch.campaignId}, ${batch.executionId}, ${batch.workflowId}, ${batch.stepKey}, ${batch.channel},
            case when r is null then 'pending' else 'skipped' end, coalesce(r, case when w is not null then coalesce(wr, 'quiet_hours') end),
            case when r is null and w is null then now() + make_interval(secs => ${BATCH_LEASE_SECONDS}) else w end,
            case when r is null and w is null then ${token} end, 1, ${batch.experimentId ?? null}::text, v
          from unnest(${text(recipients.map((r) => r.key))}, ${text(recipients.map((r) => r.customerId))},
            ${text(recipients.map((r) => r.skip))}, ${array(
              recipients.map((r) => (r.waitUntil === null ? null : new Date(r.waitUntil).toISOString())),
              'timestamptz',
            )}, ${text(recipients.map((r) => r.waitReason ?? null))}, ${text(recipients.map((r) => r.variant ?? null))}) as b(k, c, r, w, wr, v)
          on conflict (workspace_id, idempotency_key) do update set attempts = ${messages.attempts} + 1, updated_at = now(),
            status = excluded.status, error_message = excluded.error_message, lease_until = excluded.lease_until,
            claim_token = excluded.claim_token
            where ${messages.status} = 'pending' and ${messages.sendingAt} is null
              and (${messages.claimToken} is null or ${messages.leaseUntil} is null or ${messages.leaseUntil} < now())
          returning id, customer_id, status, claim_token`),
      );
    },

    /** A broadcast record whose send failed transiently (nothing accepted): back to pending with no claim, for a later attempt. */
    async unmarkSending(id: string, token: string, error: string): Promise<void> {
      await db
        .update(messages)
        .set({ errorMessage: error, leaseUntil: null, claimToken: null, sendingAt: null, updatedAt: sql`now()` })
        .where(and(ownRows(messages), eq(messages.id, id), eq(messages.claimToken, token), eq(messages.status, 'pending')));
    },

    /**
     * Keeps the records `token` holds among its batch's customers leased (called every 10 s while the batch
     * runs); how many it holds. Looked up by the batch's customers, so its cost is the batch's, not the
     * execution's: by campaign and status alone, an execution of a million records (and the dead index
     * entries of those already sent) made each renewal a scan of them all.
     */
    async renewLeases(campaignId: string, executionId: string, token: string, customerIds: string[]): Promise<number> {
      if (customerIds.length === 0) return 0;
      const renewed = await db
        .update(messages)
        .set({ leaseUntil: sql`now() + make_interval(secs => ${BATCH_LEASE_SECONDS})` })
        .where(heldBy(campaignId, executionId, token, customerIds))
        .returning({ id: messages.id });
      return renewed.length;
    },

    /**
     * Lets go of the records `token` holds among its batch's customers and has not marked sending (a batch
     * that stopped early or failed), for a later attempt.
     */
    async releaseClaims(campaignId: string, executionId: string, token: string, customerIds: string[]): Promise<void> {
      if (customerIds.length === 0) return;
      await db
        .update(messages)
        .set({ claimToken: null, leaseUntil: null, updatedAt: sql`now()` })
        .where(and(heldBy(campaignId, executionId, token, customerIds), isNull(messages.sendingAt)));
    },

    /** Of `customerIds`, those whose records another attempt holds (claimed, or marked sending and not recorded yet). */
    async heldElsewhere(
      campaignId: string,
      executionId: string,
      customerIds: string[],
      token: string,
      channel?: ChannelName,
    ): Promise<string[]> {
      if (customerIds.length === 0) return [];
      const rows = await db
        .select({ customerId: messages.customerId })
        .from(messages)
        .where(
          and(
            ownRows(messages),
            pendingRecords(campaignId, executionId),
            inArray(messages.customerId, customerIds),
            channel ? eq(messages.channel, channel) : undefined,
            sql`${messages.claimToken} is not null and ${messages.claimToken} <> ${token}`,
          ),
        );
      return rows.map((r) => r.customerId);
    },

    recordOutcome,

    /**
     * Skips an execution's pending records with `reason` (those `also` selects, when given): what a stopped
     * execution left, or recipients erased while they waited. Never a record marked sending: it may have gone.
     * How many it skipped.
     */
    async skipPending(campaignId: string, executionId: string, reason: string, also?: SQL): Promise<number> {
      let n = 0;
      for (const skipped of (await skipPendingByChannel(campaignId, executionId, reason, also)).values()) n += skipped;
      return n;
    },

    /** skipPending, counted by channel (a campaign on several channels has records on each). */
    skipPendingByChannel,
  };
}

export type MessageRecord = ReturnType<typeof createMessageRecord>;

/** The records of one execution of a campaign. */
export const executionRecords = (campaignId: string, executionId: string) =>
  and(eq(messages.campaignId, campaignId), eq(messages.executionId, executionId));

/** The records among `customerIds` of an execution that `token` holds (claimed, not done). */
const heldBy = (campaignId: string, executionId: string, token: string, customerIds: string[]) =>
  and(
    ownRows(messages),
    pendingRecords(campaignId, executionId),
    inArray(messages.customerId, customerIds),
    eq(messages.claimToken, token),
  );

/** A broadcast execution's records not done yet: waiting out quiet hours (leased until then), or left by a batch that stopped (no lease). */
export const pendingRecords = (campaignId: string, executionId: string) =>
  and(executionRecords(campaignId, executionId), eq(messages.status, 'pending'));
