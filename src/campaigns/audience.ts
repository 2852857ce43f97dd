import { and, gt, isNull, type SQL, sql } from 'drizzle-orm';
import { ownRows } from '../db/own-rows.js';
import { customers, segmentMembers } from '../db/schema.js';

export interface AudienceSpec {
  targetTags: string[];
  targetSegmentId: string | null;
}

/**
 * Who a campaign reaches: customers not erased who have any of the target tags and (when a segment is set)
 * are members of the segment. Both set: both must hold. The broadcast pages through it by customer id.
 */
export function audienceWhere(spec: AudienceSpec, after: string | null = null): SQL {
  const conditions: SQL[] = [ownRows(customers), isNull(customers.erasedAt)];
  if (spec.targetTags.length) {
    conditions.push(
      sql`${customers.tags} && array[${sql.join(
        spec.targetTags.map((t) => sql`${t}`),
        sql`, `,
      )}]::text[]`,
    );
  }
  if (spec.targetSegmentId !== null) {
    conditions.push(
      sql`exists (select 1 from ${segmentMembers} where ${segmentMembers.workspaceId} = ${customers.workspaceId} and ${segmentMembers.segmentId} = ${spec.targetSegmentId} and ${segmentMembers.customerId} = ${customers.id})`,
    );
  }
  if (after !== null) conditions.push(gt(customers.id, after));
  return and(...conditions)!;
}
