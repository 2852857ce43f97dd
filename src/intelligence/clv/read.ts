// What the CLV routes answer: the workspace's model with CLV summed by RFM group and by tier, and one
// customer's CLV — read from what the last full refresh stored, refreshing first when there was none.
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { ownRows, workspaceIs } from '../../db/own-rows.js';
import { rowsOf } from '../../db/sql-helpers.js';
import { customerInsights, customers, intelligenceSettings } from '../../db/schema.js';
import { TIERS } from '../../domain/tiers.js';
import { RFM_GROUPS } from '../rfm.js';
import { CLV_MODEL_KEY, type ClvRecord } from './refresh.js';

/** One group's CLV: customers, revenue to date, and the 12-month prediction over those who have one. */
export interface ClvGroup {
  id: string;
  customers: number;
  historicSum: number;
  historicMean: number;
  /** Customers with a prediction (an order, and a model). */
  predictedCustomers: number;
  predictedSum: number;
  /** predictedSum / predictedCustomers; null when none. */
  predictedMean: number | null;
}

export type CustomerClv =
  | { status: 'not_found' }
  | { status: 'erased' }
  | {
      status: 'ok';
      row: typeof customerInsights.$inferSelect | null;
    };

interface GroupRow {
  id: string;
  customers: number;
  historic_sum: number;
  predicted_customers: number;
  predicted_sum: number | null;
}

const groupsBy = (key: SQL) => sql`
  select ${key} as id, count(*)::int as customers, coalesce(sum(i.historic_clv), 0)::float8 as historic_sum,
    count(i.predicted_clv_12m)::int as predicted_customers, sum(i.predicted_clv_12m) as predicted_sum
  from customer_insights i join customers c on c.workspace_id = i.workspace_id and c.id = i.customer_id
  where ${workspaceIs(sql`i.workspace_id`)} group by 1`;

/** Every id of `order` (zeros included) then any other found (a tier edited by hand), with means. */
function groups(rows: GroupRow[], order: readonly string[]): ClvGroup[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ids = [...order, ...rows.map((r) => r.id).filter((id) => !order.includes(id))];
  return ids.map((id) => {
    const r = byId.get(id);
    const customers = r?.customers ?? 0;
    const historicSum = r?.historic_sum ?? 0;
    const predictedCustomers = r?.predicted_customers ?? 0;
    const predictedSum = r?.predicted_sum ?? 0;
    return {
      id,
      customers,
      historicSum,
      historicMean: customers ? historicSum / customers : 0,
      predictedCustomers,
      predictedSum,
      predictedMean: predictedCustomers ? predictedSum / predictedCustomers : null,
    };
  });
}

export function createClvQueries(db: Db, refreshAll: () => Promise<unknown>) {
  async function stored(): Promise<ClvRecord | null> {
    const [row] = await db
      .select({ value: intelligenceSettings.value })
      .from(intelligenceSettings)
      .where(and(ownRows(intelligenceSettings), eq(intelligenceSettings.key, CLV_MODEL_KEY)));
    return (row?.value as ClvRecord | undefined) ?? null;
  }
  async function record(): Promise<ClvRecord> {
    const last = await stored();
    if (last) return last;
    await refreshAll();
    return (await stored())!;
  }

  return {
    async clv(): Promise<{ record: ClvRecord; segments: ClvGroup[]; tiers: ClvGroup[] }> {
      const r = await record();
      const [bySegment, byTier] = await Promise.all([
        db.execute(groupsBy(sql`i.segment`)).then((x) => rowsOf<GroupRow>(x)),
        db.execute(groupsBy(sql`c.tier`)).then((x) => rowsOf<GroupRow>(x)),
      ]);
      return { record: r, segments: groups(bySegment, RFM_GROUPS), tiers: groups(byTier, TIERS) };
    },

    async customerClv(customerId: string): Promise<CustomerClv & { record?: ClvRecord }> {
      const [customer] = await db
        .select({ erasedAt: customers.erasedAt })
        .from(customers)
        .where(and(ownRows(customers), eq(customers.id, customerId)));
      if (!customer) return { status: 'not_found' };
      if (customer.erasedAt) return { status: 'erased' };
      const r = await record();
      const [row] = await db
        .select()
        .from(customerInsights)
        .where(and(ownRows(customerInsights), eq(customerInsights.customerId, customerId)));
      return { status: 'ok', row: row ?? null, record: r };
    },
  };
}
