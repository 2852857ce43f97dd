// The CRM's read side (design doc 001 "customer profiles", 002 "behaviour data"): the customer list with
// search and filters, the insights a profile shows, the upgrade history and the timeline of events and
// touches. Reads only; every query states the workspace.
import { and, count, desc, eq, exists, ilike, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows, workspaceIs } from '../db/own-rows.js';
import { customerInsights, customers, segmentMembers, segments, upgradeHistory } from '../db/schema.js';
import { rowsOf } from '../db/sql-helpers.js';
import { DomainError } from '../domain/errors.js';
import { RFM_GROUPS } from '../intelligence/rfm.js';
import {
  type CustomerListFilter,
  insightsView,
  type ListItem,
  type TimelineItem,
  timelineItem,
  type TimelineRow,
} from './crm-view-shapes.js';

/** `%`, `_` and `\` taken literally in an ILIKE pattern. */
const likeEscaped = (q: string) => q.replace(/[\\%_]/g, (c) => `\\${c}`);

const isRfmGroup = (s: string): boolean => (RFM_GROUPS as readonly string[]).includes(s);

export function createCrmViews(db: Db) {
  const insightJoin = and(eq(customerInsights.workspaceId, customers.workspaceId), eq(customerInsights.customerId, customers.id));

  async function filterOf(f: CustomerListFilter): Promise<SQL> {
    const parts: SQL[] = [ownRows(customers), isNull(customers.erasedAt)];
    if (f.q) {
      // Case-insensitive by the database's locale: Unicode letters fold under a UTF-8 one (C.UTF-8 included).
      const like = `%${likeEscaped(f.q)}%`;
      parts.push(or(ilike(customers.id, like), ilike(customers.email, like), ilike(customers.name, like))!);
    }
    if (f.tier) parts.push(eq(customers.tier, f.tier));
    if (f.tag) {
      const tag = sql`array[${f.tag}]::text[]`;
      parts.push(or(sql`${customers.tags} @> ${tag}`, sql`${customerInsights.tags} @> ${tag}`)!);
    }
    if (f.segment !== undefined) {
      if (isRfmGroup(f.segment)) parts.push(eq(customerInsights.segment, f.segment));
      else {
        const [known] = await db
          .select({ id: segments.id })
          .from(segments)
          .where(and(ownRows(segments), eq(segments.id, f.segment)));
        if (!known) throw new DomainError('segment_not_found', `no RFM group or segment "${f.segment}"`, 'segment', 404);
        const members = db
          .select({ one: sql`1` })
          .from(segmentMembers)
          .where(and(ownRows(segmentMembers), eq(segmentMembers.segmentId, f.segment), eq(segmentMembers.customerId, customers.id)));
        parts.push(exists(members));
      }
    }
    return and(...parts)!;
  }

  return {
    /** Customers (not erased) matching every filter given, newest first. */
    async list(f: CustomerListFilter): Promise<{ items: ListItem[]; total: number }> {
      const where = await filterOf(f);
      const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(customers).leftJoin(customerInsights, insightJoin).where(where);
      const rows = await db
        .select({
          id: customers.id,
          email: customers.email,
          name: customers.name,
          tier: customers.tier,
          points: customers.points,
          manual: customers.tags,
          computed: customerInsights.tags,
          segment: customerInsights.segment,
          createdAt: customers.createdAt,
        })
        .from(customers)
        .leftJoin(customerInsights, insightJoin)
        .where(where)
        .orderBy(desc(customers.createdAt), customers.id)
        .limit(f.pageSize)
        .offset((f.page - 1) * f.pageSize);
      const items = rows.map((r) => ({
        id: r.id,
        email: r.email,
        name: r.name,
        tier: r.tier,
        points: r.points,
        tags: [...new Set([...r.manual, ...(r.computed ?? [])])],
        rfm_segment: r.segment,
        created_at: r.createdAt.toISOString(),
      }));
      return { items, total: Number(n) };
    },

    /** What the profile shows beside the customer: tier, points, tags, RFM group and behaviour data. */
    async insights(customer: { id: string; tier: string; points: number; tags: string[] }) {
      const [row] = await db
        .select()
        .from(customerInsights)
        .where(and(ownRows(customerInsights), eq(customerInsights.customerId, customer.id)));
      return insightsView(customer, row);
    },

    /** The customer's upgrade_history, newest first. */
    async upgrades(customerId: string) {
      return db
        .select()
        .from(upgradeHistory)
        .where(and(ownRows(upgradeHistory), eq(upgradeHistory.customerId, customerId)))
        .orderBy(desc(upgradeHistory.createdAt), desc(upgradeHistory.id));
    },

    /** Events and touches (messages sent or recorded), newest first, by page. */
    async timeline(customerId: string, page: number, pageSize: number): Promise<{ items: TimelineItem[]; total: number }> {
      const union = sql`
        select 'event' as kind, e.id, e.occurred_at as at, e.type, e.properties, null::text as channel, null::text as status,
          null::text as campaign_id, null::text as journey_key, null::text as subject, null::timestamptz as sent_at,
          null::timestamptz as delivered_at, null::timestamptz as opened_at, null::timestamptz as clicked_at, null::timestamptz as converted_at
        from events e where ${workspaceIs(sql`e.workspace_id`)} and e.customer_id = ${customerId}
        union all
        select 'touch', m.id::text, coalesce(m.sent_at, m.created_at), null, null, m.channel, m.status, m.campaign_id, m.journey_key,
          m.subject, m.sent_at, m.delivered_at, m.opened_at, m.clicked_at, m.converted_at
        from messages m where ${workspaceIs(sql`m.workspace_id`)} and m.customer_id = ${customerId}`;
      const [{ n }] = rowsOf<{ n: number | string }>(await db.execute(sql`select count(*) as n from (${union}) t`)) as [{ n: number }];
      const rows = rowsOf<TimelineRow>(
        await db.execute(sql`select * from (${union}) t order by at desc, kind, id desc limit ${pageSize} offset ${(page - 1) * pageSize}`),
      );
      return { items: rows.map(timelineItem), total: Number(n) };
    },
  };
}

export type CrmViews = ReturnType<typeof createCrmViews>;
