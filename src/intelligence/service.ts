// Customer intelligence for the API and the scheduled refresh: settings, refreshes, the six RFM groups with
// their counts, and one customer's tags.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows, workspaceIs } from '../db/own-rows.js';
import { validationError } from '../domain/errors.js';
import { rowsOf } from '../db/sql-helpers.js';
import { customerInsights, customers, intelligenceSettings } from '../db/schema.js';
import { kindOf, thresholdsOf, type TagKind } from './customer-tags.js';
import { intelligenceSettingsFrom, intelligenceSettingsSchema, mergeSettings } from './settings.js';
import {
  describeRule,
  type IntelligenceSettings,
  type RfmMethod,
  type RfmGroup,
  RFM_GROUP_DESCRIPTIONS,
  RFM_GROUP_NAMES,
  RFM_GROUPS,
} from './rfm.js';
import { LAST_REFRESH_KEY, type RefreshRecord, refreshAll, refreshOne } from './refresh.js';
import { insightSelect } from './sql.js';
import { createClvQueries } from './clv/read.js';

export const SETTINGS_KEY = 'customer';

export interface RfmGroupSummary {
  segments: Array<{ id: RfmGroup; name: string; customerCount: number; description: string; rule: string }>;
  method: RfmMethod;
  windowDays: number;
  totalCustomers: number;
  /** When the counted insights were computed. */
  computedAt: string;
  /** stored: counted from customer_insights; computed: by another method than the settings', nothing stored. */
  source: 'stored' | 'computed';
}

export interface CustomerTag {
  tag: string;
  kind: TagKind;
  /** The customer's numbers and the thresholds they met; null for a manual tag. */
  evidence: Record<string, unknown> | null;
}

export interface TagDistribution {
  /** Customers (not erased) per tag, most first; a manual tag and a computed one of the same name are two rows. */
  tags: Array<{ tag: string; kind: TagKind; customers: number }>;
  /** Distinct tags before `limit`. */
  totalTags: number;
  /** Customers of the workspace (not erased). */
  totalCustomers: number;
  /** When the computed tags counted were computed (the last full refresh). */
  computedAt: string;
}

export type CustomerTagsResult =
  | { status: 'not_found' }
  | { status: 'erased' }
  | {
      status: 'ok';
      customerId: string;
      tags: CustomerTag[];
      segment: string;
      rfm: { method: RfmMethod; recencyDays: number | null; frequency: number; monetary: number; r: number; f: number; m: number };
      computedAt: string;
    };

