import { ownRows } from '../db/own-rows.js';
import { and, eq, sql } from 'drizzle-orm';
import { customers, flowVersions } from '../db/schema.js';
import { flowActionSchema, toFlowSteps } from './definition.js';
import { type BranchOp, evaluateBranch, type FlowVersion } from './flow-types.js';
import type { ActivityDeps } from '../worker/activities.js';
import { customerVars } from '../templates/vars.js';

export function createFlowActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** One saved version of a flow, as its run walks it (a run loads it once and keeps it). Null when it does not exist. */
    async getFlowVersion(flowId: string, version: number): Promise<FlowVersion | null> {
      const [row] = await db
        .select()
        .from(flowVersions)
        .where(and(ownRows(flowVersions), and(eq(flowVersions.flowId, flowId), eq(flowVersions.version, version))));
      if (!row) return null;
      return {
        flowId: row.flowId,
        version: row.version,
        name: row.name,
        triggerEvent: row.triggerEvent,
        exitOn: row.exitOn,
        // Stored as the marketer wrote them (validated at save); delays are resolved here, once per run.
        steps: toFlowSteps(row.actions.map((a) => flowActionSchema.parse(a))),
      };
    },

    /** Adds a tag to the customer once (a tag already there, or an erased customer, changes nothing). */
    async addTag(input: { customerId: string; tag: string }): Promise<{ status: 'sent' | 'skipped'; reason?: string }> {
      const updated = await db
        .update(customers)
        .set({ tags: sql`array_append(${customers.tags}, ${input.tag}::text)`, updatedAt: sql`now()` })
        .where(
          and(
            ownRows(customers),
            and(
              eq(customers.id, input.customerId),
              sql`${customers.erasedAt} is null`,
              sql`not (${input.tag}::text = any(${customers.tags}))`,
            ),
          ),
        )
        .returning({ id: customers.id });
      if (updated.length) return { status: 'sent' };
      const [customer] = await db
        .select({ erasedAt: customers.erasedAt })
        .from(customers)
        .where(and(ownRows(customers), eq(customers.id, input.customerId)));
      if (!customer || customer.erasedAt) return { status: 'skipped', reason: 'erased' };
      return { status: 'sent', reason: 'already_tagged' };
    },

    /** A branch's condition on the customer as they are now: `customer.<attribute>` compared with `value`. */
    async checkFlowBranch(input: { customerId: string; attribute: string; op: BranchOp; value?: unknown }): Promise<boolean> {
      const [customer] = await db
        .select()
        .from(customers)
        .where(and(ownRows(customers), eq(customers.id, input.customerId)));
      if (!customer || customer.erasedAt) return false;
      return evaluateBranch(customerVars(customer)[input.attribute], input.op, input.value);
    },
  };
}
