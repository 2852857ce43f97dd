import { ownRows } from '../db/own-rows.js';
import { and, eq, sql } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/activity';
import { crmTasks, customers, events } from '../db/schema.js';
import { renderTemplate } from '../templates/render.js';
import { createOutbound, OutboundRefused } from '../channels/outbound.js';
import type { ActivityDeps } from '../worker/activities.js';
import type { SendResult } from '../delivery/message.activities.js';
import { customerVars } from '../templates/vars.js';

export interface CreateCrmTaskInput {
  idempotencyKey: string;
  customerId: string;
  journeyKey: string;
  workflowId: string;
  stepKey: string;
  task: { title: string; webhookUrl?: string };
  vars: Record<string, unknown>;
}

export function createCrmActivities({ db, outbound = createOutbound({ allowList: [] }) }: Pick<ActivityDeps, 'db' | 'outbound'>) {
  return {
    /**
     * Opens one CRM task per idempotency key and, when the step names a webhook, delivers it there once.
     * A webhook answering 5xx or not at all is retried; 3xx (redirects are not followed) and 4xx are
     * permanent failures; a URL that may not be sent to (src/channels/outbound.ts) fails the step, no request made.
     */
    async createCrmTask(input: CreateCrmTaskInput): Promise<SendResult> {
      const [customer] = await db
        .select()
        .from(customers)
        .where(and(ownRows(customers), eq(customers.id, input.customerId)));
      if (!customer || customer.erasedAt) return { status: 'skipped', messageId: '', reason: 'erased' };
      const vars = { ...input.vars, customer: customerVars(customer) };
      let title: string;
      try {
        title = renderTemplate(input.task.title, vars, 'text');
      } catch (err) {
        // It would fail the same way on every retry.
        throw ApplicationFailure.nonRetryable(`template error: ${(err as Error).message}`, 'TemplateError');
      }
      await db
        .insert(crmTasks)
        .values({
          idempotencyKey: input.idempotencyKey,
          customerId: input.customerId,
          journeyKey: input.journeyKey,
          workflowId: input.workflowId,
          stepKey: input.stepKey,
          title,
          payload: { customer: vars.customer, ...input.vars },
          webhookUrl: input.task.webhookUrl ?? null,
        })
        .onConflictDoNothing({ target: [crmTasks.workspaceId, crmTasks.idempotencyKey] });
      const [task] = await db
        .select()
        .from(crmTasks)
        .where(and(ownRows(crmTasks), eq(crmTasks.idempotencyKey, input.idempotencyKey)));
      if (!task) throw new Error(`crm task ${input.idempotencyKey} vanished`);
      if (task.webhookUrl && !task.webhookDeliveredAt) {
        let res;
        try {
          res = await outbound.post(task.webhookUrl, {
            headers: { 'content-type': 'application/json', 'idempotency-key': task.idempotencyKey },
            body: JSON.stringify({ id: task.id, title: task.title, customerId: task.customerId, payload: task.payload }),
            timeoutMs: 10_000,
          });
        } catch (err) {
          if (err instanceof OutboundRefused)
            return { status: 'failed', messageId: task.id, reason: `CRM webhook URL not allowed: ${err.message}` };
          throw err;
        }
        if (res.status >= 300 && res.status < 400) {
          throw ApplicationFailure.nonRetryable(`CRM webhook answered ${res.status}: redirects are not followed`, 'CrmWebhookRejected');
        }
        if (res.status >= 400 && res.status < 500 && res.status !== 429) {
          throw ApplicationFailure.nonRetryable(`CRM webhook answered ${res.status}`, 'CrmWebhookRejected');
        }
        if (res.status < 200 || res.status >= 300) throw new Error(`CRM webhook answered ${res.status}`);
        await db
          .update(crmTasks)
          .set({ webhookDeliveredAt: sql`now()` })
          .where(and(ownRows(crmTasks), eq(crmTasks.id, task.id)));
      }
      return { status: 'sent', messageId: task.id };
    },

    /** True when an order for this cart has been received (events can arrive out of order). */
    async cartWasOrdered(customerId: string, cartId: string): Promise<boolean> {
      const rows = await db
        .select({ id: events.id })
        .from(events)
        .where(
          and(
            ownRows(events),
            and(eq(events.customerId, customerId), eq(events.type, 'order_completed'), sql`${events.properties}->>'cart_id' = ${cartId}`),
          ),
        )
        .limit(1);
      return rows.length > 0;
    },
  };
}
