// Campaigns as the API manages them (seed 003): rows in marketing_campaigns, executions as Temporal workflows,
// records as rows of messages. The one module that starts, signals and queries campaign workflows.
import { randomUUID } from 'node:crypto';
import { type Client, type SignalDefinition, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { and, asc, count, desc, eq, ilike, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  type CampaignStatus,
  type CampaignType,
  marketingCampaigns,
  type MessageStatus,
  messages,
  segments,
  templates,
} from '../db/schema.js';
import { campaignParts, type CampaignContent, channelOf, checkParts, ContentError, editable } from './campaign.js';
import { campaignWorkflowId } from '../temporal/workflow-ids.js';
import { CampaignIdKey } from '../temporal/search-attributes.js';
import { signalIfRunning } from '../temporal/signal.js';
import {
  campaignExecution,
  type CampaignMode,
  type CampaignProgress,
  cancelSignal,
  pauseSignal,
  progressQuery,
  rescheduleSignal,
  resumeSignal,
  startNowSignal,
} from './campaign.workflow.js';

export type CampaignRow = typeof marketingCampaigns.$inferSelect;

export interface CampaignInput {
  name: string;
  type: CampaignType;
  target_tags?: string[];
  target_segment_id?: string | null;
  content?: CampaignContent | null;
  content_template_id?: string | null;
  webhook_url?: string | null;
  rate_limit?: number | null;
  start_time?: string | null;
  end_time?: string | null;
}

export interface CampaignView {
  id: string;
  name: string;
  type: CampaignType;
  status: CampaignStatus;
  target_tags: string[];
  target_segment_id: string | null;
  content: CampaignContent | null;
  content_template_id: string | null;
  webhook_url: string | null;
  rate_limit: number | null;
  start_time: string | null;
  end_time: string | null;
  actual_start_time: string | null;
  actual_end_time: string | null;
  execution_id: string | null;
  created_by: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface RecordView {
  id: string;
  campaign_id: string;
  execution_id: string | null;
  customer_id: string;
  channel: CampaignType;
  status: MessageStatus;
  error_message: string | null;
  response: Record<string, unknown> | null;
  sent_at: string | null;
  opened_at: string | null;
  clicked_at: string | null;
  /** Provider feedback (delivery webhooks) and the attributed order's conversion. */
  delivered_at: string | null;
  bounce_type: 'hard' | 'soft' | null;
  complained_at: string | null;
  converted_at: string | null;
  revenue: number | null;
}

/** An expected refusal: the API answers it with `status` and `code`. */
export class CampaignError extends Error {
  constructor(
    readonly status: 404 | 409 | 422 | 503,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Ids that PostgreSQL's uuid type accepts: anything else is unknown, not a failed query. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const campaignView = (r: CampaignRow): CampaignView => ({
  id: r.id,
  name: r.name,
  type: r.type,
  status: r.status,
  target_tags: r.targetTags,
  target_segment_id: r.targetSegmentId,
  content: r.content ?? null,
  content_template_id: r.contentTemplateId,
  webhook_url: r.webhookUrl,
  rate_limit: r.rateLimit,
  start_time: iso(r.startTime),
  end_time: iso(r.endTime),
  actual_start_time: iso(r.actualStartTime),
  actual_end_time: iso(r.actualEndTime),
  execution_id: r.executionId,
  created_by: r.createdBy,
  updated_by: r.updatedBy,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

export interface CampaignServiceOptions {
  /** Customers per batch activity (default 2000). */
  batchSize?: number;
  /** Batches per workflow run before it continues as new (default 100). */
  batchesPerRun?: number;
}

export type CampaignService = ReturnType<typeof createCampaignService>;

export function createCampaignService(db: Db, client: Client, taskQueue: string, options: CampaignServiceOptions = {}) {
  const batchSize = options.batchSize ?? 2000;
  const batchesPerRun = options.batchesPerRun ?? 100;
  const now = () => Date.now();

  async function find(id: string): Promise<CampaignRow> {
    if (!UUID.test(id)) {
      throw new CampaignError(404, 'campaign_not_found', `no campaign "${id}"`);
    }
    const [row] = await db.select().from(marketingCampaigns).where(eq(marketingCampaigns.id, id));
    if (!row) throw new CampaignError(404, 'campaign_not_found', `no campaign "${id}"`);
    return row;
  }

  /** Checks what a campaign will need to run: an audience, content that renders, a template and segment that exist. */
  async function check(c: Required<Omit<CampaignInput, 'rate_limit'>> & { rate_limit?: number | null }): Promise<void> {
    if (!c.target_tags.length && !c.target_segment_id) {
      throw new CampaignError(422, 'validation_error', 'target_tags: a campaign needs target_tags or target_segment_id', 'target_tags');
    }
    if (c.content == null && !c.content_template_id) {
      throw new CampaignError(422, 'validation_error', 'content: a campaign needs content or content_template_id', 'content');
    }
    if (c.content != null && c.content_template_id) {
      throw new CampaignError(422, 'validation_error', 'content_template_id: give content or content_template_id, not both', 'content_template_id');
    }
    if (c.type === 'webhook' && !c.webhook_url) {
      throw new CampaignError(422, 'validation_error', 'webhook_url: a webhook campaign needs the URL to POST to', 'webhook_url');
    }
    if (c.type !== 'webhook' && c.webhook_url) {
      throw new CampaignError(422, 'validation_error', 'webhook_url: only webhook campaigns have one', 'webhook_url');
    }
    if (c.start_time && c.end_time && Date.parse(c.end_time) <= Date.parse(c.start_time)) {
      throw new CampaignError(422, 'validation_error', 'end_time: must be after start_time', 'end_time');
    }
    if (c.content != null) {
      try {
        checkParts(campaignParts(c.type, c.name, c.content), 'content');
      } catch (err) {
        if (err instanceof ContentError) throw new CampaignError(422, 'validation_error', err.message, err.field);
        throw err;
      }
    }
    if (c.content_template_id) {
      const [template] = UUID.test(c.content_template_id)
        ? await db.select().from(templates).where(eq(templates.id, c.content_template_id))
        : [];
      if (!template) throw new CampaignError(422, 'unknown_template', `content_template_id: no template "${c.content_template_id}"`, 'content_template_id');
      if (template.channel !== c.type) {
        throw new CampaignError(422, 'template_channel_mismatch', `content_template_id: the template is for ${template.channel}, the campaign is ${c.type}`, 'content_template_id');
      }
    }
    if (c.target_segment_id) {
      const [segment] = await db.select({ id: segments.id }).from(segments).where(eq(segments.id, c.target_segment_id));
      if (!segment) throw new CampaignError(422, 'unknown_segment', `target_segment_id: no segment "${c.target_segment_id}"`, 'target_segment_id');
    }
  }

  const times = (r: Pick<CampaignRow, 'startTime' | 'endTime'>) => ({
    startAt: r.startTime ? r.startTime.getTime() : undefined,
    endAt: r.endTime ? r.endTime.getTime() : undefined,
  });

  async function startExecution(row: CampaignRow, executionId: string, mode: CampaignMode, startAt?: number) {
    await client.workflow.start(campaignExecution, {
      workflowId: campaignWorkflowId(row.id, executionId),
      taskQueue,
      args: [{ campaignId: row.id, executionId, mode, startAt, endAt: times(row).endAt, batchSize, batchesPerRun }],
      typedSearchAttributes: [{ key: CampaignIdKey, value: row.id }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  }

  /** Signals an execution that may have ended already (its end needs no signal then). */
  async function signal<A extends unknown[]>(row: CampaignRow, executionId: string, def: SignalDefinition<A>, ...args: A) {
    await signalIfRunning(client, campaignWorkflowId(row.id, executionId), def, ...args);
  }

  /** A future start time schedules the campaign: its execution is started now and waits for the time. */
  async function schedule(row: CampaignRow, previous: CampaignRow | null): Promise<CampaignRow> {
    const future = row.startTime !== null && row.startTime.getTime() > now();
    if (previous?.status === 'scheduled' && previous.executionId) {
      if (future) {
        await signal(row, previous.executionId, rescheduleSignal, times(row));
        return row;
      }
      // No longer in the future: back to draft, waiting for a trigger.
      await signal(row, previous.executionId, cancelSignal);
      const [draft] = await db
        .update(marketingCampaigns)
        .set({ status: 'draft', executionId: null })
        .where(eq(marketingCampaigns.id, row.id))
        .returning();
      return draft!;
    }
    if (!future) return row;
    const executionId = randomUUID();
    const [scheduled] = await db
      .update(marketingCampaigns)
      .set({ status: 'scheduled', executionId })
      .where(and(eq(marketingCampaigns.id, row.id), eq(marketingCampaigns.status, 'draft')))
      .returning();
    if (!scheduled) return row;
    try {
      await startExecution(scheduled, executionId, 'actual', row.startTime!.getTime());
    } catch (err) {
      await db.update(marketingCampaigns).set({ status: 'draft', executionId: null }).where(eq(marketingCampaigns.id, row.id));
      throw unavailable(err);
    }
    return scheduled;
  }

  return {
    find,

    async create(input: CampaignInput, actor: string | null): Promise<CampaignView> {
      const c = normalise(input);
      await check(c);
      const [row] = await db
        .insert(marketingCampaigns)
        .values({
          name: c.name,
          type: c.type,
          targetTags: c.target_tags,
          targetSegmentId: c.target_segment_id,
          content: c.content,
          contentTemplateId: c.content_template_id,
          webhookUrl: c.webhook_url,
          rateLimit: input.rate_limit ?? null,
          startTime: c.start_time ? new Date(c.start_time) : null,
          endTime: c.end_time ? new Date(c.end_time) : null,
          createdBy: actor,
          updatedBy: actor,
        })
        .returning();
      try {
        return campaignView(await schedule(row!, null));
      } catch (err) {
        // Nothing half-written: a campaign that could not be scheduled is not kept.
        await db.delete(marketingCampaigns).where(eq(marketingCampaigns.id, row!.id));
        throw err;
      }
    },

    async list(filter: { status?: CampaignStatus; type?: CampaignType; name?: string; page: number; page_size: number }) {
      const conditions: SQL[] = [];
      if (filter.status) conditions.push(eq(marketingCampaigns.status, filter.status));
      if (filter.type) conditions.push(eq(marketingCampaigns.type, filter.type));
      if (filter.name) conditions.push(ilike(marketingCampaigns.name, `%${filter.name.replace(/[\\%_]/g, (m) => `\\${m}`)}%`));
      const where = conditions.length ? and(...conditions) : undefined;
      const [total] = await db.select({ n: count() }).from(marketingCampaigns).where(where);
      const rows = await db
        .select()
        .from(marketingCampaigns)
        .where(where)
        .orderBy(desc(marketingCampaigns.createdAt), desc(marketingCampaigns.id))
        .limit(filter.page_size)
        .offset((filter.page - 1) * filter.page_size);
      return { campaigns: rows.map(campaignView), pagination: { total: total?.n ?? 0, page: filter.page, page_size: filter.page_size } };
    },

    /** Edits a campaign that has not started; a changed start time reschedules it. */
    async update(id: string, input: Partial<CampaignInput>, actor: string | null): Promise<CampaignView> {
      const row = await find(id);
      if (!editable(row.status)) {
        throw new CampaignError(409, 'campaign_not_editable', `campaign is ${row.status}: only draft and scheduled campaigns can be edited`);
      }
      const merged = normalise({ ...viewInput(row), ...input });
      await check(merged);
      const [updated] = await db
        .update(marketingCampaigns)
        .set({
          name: merged.name,
          type: merged.type,
          targetTags: merged.target_tags,
          targetSegmentId: merged.target_segment_id,
          content: merged.content,
          contentTemplateId: merged.content_template_id,
          webhookUrl: merged.webhook_url,
          rateLimit: merged.rate_limit ?? null,
          startTime: merged.start_time ? new Date(merged.start_time) : null,
          endTime: merged.end_time ? new Date(merged.end_time) : null,
          updatedBy: actor,
          updatedAt: sql`now()`,
        })
        // The status is checked again here: a campaign that started since it was read is not edited.
        .where(and(eq(marketingCampaigns.id, id), inArray(marketingCampaigns.status, ['draft', 'scheduled'])))
        .returning();
      if (!updated) throw new CampaignError(409, 'campaign_not_editable', 'campaign started while it was being edited');
      return campaignView(await schedule(updated, row));
    },

    /**
     * Runs the campaign now. `actual` moves a draft or scheduled campaign to active in one statement, so two
     * triggers make one execution (the second is a 409); `simulation` starts an execution of its own each time.
     */
    async trigger(id: string, mode: CampaignMode): Promise<{ executionId: string }> {
      const row = await find(id);
      if (row.status === 'archived') throw new CampaignError(409, 'campaign_archived', 'campaign is archived');
      if (mode === 'simulation') {
        const executionId = `sim-${randomUUID()}`;
        await startExecution(row, executionId, 'simulation').catch((err) => {
          throw unavailable(err);
        });
        return { executionId };
      }
      if (row.endTime && row.endTime.getTime() <= now()) {
        throw new CampaignError(409, 'campaign_ended', `campaign's end_time (${row.endTime.toISOString()}) has passed`);
      }
      const fresh = randomUUID();
      const [taken] = await db
        .update(marketingCampaigns)
        .set({ status: 'active', executionId: sql`coalesce(${marketingCampaigns.executionId}, ${fresh})`, updatedAt: sql`now()` })
        .where(and(eq(marketingCampaigns.id, id), inArray(marketingCampaigns.status, ['draft', 'scheduled'])))
        .returning();
      if (!taken) throw new CampaignError(409, 'campaign_already_triggered', `campaign is ${(await find(id)).status}: it runs once`);
      const executionId = taken.executionId!;
      try {
        if (executionId === fresh) await startExecution(taken, executionId, 'actual');
        else await client.workflow.getHandle(campaignWorkflowId(id, executionId)).signal(startNowSignal);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
          await db
            .update(marketingCampaigns)
            .set({ status: row.status, executionId: row.executionId })
            .where(and(eq(marketingCampaigns.id, id), eq(marketingCampaigns.status, 'active')));
          throw unavailable(err);
        }
      }
      return { executionId };
    },

    async archive(id: string, actor: string | null): Promise<CampaignView> {
      const row = await find(id);
      if (row.status === 'active' || row.status === 'paused') {
        throw new CampaignError(409, 'campaign_running', `campaign is ${row.status}: cancel it before archiving`);
      }
      if (row.status === 'scheduled' && row.executionId) await signal(row, row.executionId, cancelSignal);
      const [archived] = await db
        .update(marketingCampaigns)
        .set({ status: 'archived', updatedBy: actor, updatedAt: sql`now()` })
        .where(and(eq(marketingCampaigns.id, id), inArray(marketingCampaigns.status, ['draft', 'scheduled', 'completed', 'cancelled', 'archived'])))
        .returning();
      if (!archived) throw new CampaignError(409, 'campaign_running', 'campaign started while it was being archived');
      return campaignView(archived);
    },

    /** Pause, resume or cancel the running (or scheduled) actual execution. */
    async control(id: string, action: 'pause' | 'resume' | 'cancel'): Promise<CampaignView> {
      const row = await find(id);
      const allowed: Record<typeof action, CampaignStatus[]> = {
        pause: ['active'],
        resume: ['paused'],
        cancel: ['scheduled', 'active', 'paused'],
      };
      if (!allowed[action].includes(row.status) || !row.executionId) {
        throw new CampaignError(409, 'campaign_not_running', `campaign is ${row.status}: cannot ${action} it`);
      }
      const next: CampaignStatus = action === 'pause' ? 'paused' : action === 'resume' ? 'active' : 'cancelled';
      const def = action === 'pause' ? pauseSignal : action === 'resume' ? resumeSignal : cancelSignal;
      try {
        await client.workflow.getHandle(campaignWorkflowId(id, row.executionId)).signal(def);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new CampaignError(409, 'campaign_not_running', `campaign's execution has ended: cannot ${action} it`);
        throw unavailable(err);
      }
      // A scheduled campaign that is cancelled never begins: its status is set here, not by its workflow.
      const [updated] = await db
        .update(marketingCampaigns)
        .set({ status: next, updatedAt: sql`now()`, ...(row.status === 'scheduled' ? { actualEndTime: sql`now()` } : {}) })
        .where(and(eq(marketingCampaigns.id, id), inArray(marketingCampaigns.status, allowed[action])))
        .returning();
      return campaignView(updated ?? (await find(id)));
    },

    /** Live progress from the execution's workflow (the actual one unless `executionId` names a simulation). */
    async progress(id: string, executionId?: string): Promise<CampaignProgress | null> {
      const row = await find(id);
      const exec = executionId ?? row.executionId;
      if (!exec) return null;
      try {
        return await client.workflow.getHandle(campaignWorkflowId(id, exec)).query(progressQuery);
      } catch (err) {
        // A finished execution whose history is gone (retention) still has its counts in the row.
        if (err instanceof WorkflowNotFoundError && row.stats && exec === row.executionId) return row.stats as unknown as CampaignProgress;
        if (err instanceof WorkflowNotFoundError) throw new CampaignError(404, 'execution_not_found', `no execution "${exec}" of this campaign`);
        throw unavailable(err);
      }
    },

    async records(filter: {
      campaign_id: string;
      execution_id?: string;
      customer_id?: string;
      status?: MessageStatus;
      channel?: CampaignType;
      page: number;
      page_size: number;
    }) {
      const row = await find(filter.campaign_id);
      const conditions: SQL[] = [eq(messages.campaignId, row.id)];
      if (filter.execution_id) conditions.push(eq(messages.executionId, filter.execution_id));
      if (filter.customer_id) conditions.push(eq(messages.customerId, filter.customer_id));
      if (filter.status) conditions.push(eq(messages.status, filter.status));
      if (filter.channel) conditions.push(eq(messages.channel, channelOf(filter.channel)));
      const where = and(...conditions);
      const [total] = await db.select({ n: count() }).from(messages).where(where);
      const rows = await db
        .select()
        .from(messages)
        .where(where)
        .orderBy(asc(messages.createdAt), asc(messages.id))
        .limit(filter.page_size)
        .offset((filter.page - 1) * filter.page_size);
      const records: RecordView[] = rows.map((m) => ({
        id: m.id,
        campaign_id: m.campaignId!,
        execution_id: m.executionId,
        customer_id: m.customerId,
        channel: m.channel === 'push' ? 'push_notification' : m.channel,
        status: m.status,
        error_message: m.errorMessage,
        response: m.response ?? null,
        sent_at: iso(m.sentAt),
        opened_at: iso(m.openedAt),
        clicked_at: iso(m.clickedAt),
        delivered_at: iso(m.deliveredAt),
        bounce_type: m.bounceType,
        complained_at: iso(m.complainedAt),
        converted_at: iso(m.convertedAt),
        revenue: m.revenue,
      }));
      return { records, pagination: { total: total?.n ?? 0, page: filter.page, page_size: filter.page_size } };
    },
  };
}

function normalise(input: CampaignInput) {
  return {
    name: input.name,
    type: input.type,
    target_tags: input.target_tags ?? [],
    target_segment_id: input.target_segment_id ?? null,
    content: input.content ?? null,
    content_template_id: input.content_template_id ?? null,
    webhook_url: input.webhook_url ?? null,
    rate_limit: input.rate_limit ?? null,
    start_time: input.start_time ?? null,
    end_time: input.end_time ?? null,
  };
}

function viewInput(r: CampaignRow): CampaignInput {
  const v = campaignView(r);
  return {
    name: v.name,
    type: v.type,
    target_tags: v.target_tags,
    target_segment_id: v.target_segment_id,
    content: v.content,
    content_template_id: v.content_template_id,
    webhook_url: v.webhook_url,
    rate_limit: v.rate_limit,
    start_time: v.start_time,
    end_time: v.end_time,
  };
}

function unavailable(err: unknown): Error {
  if (err instanceof CampaignError) return err;
  return new CampaignError(503, 'temporal_unavailable', `could not reach Temporal: ${(err as Error).message}`);
}
