// What the links in a tracked email do when followed: the open pixel and the click redirect count on the
// message row, and the one-click unsubscribe opts the customer out of the message's channel through the
// customer service (which ends their journeys). A token that does not verify changes nothing (null).
// An open or a click moves the record's status forward (src/delivery/status-progress.ts) and keeps the
// latest interaction in `response.interaction`, beside the provider's answer.
import { eq, sql, and, type SQL } from 'drizzle-orm';
import type { CustomerService } from '../customers/service.js';
import type { Db } from '../db/client.js';
import { ownRows, workspaceIs } from '../db/own-rows.js';
import { customers, messages } from '../db/schema.js';
import { rowsOf } from '../db/sql-helpers.js';
import { inWorkspace } from '../db/workspace.js';
import { workspaceOfMessage } from './message-workspace.js';
import { advanceStatus } from './status-progress.js';
import { DomainError } from '../domain/errors.js';
import { type TokenKind, verifyToken } from '../domain/tracking-token.js';

/** Longer than any token this service signs; anything longer is not worth hashing. */
const MAX_TOKEN = 512;

/**
 * `response` with `interaction` set to the customer's latest one; the provider's answer keeps its keys (one
 * that is not an object, which no channel records today, is kept under `provider`).
 */
function withInteraction(interaction: SQL): SQL {
  return sql`(case when jsonb_typeof(response) = 'object' then response when response is null then '{}'::jsonb
    else jsonb_build_object('provider', response) end) || jsonb_build_object('interaction', ${interaction})`;
}

export function createTrackingService(db: Db, customerService: CustomerService, secret: string) {
  type Valid = NonNullable<ReturnType<typeof verifyToken>>;
  /**
   * Runs `fn` for a token that verifies, in the workspace of the message it names (a link carries no
   * workspace: its message id finds it); `miss` for a bad token or a message that is not there.
   */
  async function forToken<T>(token: string, kind: TokenKind, miss: T, fn: (valid: Valid) => Promise<T>): Promise<T> {
    const valid = token.length > MAX_TOKEN ? null : verifyToken(secret, token, kind);
    if (!valid) return miss;
    const workspace = await workspaceOfMessage(db, valid.messageId);
    return workspace === null ? miss : inWorkspace(workspace, () => fn(valid));
  }

  /** The message an unsubscribe token names, and whether its customer is opted out of its channel already. */
  async function unsubscribeTarget(valid: Valid) {
    const [row] = await db
      .select({ customerId: messages.customerId, channel: messages.channel, consent: customers.consent, erasedAt: customers.erasedAt })
      .from(messages)
      .leftJoin(customers, eq(customers.id, messages.customerId))
      .where(and(ownRows(messages), eq(messages.id, valid.messageId)));
    if (!row) return null;
    return { ...row, messageId: valid.messageId, unsubscribed: row.erasedAt !== null || row.consent?.[row.channel] === false };
  }

  return {
    /** Counts an open; the first sets opened_at and makes the record `opened` (unless it is further on). False: no such message (or a bad token). */
    open(token: string): Promise<boolean> {
      return forToken(token, 'o', false, async (valid) => {
        const result = await db.execute(sql`
        update ${messages}
        set opened_at = coalesce(opened_at, now()), open_count = open_count + 1, status = ${advanceStatus(sql`status`, 'opened')},
          response = ${withInteraction(sql`jsonb_build_object('action', 'open', 'at', now())`)}, updated_at = now()
        where ${workspaceIs(sql`workspace_id`)} and id = ${valid.messageId}
        returning id`);
        return rowsOf(result).length > 0;
      });
    },

    /**
     * Counts a click and gives the link's target, read from the links stored with the message when it was
     * sent — never from the request, so the redirect cannot be pointed anywhere else. Null: no such message
     * or link (nothing counted).
     */
    click(token: string): Promise<string | null> {
      return forToken(token, 'c', null, async (valid) => {
        const result = await db.execute(sql`
        update ${messages}
        set clicked_at = coalesce(clicked_at, now()), click_count = click_count + 1, status = ${advanceStatus(sql`status`, 'clicked')},
          response = ${withInteraction(sql`jsonb_build_object('action', 'click', 'link_id', ${valid.link!}::int, 'url', links ->> ${valid.link!}::int, 'at', now())`)},
          updated_at = now()
        where ${workspaceIs(sql`workspace_id`)} and id = ${valid.messageId} and jsonb_typeof(links) = 'array' and jsonb_array_length(links) > ${valid.link!}::int
        returning links ->> ${valid.link!}::int as url`);
        const [row] = rowsOf<{ url: string | null }>(result);
        return row?.url ?? null;
      });
    },

    /** For the confirmation page: null when the token does not verify. */
    unsubscribeStatus(token: string): Promise<{ unsubscribed: boolean } | null> {
      return forToken(token, 'u', null, async (valid) => {
        const target = await unsubscribeTarget(valid);
        return target ? { unsubscribed: target.unsubscribed } : null;
      });
    },

    /**
     * One-click unsubscribe (RFC 8058): opts the customer out of the message's channel — ending their
     * journeys, as `PUT /api/customers/:id { consent }` does — and records it on the message. Repeating it
     * changes nothing. Null when the token does not verify.
     */
    unsubscribe(token: string): Promise<{ alreadyUnsubscribed: boolean } | null> {
      return forToken(token, 'u', null, async (valid) => {
        const target = await unsubscribeTarget(valid);
        if (!target) return null;
        if (!target.unsubscribed) {
          try {
            await customerService.upsert(target.customerId, { consent: { [target.channel]: false } });
          } catch (err) {
            // Erased in between: there is nobody left to send to.
            if (!(err instanceof DomainError && err.code === 'customer_erased')) throw err;
          }
        }
        await db
          .update(messages)
          .set({ unsubscribedAt: sql`coalesce(${messages.unsubscribedAt}, now())` })
          .where(and(ownRows(messages), eq(messages.id, target.messageId)));
        return { alreadyUnsubscribed: target.unsubscribed };
      });
    },
  };
}

export type TrackingService = ReturnType<typeof createTrackingService>;
