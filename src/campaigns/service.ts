// Campaigns as the API manages them: rows in marketing_campaigns, checked when saved so that a
// campaign that is kept can run; their executions (src/campaigns/execution.ts) and records (records.ts).
import type { Client } from '@temporalio/client';
import { and, count, desc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { isUuid } from '../db/sql-helpers.js';
import { type CampaignStatus, type CampaignType, experiments, marketingCampaigns, segments, templates } from '../db/schema.js';
import type { Outbound } from '../channels/outbound.js';
import { DomainError } from '../domain/errors.js';
import { type ChannelMode, editable } from './campaign.js';
import { type CampaignContent, channelParts, checkParts } from '../templates/parts.js';
import type { CampaignMode } from './campaign.workflow.js';
import { type CampaignServiceOptions, type ControlAction, createCampaignExecutions } from './execution.js';
import { campaignRecords, type RecordFilter } from './records.js';
import { type AudienceSpec, audienceWhere } from './audience.js';
import { customers } from '../db/schema.js';
import { type CampaignRow, type CampaignView, campaignView, findCampaign, sendAtOf, type SendAtView } from './views.js';

export interface CampaignInput {
  name: string;
  /** The channel; with `channels`, their first (given or not). */
  type?: CampaignType;
  /** Several channels in order, each named once; null or absent: `type` alone. */
  channels?: CampaignType[] | null;
  /** With `channels`: `all` (the default) or `fallback`. */
  channel_mode?: ChannelMode | null;
  /** Each customer's send time on their own clock; null or absent: at once. */
  send_at?: SendAtView | null;
  target_tags?: string[];
  target_segment_id?: string | null;
  content?: CampaignContent | null;
  content_template_id?: string | null;
  webhook_url?: string | null;
  rate_limit?: number | null;
  start_time?: string | null;
  end_time?: string | null;
}

/** An input with every field given (null or empty when not set). */
type CompleteInput = { [K in keyof CampaignInput]-?: Exclude<CampaignInput[K], undefined> } & { type: CampaignType };

const invalid = (field: string, message: string) => new DomainError('validation_error', `${field}: ${message}`, field, 422);

export type CampaignService = ReturnType<typeof createCampaignService>;

export function createCampaignService(
  db: Db,
  client: Client,
  taskQueue: string,
  options: CampaignServiceOptions,
  outbound: Pick<Outbound, 'check'>,
) {
  const executions = createCampaignExecutions(db, client, taskQueue, options);
  const find = (id: string) => findCampaign(db, id);

  /** Checks what a campaign will need to run: an audience, content that renders, a template and segment that exist, a URL it may send to. */
  async function check(c: CompleteInput): Promise<void> {
    if (!c.target_tags.length && !c.target_segment_id) throw invalid('target_tags', 'a campaign needs target_tags or target_segment_id');
    checkChannels(c);
    if (c.send_at && c.channels && c.channels.length > 1)
      throw invalid('send_at', 'a campaign on several channels sends at once: give send_at to a campaign on one channel');
    if (c.content == null && !c.content_template_id) throw invalid('content', 'a campaign needs content or content_template_id');
    if (c.content != null && c.content_template_id) throw invalid('content_template_id', 'give content or content_template_id, not both');
    const onWebhook = c.type === 'webhook' || (c.channels?.includes('webhook') ?? false);
    if (onWebhook && !c.webhook_url) throw invalid('webhook_url', 'a webhook campaign needs the URL to POST to');
    if (!onWebhook && c.webhook_url) throw invalid('webhook_url', 'only webhook campaigns have one');
    // Not to this machine or its network (src/channels/outbound.ts); the send checks again after DNS.
    if (c.webhook_url) await outbound.check(c.webhook_url, 'webhook_url');
    if (c.start_time && c.end_time && Date.parse(c.end_time) <= Date.parse(c.start_time))
      throw invalid('end_time', 'must be after start_time');
    if (c.content != null) {
      const several = (c.channels?.length ?? 0) > 1;
      for (const { type, parts } of channelParts(c, c.content)) checkParts(parts, several ? `content.${type}` : 'content');
    }
    if (c.content_template_id) {
      const [template] = isUuid(c.content_template_id)
        ? await db
            .select()
            .from(templates)
            .where(and(ownRows(templates), eq(templates.id, c.content_template_id)))
        : [];
      if (!template) {
        throw new DomainError(
          'unknown_template',
          `content_template_id: no template "${c.content_template_id}"`,
          'content_template_id',
          422,
        );
      }
      if (template.channel !== c.type) {
        throw new DomainError(
          'template_channel_mismatch',
          `content_template_id: the template is for ${template.channel}, the campaign is ${c.type}`,
          'content_template_id',
          422,
        );
      }
    }
    if (c.target_segment_id) {
      const [segment] = await db
        .select({ id: segments.id })
        .from(segments)
        .where(and(ownRows(segments), eq(segments.id, c.target_segment_id)));
      if (!segment)
        throw new DomainError('unknown_segment', `target_segment_id: no segment "${c.target_segment_id}"`, 'target_segment_id', 422);
    }
  }

  return {
    find,

    /** Checks a campaign as create would, saving nothing (holiday campaigns save their years' campaigns later). */
    validate: (input: CampaignInput): Promise<void> => check(complete(input)),

    async get(id: string): Promise<CampaignView> {
      return campaignView(await find(id));
    },

    async create(input: CampaignInput, actor: string | null): Promise<CampaignView> {
      const c = complete(input);
      await check(c);
      const [row] = await db
        .insert(marketingCampaigns)
        .values({ ...columns(c), createdBy: actor, updatedBy: actor })
        .returning();
      try {
        return campaignView(await executions.schedule(row!, null));
      } catch (err) {
        // Nothing half-written: a campaign that could not be scheduled is not kept.
        await db.delete(marketingCampaigns).where(and(ownRows(marketingCampaigns), eq(marketingCampaigns.id, row!.id)));
        throw err;
      }
    },

    async list(filter: { status?: CampaignStatus; type?: CampaignType; name?: string; page: number; page_size: number }) {
      const conditions: SQL[] = [];
      if (filter.status) conditions.push(eq(marketingCampaigns.status, filter.status));
      // A campaign on several channels is listed under each of them.
      if (filter.type)
        conditions.push(or(eq(marketingCampaigns.type, filter.type), sql`${filter.type} = any(${marketingCampaigns.channels})`)!);
      if (filter.name) conditions.push(ilike(marketingCampaigns.name, `%${filter.name.replace(/[\\%_]/g, (m) => `\\${m}`)}%`));
      const where = conditions.length ? and(...conditions) : undefined;
      const [total] = await db
        .select({ n: count() })
        .from(marketingCampaigns)
        .where(and(ownRows(marketingCampaigns), where));
      const rows = await db
        .select()
        .from(marketingCampaigns)
        .where(and(ownRows(marketingCampaigns), where))
        .orderBy(desc(marketingCampaigns.createdAt), desc(marketingCampaigns.id))
        .limit(filter.page_size)
        .offset((filter.page - 1) * filter.page_size);
      return { campaigns: rows.map(campaignView), pagination: { total: total?.n ?? 0, page: filter.page, page_size: filter.page_size } };
    },

    /** Edits a campaign that has not started; a changed start time reschedules it. */
    async update(id: string, input: Partial<CampaignInput>, actor: string | null): Promise<CampaignView> {
      const row = await find(id);
      if (!editable(row.status)) {
        throw new DomainError(
          'campaign_not_editable',
          `campaign is ${row.status}: only draft and scheduled campaigns can be edited`,
          undefined,
          409,
        );
      }
      // A patch naming the channels and not the type: the type is their first.
      const retyped = input.channels && input.type === undefined ? { type: input.channels[0] } : {};
      const merged = complete({ ...inputOf(row), ...input, ...retyped });
      await check(merged);
      if (merged.send_at) {
        const [experiment] = await db
          .select({ name: experiments.name })
          .from(experiments)
          .where(and(ownRows(experiments), eq(experiments.campaignId, id)));
        if (experiment)
          throw new DomainError(
            'experiment_exists',
            `send_at: the campaign has the experiment "${experiment.name}": give its variants a send_at instead`,
            'send_at',
            409,
          );
      }
      const [updated] = await db
        .update(marketingCampaigns)
        .set({ ...columns(merged), updatedBy: actor, updatedAt: sql`now()` })
        // The status is checked again here: a campaign that started since it was read is not edited.
        .where(and(eq(marketingCampaigns.id, id), inArray(marketingCampaigns.status, ['draft', 'scheduled'])))
        .returning();
      if (!updated) throw new DomainError('campaign_not_editable', 'campaign started while it was being edited', undefined, 409);
      return campaignView(await executions.schedule(updated, row));
    },

    async archive(id: string, actor: string | null): Promise<CampaignView> {
      const row = await find(id);
      if (row.status === 'active' || row.status === 'paused') {
        throw new DomainError('campaign_running', `campaign is ${row.status}: cancel it before archiving`, undefined, 409);
      }
      await executions.unschedule(row);
      const [archived] = await db
        .update(marketingCampaigns)
        .set({ status: 'archived', updatedBy: actor, updatedAt: sql`now()` })
        .where(
          and(
            ownRows(marketingCampaigns),
            and(
              eq(marketingCampaigns.id, id),
              inArray(marketingCampaigns.status, ['draft', 'scheduled', 'completed', 'cancelled', 'archived']),
            ),
          ),
        )
        .returning();
      if (!archived) throw new DomainError('campaign_running', 'campaign started while it was being archived', undefined, 409);
      return campaignView(archived);
    },

    trigger: async (id: string, mode: CampaignMode) => executions.trigger(await find(id), mode),
    control: async (id: string, action: ControlAction) => campaignView(await executions.control(await find(id), action)),
    progress: async (id: string, executionId?: string) => executions.progress(await find(id), executionId),
    records: (filter: RecordFilter) => campaignRecords(db, filter),
    /** How many customers an audience reaches now, counted as the broadcast pages through it. */
    async audienceSize(spec: AudienceSpec): Promise<number> {
      // No target is no audience (a campaign without one is refused), not every customer.
      if (!spec.targetTags.length && spec.targetSegmentId === null) return 0;
      const [row] = await db.select({ n: count() }).from(customers).where(audienceWhere(spec));
      return row?.n ?? 0;
    },
  };
}

/**
 * A campaign's channels hold together: each named once, the first being `type`, a mode only with several,
 * and each channel's content inline (one stored template is one channel's).
 */
function checkChannels(c: CompleteInput): void {
  if (c.channels === null) {
    if (c.channel_mode !== null) throw invalid('channel_mode', 'a mode is for a campaign on several channels: give channels');
    return;
  }
  const seen = new Set<CampaignType>();
  c.channels.forEach((ch, i) => {
    if (seen.has(ch)) throw invalid(`channels[${i}]`, `"${ch}" is named twice`);
    seen.add(ch);
  });
  if (c.type !== c.channels[0])
    throw invalid('type', `the campaign's type is its first channel ("${c.channels[0]}"), not "${c.type}": leave type out or match it`);
  if (c.content_template_id)
    throw invalid('content_template_id', "a campaign on several channels gives each channel's content inline: content.<channel>");
}

function complete(input: CampaignInput): CompleteInput {
  const type = input.type ?? input.channels?.[0];
  if (!type) throw invalid('type', 'a campaign needs its channel: type, or channels');
  return {
    name: input.name,
    type,
    channels: input.channels ?? null,
    channel_mode: input.channel_mode ?? null,
    send_at: input.send_at ?? null,
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

/** The saved columns of a checked input, for insert and update alike. */
function columns(c: CompleteInput) {
  return {
    name: c.name,
    type: c.type,
    channels: c.channels,
    channelMode: c.channels ? (c.channel_mode ?? 'all') : null,
    sendAt: sendAtOf(c.send_at),
    targetTags: c.target_tags,
    targetSegmentId: c.target_segment_id,
    content: c.content,
    contentTemplateId: c.content_template_id,
    webhookUrl: c.webhook_url,
    rateLimit: c.rate_limit,
    startTime: c.start_time ? new Date(c.start_time) : null,
    endTime: c.end_time ? new Date(c.end_time) : null,
  };
}

/** The saved campaign as an input, for an edit to lay its fields over. */
function inputOf(r: CampaignRow): CampaignInput {
  const v = campaignView(r);
  return {
    name: v.name,
    type: v.type,
    channels: r.channels,
    channel_mode: r.channelMode,
    send_at: v.send_at,
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
