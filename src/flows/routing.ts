import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { workspaceIs } from '../db/own-rows.js';
import { rowsOf } from '../db/sql-helpers.js';
import { createWorkspaceCache } from '../db/workspace-cache.js';

/** What event routing needs to know about flows, kept in memory so an event no flow cares about costs no query. */
export interface FlowRouting {
  /** Event type → the active flows it starts, each at its latest version. */
  triggers: Map<string, Array<{ flowId: string; version: number }>>;
  /**
   * Event types some flow run may be waiting for (wait_for_event) or exit on (exit_on), over every saved
   * version of every flow: runs in flight keep old versions, and a deactivated flow's runs go on.
   */
  watched: Set<string>;
}

export interface FlowRoutes {
  get(): Promise<FlowRouting>;
  /** Flows changed in this process: the next get() reads them again. */
  invalidate(): void;
}

/**
 * An in-process cache of each workspace's flow routing (src/db/workspace-cache.ts): read again when this
 * process changes one of its flows and at most `maxAgeMs` after the last read otherwise.
 */
export function createFlowRoutes(db: Db, maxAgeMs = 5_000): FlowRoutes {
  return createWorkspaceCache(async (): Promise<FlowRouting> => {
    const [active, watched] = await Promise.all([
      db.execute(sql`select id, version, trigger_event from flows where ${workspaceIs(sql`workspace_id`)} and active`),
      db.execute(sql`
        select distinct t as type from flow_versions, unnest(exit_on) as t where ${workspaceIs(sql`workspace_id`)}
        union
        select distinct a->>'event' from flow_versions, jsonb_array_elements(actions) as a
        where ${workspaceIs(sql`workspace_id`)} and a->>'type' = 'wait_for_event'`),
    ]);
    const triggers = new Map<string, Array<{ flowId: string; version: number }>>();
    for (const row of rowsOf<{ id: string; version: number; trigger_event: string }>(active)) {
      const list = triggers.get(row.trigger_event) ?? [];
      list.push({ flowId: row.id, version: row.version });
      triggers.set(row.trigger_event, list);
    }
    return { triggers, watched: new Set(rowsOf<{ type: string }>(watched).map((r) => r.type)) };
  }, maxAgeMs);
}
