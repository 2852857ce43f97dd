// Analytics over the workspace's message records and customers: funnels (by campaign, journey, step, flow,
// channel, experiment, time range; grouped), the channel comparison and signup cohorts.
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/sql-helpers.js';
import type { RecordCounts } from '../delivery/record-counts.js';
import { DomainError } from '../domain/errors.js';
import { flowJourneyKey } from '../flows/flow-types.js';
import type { CurrentSettings } from '../workspaces/effective-settings.js';
import { cohortRows, type FunnelGroupBy, groupedCounts, type RecordFilter } from './analytics-sql.js';
import { type CohortRow, cohortsOf } from './cohorts.js';
import { compareChannel, funnelGroups, funnelOf } from './funnel.js';

export interface FunnelQuery extends RecordFilter {
  flow_id?: string;
  group_by?: FunnelGroupBy;
}

const WEEK_MS = 7 * 86_400_000;
const invalid = (field: string, message: string) => new DomainError('invalid_query', `${field}: ${message}`, field, 400);

function checkRange(from: string | undefined, to: string | undefined) {
  if (from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to)) throw invalid('to', 'must be after from');
}

/** The record filter a funnel query names: a flow is the journey of its runs; a step belongs to a journey. */
function recordFilter(q: FunnelQuery): RecordFilter {
  const { flow_id, group_by: _groupBy, ...filter } = q;
  if (flow_id !== undefined) {
    if (filter.journey_key !== undefined) throw invalid('flow_id', 'give flow_id or journey_key, not both');
    filter.journey_key = flowJourneyKey(flow_id);
  }
  if (filter.step_key !== undefined && filter.journey_key === undefined)
    throw invalid('step_key', 'a step is named within its journey: give journey_key (or flow_id) with it');
  checkRange(filter.from, filter.to);
  return filter;
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;

export function createAnalyticsService(db: Db, settings: CurrentSettings) {
  return {
    /** The funnel of the records the query names; grouped by variant when it names an experiment (unless told otherwise). */
    async funnel(q: FunnelQuery) {
      const filter = recordFilter(q);
      const groupBy = q.group_by ?? (q.experiment_id !== undefined ? 'variant' : undefined);
      const rows = rowsOf<RecordCounts & { key: string | null }>(await db.execute(groupedCounts(filter, groupBy ?? 'none')));
      const groups = groupBy ? funnelGroups(rows) : [funnelOf(null, rows)];
      return { group_by: groupBy ?? null, groups };
    },

    /** Each channel that sent in the period: volume, cost (the workspace's channel costs), rates, revenue, ROI. */
    async channels(q: { from?: string; to?: string }) {
      checkRange(q.from, q.to);
      const rows = rowsOf<RecordCounts & { key: string | null }>(await db.execute(groupedCounts(q, 'channel')));
      const { channelCosts } = await settings.current();
      return { channels: rows.filter((r) => r.sent > 0).map((r) => compareChannel(r, channelCosts)) };
    },

    /** Signup cohorts of [from, to) (default: the `weeks` weeks up to now) and their cumulative first-order share per week. */
    async cohorts(q: { from?: string; to?: string; weeks: number }, now = Date.now()) {
      checkRange(q.from, q.to);
      const to = q.to ?? new Date(now).toISOString();
      const from = q.from ?? new Date(Date.parse(to) - q.weeks * WEEK_MS).toISOString();
      const rows = rowsOf<CohortRow>(await db.execute(cohortRows(from, to)));
      return { from, to, weeks: q.weeks, cohorts: cohortsOf(rows, q.weeks, now) };
    },
  };
}
