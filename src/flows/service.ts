// Marketer flows as the API manages them: each save is a new version; runs keep the version they started with.
import { randomBytes } from 'node:crypto';
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { uniqueViolation } from '../db/sql-helpers.js';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { flows, flowVersions } from '../db/schema.js';
import type { Outbound } from '../channels/outbound.js';
import { DomainError } from '../domain/errors.js';
import type { FlowDefinition } from './definition.js';
import type { Journeys } from '../journeys/journeys.js';

export interface FlowView {
  id: string;
  name: string;
  trigger_event: string;
  exit_on: string[];
  /** As saved (the marketer's own delays and templates). */
  actions: Array<Record<string, unknown>>;
  /** The version shown; `latest_version` is the one new runs take. */
  version: number;
  latest_version: number;
  active: boolean;
  created_at: string;
  updated_at: string;
}

/** A flow definition to save: validated, with the actions as the client wrote them. */
export type FlowSave = Pick<FlowDefinition, 'name' | 'trigger_event' | 'exit_on'> & { actions: Array<Record<string, unknown>> };

/** Flow names are unique: a marketer finds a flow by its name. */
const nameTakenError = (name: string) => new DomainError('flow_name_taken', `a flow is already called "${name}"`, 'name', 409);

type FlowRow = typeof flows.$inferSelect;
type VersionRow = typeof flowVersions.$inferSelect;

const view = (flow: FlowRow, v: VersionRow): FlowView => ({
  id: flow.id,
  name: v.name,
  trigger_event: v.triggerEvent,
  exit_on: v.exitOn,
  actions: v.actions,
  version: v.version,
  latest_version: flow.version,
  active: flow.active,
  created_at: flow.createdAt.toISOString(),
  updated_at: flow.updatedAt.toISOString(),
});

export function createFlowService(db: Db, journeys: Pick<Journeys, 'flowsChanged'>, outbound: Pick<Outbound, 'check'>) {
  /** Webhook actions send only where they may (src/channels/outbound.ts): refused at save, checked again at each send. */
  async function checkUrls(def: FlowSave): Promise<void> {
    for (const [i, action] of def.actions.entries()) {
      if (action.type === 'send_webhook' && typeof action.url === 'string') await outbound.check(action.url, `actions[${i}].url`);
    }
  }

  async function get(id: string, version?: number): Promise<FlowView | null> {
    const [row] = await db
      .select()
      .from(flows)
      .innerJoin(flowVersions, and(eq(flowVersions.flowId, flows.id), eq(flowVersions.version, version ?? flows.version)))
      .where(and(ownRows(flows), eq(flows.id, id)));
    return row ? view(row.flows, row.flow_versions) : null;
  }

  async function nameTaken(name: string, exceptId: string | null): Promise<boolean> {
    const where = exceptId ? and(eq(flows.name, name), ne(flows.id, exceptId)) : eq(flows.name, name);
    return (
      (
        await db
          .select({ id: flows.id })
          .from(flows)
          .where(and(ownRows(flows), where))
      ).length > 0
    );
  }

  const versionValues = (flowId: string, version: number, def: FlowSave) => ({
    flowId,
    version,
    name: def.name,
    triggerEvent: def.trigger_event,
    actions: def.actions,
    exitOn: def.exit_on,
  });

  return {
    get,

    /** Every flow at its latest version, oldest first. */
    async list(): Promise<FlowView[]> {
      const rows = await db
        .select()
        .from(flows)
        .innerJoin(flowVersions, and(eq(flowVersions.flowId, flows.id), eq(flowVersions.version, flows.version)))
        .where(ownRows(flows))
        .orderBy(asc(flows.createdAt), asc(flows.id));
      return rows.map((r) => view(r.flows, r.flow_versions));
    },

    /** Saves version 1 of a new flow, inactive; refuses a name another flow has (409), a webhook URL it may not send to (422). */
    async create(def: FlowSave): Promise<FlowView> {
      await checkUrls(def);
      const id = `fl_${randomBytes(6).toString('hex')}`;
      const created = await db.transaction(async (tx) => {
        const [flow] = await tx
          .insert(flows)
          .values({ id, name: def.name, triggerEvent: def.trigger_event, version: 1 })
          .onConflictDoNothing()
          .returning();
        if (!flow) return null;
        const [version] = await tx
          .insert(flowVersions)
          .values(versionValues(id, 1, def))
          .returning();
        return view(flow, version!);
      });
      if (!created) throw nameTakenError(def.name);
      journeys.flowsChanged();
      return created;
    },

    /** Saves the next version; runs in flight keep theirs. Null for an unknown flow; refuses a name another flow has (409). */
    async update(id: string, def: FlowSave): Promise<FlowView | null> {
      await checkUrls(def);
      if (await nameTaken(def.name, id)) throw nameTakenError(def.name);
      let updated: FlowView | null;
      try {
        updated = await db.transaction(async (tx) => {
          // The row lock orders two saves of one flow: each gets its own version number.
          const [current] = await tx
            .select()
            .from(flows)
            .where(and(ownRows(flows), eq(flows.id, id)))
            .for('update');
          if (!current) return null;
          const next = current.version + 1;
          const [version] = await tx
            .insert(flowVersions)
            .values(versionValues(id, next, def))
            .returning();
          const [flow] = await tx
            .update(flows)
            .set({ name: def.name, triggerEvent: def.trigger_event, version: next, updatedAt: sql`now()` })
            .where(and(ownRows(flows), eq(flows.id, id)))
            .returning();
          return view(flow!, version!);
        });
      } catch (err) {
        // Another flow took the name between the check and the save.
        if (uniqueViolation(err)) throw nameTakenError(def.name);
        throw err;
      }
      if (updated) journeys.flowsChanged();
      return updated;
    },

    /** Starts (true) or stops (false) starting runs for new trigger events; runs in flight go on. */
    async setActive(id: string, active: boolean): Promise<FlowView | null> {
      const [row] = await db
        .update(flows)
        .set({ active, updatedAt: sql`now()` })
        .where(and(ownRows(flows), eq(flows.id, id)))
        .returning({ id: flows.id });
      if (!row) return null;
      journeys.flowsChanged();
      return get(id);
    },
  };
}

export type FlowService = ReturnType<typeof createFlowService>;
