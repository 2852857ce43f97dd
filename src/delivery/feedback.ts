// Provider delivery feedback (POST /api/webhooks/delivery/:provider, signature checked by the route): a
// delivery receipt, a bounce or a complaint about one message or address. A hard bounce or a complaint puts
// the address on the suppression list; every report is recorded on the message it names (the first of each
// kind), so a repeat changes nothing.
import { ownRows } from '../db/own-rows.js';
import type { ChannelName, SuppressionChannel } from '../domain/channels.js';
import { eq, inArray, or, sql, and } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isUuid } from '../db/sql-helpers.js';
import { messages } from '../db/schema.js';
import { asInstallation, DEFAULT_WORKSPACE, inWorkspace } from '../db/workspace.js';
import { suppressionChannel } from './suppression-lists.js';
import { advanceStatus } from './status-progress.js';
import { suppress } from './suppressions.js';

export interface DeliveryReport {
  type: 'delivered' | 'bounced' | 'complained';
  /** The provider's id of the message (SMTP Message-ID, with or without <>, or the HTTP provider's id), or Touchpoint's. */
  message_id?: string;
  email?: string;
  phone?: string;
  /** bounced only; a bounce without one is taken as hard. */
  bounce_type?: 'hard' | 'soft';
  occurred_at?: string;
}

export interface DeliveryOutcome {
  type: DeliveryReport['type'];
  /** Touchpoint's id of the message the report named; null when it names none we sent. */
  message_id: string | null;
  /** Addresses this report put on the suppression list (already listed ones too). */
  suppressed: Array<{ channel: SuppressionChannel; address: string }>;
}

export function createDeliveryFeedback(db: Db, secrets: ReadonlyMap<string, string>) {
  /** The message a report names (by the id its provider knows, or ours), in whichever workspace sent it. */
  function findMessage(id: string) {
    const bare = id.trim().replace(/^<(.*)>$/, '$1');
    return asInstallation(async () => {
      const [row] = await db
        .select({ id: messages.id, channel: messages.channel, recipient: messages.recipient, workspaceId: messages.workspaceId })
        .from(messages)
        .where(or(inArray(messages.providerMessageId, [bare, `<${bare}>`]), isUuid(bare) ? eq(messages.id, bare) : undefined))
        .limit(1);
      return row ?? null;
    });
  }

  /**
   * A report applies in the workspace of the message it names; one naming no message we sent (a bare
   * address) in `fallbackWorkspace`, the workspace the provider's webhook URL names (`default` without one).
   */
  async function one(provider: string, report: DeliveryReport, fallbackWorkspace: string): Promise<DeliveryOutcome> {
    const message = report.message_id ? await findMessage(report.message_id) : null;
    return inWorkspace(message?.workspaceId ?? fallbackWorkspace, () => apply(provider, report, message));
  }

  async function apply(
    provider: string,
    report: DeliveryReport,
    message: { id: string; channel: ChannelName; recipient: string | null } | null,
  ) {
    const iso = (report.occurred_at ? new Date(report.occurred_at) : new Date()).toISOString();
    const hard = report.type === 'complained' || (report.type === 'bounced' && (report.bounce_type ?? 'hard') === 'hard');

    if (message) {
      const set =
        report.type === 'delivered'
          ? { deliveredAt: sql`coalesce(${messages.deliveredAt}, ${iso}::timestamptz)` }
          : report.type === 'complained'
            ? { complainedAt: sql`coalesce(${messages.complainedAt}, ${iso}::timestamptz)` }
            : {
                bouncedAt: sql`coalesce(${messages.bouncedAt}, ${iso}::timestamptz)`,
                bounceType: sql`case when ${messages.bounceType} = 'hard' then 'hard' else ${hard ? 'hard' : 'soft'} end`,
              };
      // A report names a message the provider had: an uncertain one (its sender died before recording) was
      // sent. A receipt makes the record `delivered` — unless the customer is further on already (a late
      // receipt after a click leaves it `clicked`); a bounce or complaint moves it no further than `sent`.
      const settled = {
        status: advanceStatus(messages.status, report.type === 'delivered' ? 'delivered' : 'sent'),
        sentAt: sql`coalesce(${messages.sentAt}, ${messages.sendingAt})`,
      };
      await db
        .update(messages)
        .set({ ...set, ...settled, updatedAt: sql`now()` })
        .where(and(ownRows(messages), eq(messages.id, message.id)));
    }

    const suppressed: DeliveryOutcome['suppressed'] = [];
    if (hard) {
      const addresses: Array<{ channel: SuppressionChannel; address: string }> = [];
      if (report.email) addresses.push({ channel: 'email', address: report.email });
      if (report.phone) addresses.push({ channel: 'sms', address: report.phone });
      const channel = message && suppressionChannel(message.channel);
      if (addresses.length === 0 && channel && message.recipient) addresses.push({ channel, address: message.recipient });
      for (const a of addresses) {
        const reason = report.type === 'complained' ? 'complaint' : 'hard_bounce';
        const { suppression } = await suppress(db, { ...a, reason, source: provider, messageId: message?.id });
        suppressed.push({ channel: suppression.channel, address: suppression.address });
      }
    }
    return { type: report.type, message_id: message?.id ?? null, suppressed };
  }

  return {
    /** The provider's signing secret; undefined: not a provider of this installation. */
    secret: (provider: string) => secrets.get(provider),

    /** Applies a provider's reports in order; each is idempotent, so a provider's retry of the whole batch is harmless. */
    async report(provider: string, reports: DeliveryReport[], fallbackWorkspace = DEFAULT_WORKSPACE): Promise<DeliveryOutcome[]> {
      const outcomes: DeliveryOutcome[] = [];
      for (const r of reports) outcomes.push(await one(provider, r, fallbackWorkspace));
      return outcomes;
    },
  };
}

export type DeliveryFeedback = ReturnType<typeof createDeliveryFeedback>;
