// A campaign's lifecycle as pure logic: its statuses and when it may still be edited. What its content
// renders to lives with the templates (src/templates/parts.ts).
import type { CampaignStatus } from '../db/schema.js';

export const CAMPAIGN_STATUSES = [
  'draft',
  'scheduled',
  'active',
  'paused',
  'completed',
  'cancelled',
  'archived',
] as const satisfies readonly CampaignStatus[];

/** May a campaign in this status still be edited? Only before it starts. */
export const editable = (status: CampaignStatus) => status === 'draft' || status === 'scheduled';

/** How a campaign on several channels uses them: a message on each, or each next one only where the one before could not reach. */
export const CHANNEL_MODES = ['all', 'fallback'] as const;
export type ChannelMode = (typeof CHANNEL_MODES)[number];
