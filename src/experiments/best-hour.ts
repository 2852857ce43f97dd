// "At the customer's best hour": the hour of day (on their clock) at which they most often opened or clicked
// a message; a customer without enough history takes the workspace's best hour (every customer's recent
// opens and clicks, each on their own clock), and a workspace without any the default. An experiment's
// `send_at: { best_hour: true }` arm sends then — judged against a fixed hour in the same experiment.
import { and, desc, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { customers, messages } from '../db/schema.js';
import { knownTimeZone, localParts } from '../domain/local-time.js';

/** Opens and clicks a customer needs before their own hour counts. */
export const MIN_TOUCHES = 3;
/** The hour when nobody in the workspace has opened anything yet. */
export const DEFAULT_BEST_HOUR = 10;
/** The recent touches read: a customer's, and the workspace's for its fallback. */
const PER_CUSTOMER = 50;
const WORKSPACE_SAMPLE = 2000;

/** The most frequent hour of `hours` (the earliest of a tie), or null when there are fewer than `min`. */
export function modeHour(hours: number[], min = 1): number | null {
  if (hours.length < min) return null;
  const counts = new Array<number>(24).fill(0);
  for (const h of hours) counts[h]!++;
  return counts.indexOf(Math.max(...counts));
}

async function touchHours(db: Db, customerIds: string[] | null, defaultTimeZone: string, limit: number) {
  const at = sql<Date>`coalesce(${messages.clickedAt}, ${messages.openedAt})`;
  const rows = await db
    .select({ customerId: messages.customerId, at, timezone: customers.timezone })
    .from(messages)
    .innerJoin(customers, sql`${customers.workspaceId} = ${messages.workspaceId} and ${customers.id} = ${messages.customerId}`)
    .where(
      and(
        ownRows(messages),
        and(
          or(isNotNull(messages.openedAt), isNotNull(messages.clickedAt)),
          customerIds ? inArray(messages.customerId, customerIds) : undefined,
        ),
      ),
    )
    .orderBy(desc(at))
    .limit(limit);
  return rows.map((r) => ({
    customerId: r.customerId,
    hour: localParts(knownTimeZone(r.timezone, defaultTimeZone), new Date(r.at).getTime()).hour,
  }));
}

/** Each customer's best hour (0–23, on their clock): their own with MIN_TOUCHES touches, else the workspace's. */
export async function bestHours(db: Db, customerIds: string[], defaultTimeZone: string): Promise<Map<string, number>> {
  if (customerIds.length === 0) return new Map();
  const own = await touchHours(db, customerIds, defaultTimeZone, PER_CUSTOMER * customerIds.length);
  const byCustomer = new Map<string, number[]>();
  for (const t of own) byCustomer.set(t.customerId, [...(byCustomer.get(t.customerId) ?? []), t.hour]);
  let fallback: number | null = null;
  const hours = new Map<string, number>();
  for (const id of customerIds) {
    let hour = modeHour(byCustomer.get(id) ?? [], MIN_TOUCHES);
    if (hour === null) {
      fallback ??= modeHour((await touchHours(db, null, defaultTimeZone, WORKSPACE_SAMPLE)).map((t) => t.hour)) ?? DEFAULT_BEST_HOUR;
      hour = fallback;
    }
    hours.set(id, hour);
  }
  return hours;
}