export function createIntelligenceService(db: Db) {
  async function stored(key: string): Promise<unknown> {
    const [row] = await db
      .select()
      .from(intelligenceSettings)
      .where(and(ownRows(intelligenceSettings), eq(intelligenceSettings.key, key)));
    return row?.value ?? null;
  }

  const settings = async (): Promise<IntelligenceSettings> => intelligenceSettingsFrom(await stored(SETTINGS_KEY));
  const lastRefresh = async () => (await stored(LAST_REFRESH_KEY)) as RefreshRecord | null;

  /** Whether customer_insights holds a refresh by these settings' method and window. */
  const current = (last: RefreshRecord | null, s: IntelligenceSettings) =>
    last !== null && last.method === s.rfm.method && last.windowDays === s.rfm.windowDays;

  return {
    settings,
    lastRefresh,
    /** Customer lifetime value (./clv/): the model and CLV by group, one customer's. */
    clv: createClvQueries(db, async () => refreshAll(db, await settings())),

    /** Lays `patch` over the current settings; the whole must validate (a 422 naming the first bad field otherwise). */
    async updateSettings(patch: unknown): Promise<IntelligenceSettings> {
      const parsed = intelligenceSettingsSchema.safeParse(mergeSettings(await settings(), patch));
      if (!parsed.success) throw validationError(parsed.error);
      const next = parsed.data;
      await db
        .insert(intelligenceSettings)
        .values({ key: SETTINGS_KEY, value: next })
        .onConflictDoUpdate({
          target: [intelligenceSettings.workspaceId, intelligenceSettings.key],
          set: { value: next, updatedAt: sql`now()` },
        });
      return next;
    },

    async refreshAll(now = new Date()): Promise<RefreshRecord> {
      return refreshAll(db, await settings(), now);
    },

    /**
     * The six RFM groups with their counts (zeros included). By the settings' method: counted from
     * customer_insights, refreshed first when asked, never computed, or computed by other settings. By
     * another method: computed on the fly, nothing stored.
     */
    async rfmGroups(options: { method?: RfmMethod; refresh?: boolean } = {}): Promise<RfmGroupSummary> {
      const s = await settings();
      const method = options.method ?? s.rfm.method;
      const applied: IntelligenceSettings = { ...s, rfm: { ...s.rfm, method } };
      let counts: Array<{ segment: string; n: number | string }>;
      let computedAt: string;
      let source: RfmGroupSummary['source'];
      if (method === s.rfm.method) {
        let last = await lastRefresh();
        if (options.refresh || !current(last, s)) last = await refreshAll(db, s);
        counts = rowsOf(
          await db.execute(
            sql`select segment, count(*) as n from ${customerInsights} where ${workspaceIs(customerInsights.workspaceId)} group by segment`,
          ),
        );
        computedAt = last!.at;
        source = 'stored';
      } else {
        const now = new Date();
        counts = await db.transaction(async (tx) => {
          await tx.execute(sql`set local jit = off`); // as in refreshAll: compiling costs more than it saves
          return rowsOf(
            await tx.execute(
              sql`select segment, count(*) as n from (${insightSelect({ settings: applied, now, withEvidence: false })}) i group by segment`,
            ),
          );
        });
        computedAt = now.toISOString();
        source = 'computed';
      }
      const byId = new Map(counts.map((c) => [c.segment, Number(c.n)]));
      return {
        segments: RFM_GROUPS.map((id) => ({
          id,
          name: RFM_GROUP_NAMES[id],
          customerCount: byId.get(id) ?? 0,
          description: RFM_GROUP_DESCRIPTIONS[id],
          rule: describeRule(id, applied),
        })),
        method,
        windowDays: s.rfm.windowDays,
        totalCustomers: counts.reduce((sum, c) => sum + Number(c.n), 0),
        computedAt,
        source,
      };
    },

    /**
     * How many customers carry each tag: manual ones from customers.tags, computed ones from the stored
     * insights (refreshed first when never computed, or computed by other settings, as rfmGroups does).
     */
    async tagDistribution(options: { kind?: TagKind; limit?: number } = {}): Promise<TagDistribution> {
      const s = await settings();
      let last = await lastRefresh();
      if (!current(last, s)) last = await refreshAll(db, s);
      const limit = options.limit ?? 50;
      const rows = rowsOf<{ tag: string; kind: string | null; customers: number | string }>(
        await db.execute(sql`
          with tagged as (
            select t.tag, 'manual' as kind, c.id
              from ${customers} c cross join lateral unnest(c.tags) as t(tag)
             where ${workspaceIs(sql`c.workspace_id`)} and c.erased_at is null
            union all
            select t.tag, null as kind, c.id
              from ${customerInsights} i
              join ${customers} c on c.workspace_id = i.workspace_id and c.id = i.customer_id
              cross join lateral unnest(i.tags) as t(tag)
             where ${workspaceIs(sql`i.workspace_id`)} and c.erased_at is null
          ), counted as (
            select tag, kind, count(distinct id) as customers from tagged group by tag, kind
          )
          select tag, kind, customers from counted order by customers desc, tag, kind
        `),
      );
      const all = rows.map((r) => ({ tag: r.tag, kind: (r.kind ?? kindOf(r.tag)) as TagKind, customers: Number(r.customers) }));
      const kept = options.kind ? all.filter((r) => r.kind === options.kind) : all;
      const [{ n } = { n: 0 }] = rowsOf<{ n: number | string }>(
        await db.execute(sql`select count(*) as n from ${customers} where ${workspaceIs(customers.workspaceId)} and erased_at is null`),
      );
      return { tags: kept.slice(0, limit), totalTags: kept.length, totalCustomers: Number(n), computedAt: last!.at };
    },

    /**
     * Recomputes and stores one customer's insights, then answers their tags: computed ones with evidence
     * (the customer's numbers beside the thresholds met), then manual ones from the profile.
     */
    async customerTags(customerId: string, now = new Date()): Promise<CustomerTagsResult> {
      const [customer] = await db
        .select({ tags: customers.tags, erasedAt: customers.erasedAt })
        .from(customers)
        .where(and(ownRows(customers), eq(customers.id, customerId)));
      if (!customer) return { status: 'not_found' };
      if (customer.erasedAt) return { status: 'erased' };
      const s = await settings();
      let cuts = undefined;
      if (s.rfm.method === 'quintile') {
        // Quintiles rank everyone: without a full refresh by these settings there is nothing to rank against.
        let last = await lastRefresh();
        if (!current(last, s) || !last!.cuts) last = await refreshAll(db, s, now);
        cuts = last!.cuts ?? undefined;
      }
      await refreshOne(db, s, customerId, cuts, now);
      const [row] = await db
        .select()
        .from(customerInsights)
        .where(and(ownRows(customerInsights), eq(customerInsights.customerId, customerId)));
      if (!row) return { status: 'not_found' };
      const evidence = row.evidence as Record<string, Record<string, unknown>>;
      const computed: CustomerTag[] = row.tags.map((tag) => ({
        tag,
        kind: kindOf(tag),
        evidence: { ...evidence[tag], ...thresholdsOf(tag, s) },
      }));
      const manual: CustomerTag[] = customer.tags.map((tag) => ({ tag, kind: 'manual', evidence: null }));
      return {
        status: 'ok',
        customerId,
        tags: [...computed, ...manual],
        segment: row.segment,
        rfm: {
          method: row.rfmMethod as RfmMethod,
          recencyDays: row.recencyDays,
          frequency: row.frequency,
          monetary: Number(row.monetary),
          r: row.rScore,
          f: row.fScore,
          m: row.mScore,
        },
        computedAt: row.computedAt.toISOString(),
      };
    },
  };
}

export type IntelligenceService = ReturnType<typeof createIntelligenceService>;
