// The suppression list (hard bounces, complaints, manual entries) and the check every send makes.
import type { SuppressionChannel } from '../domain/channels.js';
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { type SuppressionReason, suppressions } from '../db/schema.js';
import { normaliseAddress } from './suppression-lists.js';

export type Suppression = typeof suppressions.$inferSelect;

/** The ones of `addresses` on the list for `channel`, normalised; one indexed lookup for a whole batch. */
export async function suppressedAddresses(db: Db, channel: SuppressionChannel, addresses: Array<string | null>): Promise<Set<string>> {
  const wanted = [...new Set(addresses.filter((a): a is string => !!a).map((a) => normaliseAddress(channel, a)))];
  if (wanted.length === 0) return new Set();
  const rows = await db
    .select({ address: suppressions.address })
    .from(suppressions)
    .where(and(ownRows(suppressions), and(eq(suppressions.channel, channel), inArray(suppressions.address, wanted))));
  return new Set(rows.map((r) => r.address));
}

export async function isSuppressed(db: Db, channel: SuppressionChannel, address: string): Promise<boolean> {
  return (await suppressedAddresses(db, channel, [address])).size > 0;
}

export interface NewSuppression {
  channel: SuppressionChannel;
  address: string;
  reason: SuppressionReason;
  source: string;
  messageId?: string | null;
}

/** Adds an address (normalised); one already listed keeps its first reason. The row, and whether it is new. */
export async function suppress(db: Db, entry: NewSuppression): Promise<{ suppression: Suppression; created: boolean }> {
  const address = normaliseAddress(entry.channel, entry.address);
  const [created] = await db
    .insert(suppressions)
    .values({ ...entry, address, messageId: entry.messageId ?? null })
    .onConflictDoNothing()
    .returning();
  if (created) return { suppression: created, created: true };
  const [existing] = await db
    .select()
    .from(suppressions)
    .where(and(ownRows(suppressions), and(eq(suppressions.channel, entry.channel), eq(suppressions.address, address))));
  return { suppression: existing!, created: false };
}

export function createSuppressionService(db: Db) {
  return {
    async list(query: { channel?: SuppressionChannel; address?: string; page: number; pageSize: number }) {
      const where = and(
        query.channel ? eq(suppressions.channel, query.channel) : undefined,
        query.address ? sql`${suppressions.address} like ${`%${query.address.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`}` : undefined,
      );
      const [total] = await db
        .select({ n: count() })
        .from(suppressions)
        .where(and(ownRows(suppressions), where));
      const rows = await db
        .select()
        .from(suppressions)
        .where(and(ownRows(suppressions), where))
        .orderBy(asc(suppressions.channel), asc(suppressions.address))
        .limit(query.pageSize)
        .offset((query.page - 1) * query.pageSize);
      return { suppressions: rows, total: total?.n ?? 0 };
    },

    add: (entry: { channel: SuppressionChannel; address: string }) => suppress(db, { ...entry, reason: 'manual', source: 'api' }),

    /** False when the address was not on the list. */
    async remove(channel: SuppressionChannel, address: string): Promise<boolean> {
      const gone = await db
        .delete(suppressions)
        .where(
          and(ownRows(suppressions), and(eq(suppressions.channel, channel), eq(suppressions.address, normaliseAddress(channel, address)))),
        )
        .returning({ address: suppressions.address });
      return gone.length > 0;
    },
  };
}

export type SuppressionService = ReturnType<typeof createSuppressionService>;
