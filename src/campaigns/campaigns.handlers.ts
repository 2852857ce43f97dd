import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import type {
  archiveCampaign,
  audienceSize,
  campaignStatus,
  createCampaign,
  getCampaign,
  listCampaigns,
  listRecords,
  pauseCampaign,
  previewCampaign,
  putCampaign,
  triggerCampaign,
} from './campaigns.routes.js';

export const createCampaignHandler: RouteHandler<typeof createCampaign, AppEnv> = async (c) =>
  c.json(await c.var.deps.campaigns.create(c.req.valid('json'), c.var.caller.identity), 201);

export const listCampaignsHandler: RouteHandler<typeof listCampaigns, AppEnv> = async (c) =>
  c.json(await c.var.deps.campaigns.list(c.req.valid('query')), 200);

export const getCampaignHandler: RouteHandler<typeof getCampaign, AppEnv> = async (c) =>
  c.json(await c.var.deps.campaigns.get(c.req.valid('param').id), 200);

export const putCampaignHandler: RouteHandler<typeof putCampaign, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  return c.json(await c.var.deps.campaigns.update(id, c.req.valid('json'), c.var.caller.identity), 200);
};

export const triggerCampaignHandler: RouteHandler<typeof triggerCampaign, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const mode = (c.req.valid('json') as { execution_type?: 'actual' | 'simulation' } | undefined)?.execution_type ?? 'actual';
  const { executionId } = await c.var.deps.campaigns.trigger(id, mode);
  return c.json(
    mode === 'actual'
      ? { status: 'triggered' as const, message: 'The campaign is running.', execution_id: executionId }
      : {
          status: 'simulation_started' as const,
          message: 'The simulation is running: it records every message and sends none.',
          execution_id: executionId,
        },
    202,
  );
};

export const archiveCampaignHandler: RouteHandler<typeof archiveCampaign, AppEnv> = async (c) =>
  c.json(await c.var.deps.campaigns.archive(c.req.valid('param').id, c.var.caller.identity), 200);

const control =
  (action: 'pause' | 'resume' | 'cancel'): RouteHandler<typeof pauseCampaign, AppEnv> =>
  async (c) =>
    c.json(await c.var.deps.campaigns.control(c.req.valid('param').id, action), 200);
export const pauseCampaignHandler = control('pause');
export const resumeCampaignHandler = control('resume');
export const cancelCampaignHandler = control('cancel');

export const campaignStatusHandler: RouteHandler<typeof campaignStatus, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const execution = await c.var.deps.campaigns.progress(id, c.req.valid('query').execution_id);
  const campaign = await c.var.deps.campaigns.find(id);
  return c.json({ campaign_id: id, status: campaign.status, execution }, 200);
};

export const listRecordsHandler: RouteHandler<typeof listRecords, AppEnv> = async (c) =>
  c.json(await c.var.deps.campaigns.records(c.req.valid('query')), 200);

export const audienceSizeHandler: RouteHandler<typeof audienceSize, AppEnv> = async (c) => {
  const { tags, segment_id } = c.req.valid('query');
  return c.json({ count: await c.var.deps.campaigns.audienceSize({ targetTags: tags, targetSegmentId: segment_id ?? null }) }, 200);
};

export const previewCampaignHandler: RouteHandler<typeof previewCampaign, AppEnv> = async (c) => {
  const campaign = await c.var.deps.campaigns.get(c.req.valid('param').id);
  const input = c.req.valid('json');
  const { templates } = c.var.deps;
  const rendered = campaign.content_template_id
    ? await templates.preview(campaign.content_template_id, input)
    : await templates.previewContent({
        channel: campaign.type,
        channels: campaign.channels,
        name: campaign.name,
        content: campaign.content!,
        ...input,
      });
  return c.json({ campaign_id: campaign.id, channel: campaign.type, customer_id: rendered.customer_id, parts: rendered.parts }, 200);
};
