import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { customers, type Customer, messages } from '../db/schema.js';
import { renderTemplate } from '../domain/template.js';
import type { ActivityDeps } from './index.js';

export interface SendEmailInput {
  /** workflow id + step key: the UNIQUE key that makes this step send at most once. */
  idempotencyKey: string;
  customerId: string;
  journeyKey: string;
  journeyVersion: number | null;
  workflowId: string;
  stepKey: string;
  template: { subject: string; html: string; text: string };
  vars: Record<string, unknown>;
}

export interface SendResult {
  status: 'sent' | 'skipped' | 'failed';
  messageId: string;
  reason?: string;
}

/** What templates see as {{ customer.* }}. */
export function customerVars(c: Customer): Record<string, unknown> {
  return {
    ...c.attributes,
    id: c.id,
    email: c.email,
    phone: c.phone,
    name: c.name,
    first_name: c.name?.split(/\s+/)[0] ?? null,
    birthday: c.birthday,
    timezone: c.timezone,
    tags: c.tags,
  };
}

function skipReason(customer: Customer | undefined): string | null {
  if (!customer || customer.erasedAt) return 'erased';
  if (customer.consent.email === false) return 'unsubscribed';
  if (!customer.email) return 'no_email_address';
  return null;
}

/** Longer than the activity's start-to-close timeout, so a live attempt never loses its lease. */
const LEASE = '2 minutes';

export function createMessageActivities({ db, channels, config }: ActivityDeps) {
  return {
    /**
     * Renders and sends one email and records it as one row, at most once per idempotency key. An attempt
     * holds the row's lease while it sends, so a retry that overlaps a slow first attempt backs off (and is
     * retried) instead of sending again, and then finds the message sent.
     */
    async sendEmail(input: SendEmailInput): Promise<SendResult> {
      const byKey = eq(messages.idempotencyKey, input.idempotencyKey);
      await db
        .insert(messages)
        .values({
          idempotencyKey: input.idempotencyKey,
          customerId: input.customerId,
          journeyKey: input.journeyKey,
          journeyVersion: input.journeyVersion,
          workflowId: input.workflowId,
          stepKey: input.stepKey,
          channel: 'email',
        })
        .onConflictDoNothing({ target: messages.idempotencyKey });

      // One attempt at a time: take the row's lease, or learn that the message is done or in progress.
      // No transaction stays open across the SMTP round trip (PGlite has a single connection).
      const [row] = await db
        .update(messages)
        .set({ leaseUntil: sql`now() + ${LEASE}::interval`, attempts: sql`${messages.attempts} + 1`, updatedAt: sql`now()` })
        .where(and(byKey, eq(messages.status, 'pending'), or(isNull(messages.leaseUntil), lt(messages.leaseUntil, sql`now()`))))
        .returning();
      if (!row) {
        const [current] = await db.select().from(messages).where(byKey);
        if (!current) throw new Error(`message ${input.idempotencyKey} vanished`);
        if (current.status === 'pending') throw new Error(`message ${input.idempotencyKey} is being sent by another attempt`);
        const status = current.status === 'skipped' || current.status === 'failed' ? current.status : 'sent';
        return { status, messageId: current.id, reason: current.errorMessage ?? undefined };
      }
      const finish = async (status: 'skipped' | 'failed', reason: string): Promise<SendResult> => {
        await db.update(messages).set({ status, errorMessage: reason, leaseUntil: null, updatedAt: sql`now()` }).where(eq(messages.id, row.id));
        return { status, messageId: row.id, reason };
      };

      const [customer] = await db.select().from(customers).where(eq(customers.id, input.customerId));
      const skip = skipReason(customer);
      if (skip || !customer?.email) return finish('skipped', skip ?? 'no_email_address');

      let rendered: { subject: string; html: string; text: string };
      try {
        const vars = { ...input.vars, brand: config.brand, customer: customerVars(customer) };
        rendered = {
          subject: renderTemplate(input.template.subject, vars, 'text'),
          html: renderTemplate(input.template.html, vars, 'html'),
          text: renderTemplate(input.template.text, vars, 'text'),
        };
      } catch (err) {
        // A template that cannot render will not render on a retry either: record it, send nothing.
        return finish('failed', `template error: ${(err as Error).message}`);
      }

      let sent;
      try {
        sent = await channels.email.send({ to: customer.email, idempotencyKey: input.idempotencyKey, ...rendered });
      } catch (err) {
        // Transient (SMTP down, timeout): keep the row pending with the error, and let Temporal retry.
        await db
          .update(messages)
          .set({ errorMessage: (err as Error).message, leaseUntil: null, updatedAt: sql`now()` })
          .where(eq(messages.id, row.id));
        throw err;
      }
      await db
        .update(messages)
        .set({
          status: 'sent',
          recipient: customer.email,
          subject: rendered.subject,
          bodyHtml: rendered.html,
          bodyText: rendered.text,
          providerMessageId: sent.providerMessageId,
          response: { smtp: sent.response },
          errorMessage: null,
          leaseUntil: null,
          sentAt: sql`now()`,
          updatedAt: sql`now()`,
        })
        .where(eq(messages.id, row.id));
      return { status: 'sent', messageId: row.id };
    },
  };
}
