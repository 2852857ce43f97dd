import { eq, sql } from 'drizzle-orm';
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

type Attempt = SendResult | { status: 'retry'; error: Error };

export function createMessageActivities({ db, channels, config }: ActivityDeps) {
  return {
    /**
     * Renders and sends one email and records it as one row, at most once per idempotency key.
     * The row is locked (SELECT … FOR UPDATE) for the whole attempt, so a retry that overlaps a slow
     * first attempt waits for it and then finds the message already sent.
     */
    async sendEmail(input: SendEmailInput): Promise<SendResult> {
      const attempt: Attempt = await db.transaction(async (tx) => {
        await tx
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
        const [row] = await tx.select().from(messages).where(eq(messages.idempotencyKey, input.idempotencyKey)).for('update');
        if (!row) throw new Error(`message ${input.idempotencyKey} vanished`);
        if (row.status !== 'pending') {
          return { status: row.status === 'skipped' || row.status === 'failed' ? row.status : 'sent', messageId: row.id, reason: row.errorMessage ?? undefined };
        }

        const [customer] = await tx.select().from(customers).where(eq(customers.id, input.customerId));
        const finish = (status: 'skipped' | 'failed', reason: string) =>
          tx
            .update(messages)
            .set({ status, errorMessage: reason, updatedAt: sql`now()` })
            .where(eq(messages.id, row.id))
            .then((): SendResult => ({ status, messageId: row.id, reason }));

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

        try {
          const sent = await channels.email.send({ to: customer.email, idempotencyKey: input.idempotencyKey, ...rendered });
          await tx
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
              attempts: row.attempts + 1,
              sentAt: sql`now()`,
              updatedAt: sql`now()`,
            })
            .where(eq(messages.id, row.id));
          return { status: 'sent', messageId: row.id };
        } catch (err) {
          // Transient (SMTP down, timeout): keep the row pending with the error, and let Temporal retry.
          await tx
            .update(messages)
            .set({ errorMessage: (err as Error).message, attempts: row.attempts + 1, updatedAt: sql`now()` })
            .where(eq(messages.id, row.id));
          return { status: 'retry', error: err as Error };
        }
      });
      if (attempt.status === 'retry') throw attempt.error;
      return attempt;
    },
  };
}
