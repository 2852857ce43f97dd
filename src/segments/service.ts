// Dynamic segments: rows of `segments` with their rules, members in `segment_members` (what campaigns target).
// A refresh re-evaluates the rules in one transaction; the API refreshes on create, update and on demand,
// and a Temporal Schedule refreshes every segment with rules (src/segments/segments-refresh.workflow.ts).
import { randomBytes } from 'node:crypto';
import { and, asc, count, desc, eq, gt, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { ownRows, workspaceIs } from '../db/own-rows.js';
import { customers, marketingCampaigns, segmentMembers, segments } from '../db/schema.js';
import { rowsOf } from '../db/sql-helpers.js';
import { DomainError } from '../domain/errors.js';
import type { RfmGroup } from '../intelligence/rfm.js';
import { checkRule, compileSegmentRule, type Rule } from './rules.js';
import { log } from '../observability/logger.js';

export type SegmentRow = typeof segments.$inferSelect;

export interface SegmentView {
  id: string;
  name: string;
  description: string | null;
  rules: Rule | null;
  /** Members at the last refresh. */
  count: number;
  refreshed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface RefreshResult {
  id: string;
  count: number;
  added: number;
  removed: number;
  refreshed_at: string;
}

export interface SegmentInput {
  name: string;
  description?: string | null;
  rules: Rule;
}

export const segmentView = (r: SegmentRow): SegmentView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  rules: (r.rules as Rule | null) ?? null,
  count: r.memberCount,
  refreshed_at: r.refreshedAt ? r.refreshedAt.toISOString() : null,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

/** The system segment of one RFM group (its members), kept by the personalised campaign endpoint. */
export const systemSegmentId = (group: RfmGroup) => `segment_${group}`;

const notFound = (id: string) => new DomainError('segment_not_found', `no segment "${id}"`, undefined, 404);
const newId = () => `seg_${randomBytes(8).toString('hex')}`;

export type SegmentService = ReturnType<typeof createSegmentService>;

export function createSegmentService(db: Db) {
  /**
   * Re-evaluates a segment's rules inside `tx`: members who no longer match leave, new ones join (the
   * segment's row is locked first, so two refreshes of one segment take turns). Segments without rules
   * (members written by hand) are refused.
   */
  async function refreshIn(tx: Tx, id: string): Promise<RefreshResult> {
    const [row] = await tx
      .select()
      .from(segments)
      .where(and(ownRows(segments), eq(segments.id, id)))
      .for('update');
    if (!row) throw notFound(id);
    if (row.rules === null)
      throw new DomainError('segment_without_rules', `segment "${id}" has no rules: its members are kept by hand`, undefined, 409);
    const checked = checkRule(row.rules);
    if (!checked.rule)
      throw new DomainError(
        'segment_rules_invalid',
        `segment "${id}" has stored rules that no longer validate: ${checked.issues[0]?.message}`,
        undefined,
        409,
      );
    const where = compileSegmentRule(checked.rule);
    const n = async (query: ReturnType<typeof sql>) => rowsOf<{ n: number }>(await tx.execute(query))[0]?.n ?? 0;
    const removed = await n(sql`
      with gone as (
        delete from segment_members sm
        where ${workspaceIs(sql`sm.workspace_id`)} and sm.segment_id = ${id}
          and not exists (select 1 from customers c where c.workspace_id = sm.workspace_id and c.id = sm.customer_id and ${where})
        returning 1)
      select count(*)::int as n from gone`);
    const added = await n(sql`
      with joined as (
        insert into segment_members (segment_id, customer_id)
        select ${id}::text, c.id from customers c where ${workspaceIs(sql`c.workspace_id`)} and ${where}
        on conflict do nothing
        returning 1)
      select count(*)::int as n from joined`);
    const total = await n(
      sql`select count(*)::int as n from segment_members where ${workspaceIs(sql`workspace_id`)} and segment_id = ${id}`,
    );
    const [updated] = await tx
      .update(segments)
      .set({ memberCount: total, refreshedAt: sql`now()` })
      .where(and(ownRows(segments), eq(segments.id, id)))
      .returning({ refreshedAt: segments.refreshedAt });
    return { id, count: total, added, removed, refreshed_at: updated!.refreshedAt!.toISOString() };
  }

  const refresh = (id: string) => db.transaction((tx) => refreshIn(tx, id));

  async function find(id: string): Promise<SegmentRow> {
    const [row] = await db
      .select()
      .from(segments)
      .where(and(ownRows(segments), eq(segments.id, id)));
    if (!row) throw notFound(id);
    return row;
  }

  return {
    refresh,

    async get(id: string): Promise<SegmentView> {
      return segmentView(await find(id));
    },

    /** Creates the segment and its members at once, in one transaction. */
    async create(input: SegmentInput): Promise<SegmentView> {
      const id = newId();
      await db.transaction(async (tx) => {
        await tx
          .insert(segments)
          .values({ id, name: input.name, description: input.description ?? null, rules: input.rules as Record<string, unknown> });
        await refreshIn(tx, id);
      });
      return segmentView(await find(id));
    },

    async list(filter: { page: number; page_size: number }) {
      const [total] = await db.select({ n: count() }).from(segments).where(ownRows(segments));
      const rows = await db
        .select()
        .from(segments)
        .where(ownRows(segments))
        .orderBy(desc(segments.createdAt), desc(segments.id))
        .limit(filter.page_size)
        .offset((filter.page - 1) * filter.page_size);
      return { segments: rows.map(segmentView), pagination: { total: total?.n ?? 0, page: filter.page, page_size: filter.page_size } };
    },

    /** The fields given replace the saved ones; the members are refreshed in the same transaction. */
    async update(id: string, patch: Partial<SegmentInput>): Promise<SegmentView> {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .update(segments)
          .set({
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.description !== undefined ? { description: patch.description } : {}),
            ...(patch.rules !== undefined ? { rules: patch.rules } : {}),
            updatedAt: sql`now()`,
          })
          .where(and(ownRows(segments), eq(segments.id, id)))
          .returning({ rules: segments.rules });
        if (!row) throw notFound(id);
        if (row.rules !== null) await refreshIn(tx, id);
      });
      return segmentView(await find(id));
    },

    /** Deletes a segment no campaign (other than an archived one) targets; 409 naming the campaigns otherwise. */
    async remove(id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .select({ id: segments.id })
          .from(segments)
          .where(and(ownRows(segments), eq(segments.id, id)))
          .for('update');
        if (!row) throw notFound(id);
        const users = await tx
          .select({ id: marketingCampaigns.id, status: marketingCampaigns.status })
          .from(marketingCampaigns)
          .where(and(ownRows(marketingCampaigns), eq(marketingCampaigns.targetSegmentId, id), ne(marketingCampaigns.status, 'archived')))
          .limit(20);
        if (users.length) {
          throw new DomainError(
            'segment_in_use',
            `segment "${id}" is the audience of ${users.length === 20 ? '20 or more' : users.length} campaign(s) not archived (${users.map((u) => u.id).join(', ')}): archive them first`,
            undefined,
            409,
            { campaigns: users },
          );
        }
        await tx.delete(segmentMembers).where(and(ownRows(segmentMembers), eq(segmentMembers.segmentId, id)));
        await tx.delete(segments).where(and(ownRows(segments), eq(segments.id, id)));
      });
    },

    /** A page of members by customer id (customers erased since the last refresh are left out). */
    async members(id: string, page: { page: number; page_size: number }) {
      await find(id);
      const on = and(
        eq(customers.workspaceId, segmentMembers.workspaceId),
        eq(customers.id, segmentMembers.customerId),
        isNull(customers.erasedAt),
      );
      const where = and(ownRows(segmentMembers), eq(segmentMembers.segmentId, id));
      const [total] = await db.select({ n: count() }).from(segmentMembers).innerJoin(customers, on).where(where);
      const members = await db
        .select({ customer_id: segmentMembers.customerId, email: customers.email, name: customers.name })
        .from(segmentMembers)
        .innerJoin(customers, on)
        .where(where)
        .orderBy(asc(segmentMembers.customerId))
        .limit(page.page_size)
        .offset((page.page - 1) * page.page_size);
      return { members, pagination: { total: total?.n ?? 0, page: page.page, page_size: page.page_size } };
    },

    /** Creates or updates the system segment of an RFM group (the rule `{ "segment": "<group>" }`) and refreshes it. */
    async ensureSystemSegment(group: RfmGroup, label: string): Promise<SegmentView> {
      const id = systemSegmentId(group);
      const rules = { segment: group };
      await db.transaction(async (tx) => {
        await tx
          .insert(segments)
          .values({
            id,
            name: `${label} (system)`,
            description: `Customers whose insights segment is ${group}; kept by POST /api/ai-ops/customer/campaign`,
            rules,
          })
          .onConflictDoUpdate({ target: [segments.workspaceId, segments.id], set: { rules, updatedAt: sql`now()` } });
        await refreshIn(tx, id);
      });
      return segmentView(await find(id));
    },

    /**
     * One page of the scheduled refresh: the segments with rules after `after` (by id), each refreshed in a
     * transaction of its own. One that fails (deleted meanwhile, stored rules edited into something invalid, a
     * query error) is reported and the others still refresh; only a page where every segment failed throws,
     * so that Temporal retries it (the database is likely down).
     */
    async refreshPage({ after, limit }: { after: string | null; limit: number }) {
      const page = await db
        .select({ id: segments.id })
        .from(segments)
        .where(and(ownRows(segments), isNotNull(segments.rules), after === null ? undefined : gt(segments.id, after)))
        .orderBy(asc(segments.id))
        .limit(limit);
      let refreshed = 0;
      let members = 0;
      const failed: string[] = [];
      let lastError: { error: unknown } | null = null;
      for (const { id } of page) {
        try {
          members += (await refresh(id)).count;
          refreshed++;
        } catch (err) {
          log.warn({ err, component: 'segments', segmentId: id }, 'segment not refreshed');
          failed.push(id);
          if (!(err instanceof DomainError)) lastError = { error: err };
        }
      }
      if (lastError && refreshed === 0) throw lastError.error;
      return { found: page.length, refreshed, members, failed, last: page.at(-1)?.id ?? after };
    },
  };
}
