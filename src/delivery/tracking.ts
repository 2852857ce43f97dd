// What the links in a tracked email do when followed: the open pixel and the click redirect count on the
// message row, and the one-click unsubscribe opts the customer out of the message's channel through the
// customer service (which ends their journeys). A token that does not verify changes nothing (null).
import { eq, sql, and } from 'drizzle-orm';
import type { CustomerService } from '../customers/service.js';
import type { Db } from '../db/client.js';
import { ownRows, workspaceIs } from '../db/own-rows.js';
import { customers, messages } from '../db/schema.js';
import { rowsOf } from '../db/sql-helpers.js';
import { inWorkspace } from '../db/workspace.js';
import { workspaceOfMessage } from './message-workspace.js';
import { DomainError } from '../domain/errors.js';
import { type TokenKind, verifyToken } from '../domain/tracking-token.js';

/** Longer than any token this service signs; anything longer is not worth hashing. */
const MAX_TOKEN = 512;

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
    /** Counts an open; the first sets opened_at. False: no such message (or a bad token). */
    open(token: string): Promise<boolean> {
      return forToken(token, 'o', false, async (valid) => {
        const hit = await db
          .update(messages)
          .set({ openedAt: sql`coalesce(${messages.openedAt}, now())`, openCount: sql`${messages.openCount} + 1` })
          .where(and(ownRows(messages), eq(messages.id, valid.messageId)))
          .returning({ id: messages.id });
        return hit.length > 0;
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
        set clicked_at = coalesce(clicked_at, now()), click_count = click_count + 1
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
