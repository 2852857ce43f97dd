// A broadcast batch as its steps share it (send-batch.ts, send-records.ts): the activity's input and
// result, the campaign and channel it sends on, and what it reads of each recipient.
import type { ChannelName } from '../domain/channels.js';
import type { ChannelAdapter as SendingChannel } from '../channels/channel.js';
import { type CampaignType, customers, type Customer, type marketingCampaigns } from '../db/schema.js';
import type { BroadcastCounts } from './broadcast-counts.js';
import type { CampaignMode } from './campaign.workflow.js';
import type { EffectiveSettings } from '../workspaces/effective-settings.js';
import type { ActiveExperiment } from '../experiments/arms.js';

export interface CampaignBatchInput {
  campaignId: string;
  executionId: string;
  mode: CampaignMode;
  /** The last customer id of the previous batch (null: from the start). */
  after: string | null;
  limit: number;
  /** Stop sending at this time (epoch ms). */
  endAt: number | null;
  /**
   * The workflow's clock (epoch ms): quiet hours are judged by it (the test server skips time; the
   * activity's clock does not). Absent in batches scheduled before quiet hours held broadcasts: now.
   */
  now?: number;
  /**
   * The deferred pass: the batch is the next `limit` customers after `after` whose records wait for their
   * quiet hours to end and whose time has come, instead of the next customers of the audience.
   */
  deferred?: boolean;
  /**
   * An auto-winner experiment's pass: `test` sends the test sample, `rollout` (once the winner is chosen)
   * everyone else. Absent: the whole audience.
   */
  phase?: 'test' | 'rollout';
}

export interface CampaignBatchResult {
  counts: BroadcastCounts;
  /** The last customer id of this batch (null: the batch was empty). */
  cursor: string | null;
  /** No customers after this batch. */
  done: boolean;
  /** end_time came during the batch: it stopped sending (what it had claimed is left for the execution's end). */
  stoppedAtEnd: boolean;
}

export const PROFILE = {
  id: customers.id,
  email: customers.email,
  phone: customers.phone,
  name: customers.name,
  birthday: customers.birthday,
  timezone: customers.timezone,
  attributes: customers.attributes,
  tags: customers.tags,
  consent: customers.consent,
};
/** What a batch reads of each recipient. */
export type Profile = Pick<Customer, keyof typeof PROFILE>;

/** The campaign a batch sends, and the ids its execution gives the batch's records. */
export interface BatchCampaign {
  campaign: typeof marketingCampaigns.$inferSelect;
  /** The Liquid parts each message renders. */
  parts: Record<string, string>;
  workflowId: string;
  /** A customer's record's idempotency key in this execution. */
  recordKey: (customerId: string) => string;
  /** The campaign's experiment (its arms' parts), if it has one that runs or has a winner. */
  experiment?: ActiveExperiment | null;
  /**
   * A campaign on several channels: each one's parts and its records' keys, in the campaign's order, and how
   * they combine (send-batch.ts). Absent: the campaign's one channel, `parts` and `recordKey`.
   */
  several?: {
    mode: 'all' | 'fallback';
    channels: Array<{ type: CampaignType; parts: Record<string, string>; recordKey: (customerId: string) => string }>;
  };
}

/** A batch as its steps share it: the campaign, the channel it goes out on, and where the channel sends. */
export interface Batch extends BatchCampaign {
  input: CampaignBatchInput;
  channel: ChannelName;
  sender: SendingChannel | undefined;
  /** Where the channel's messages go: the SMTP server, the provider's URL (the workspace's own if it has one), a webhook campaign's. */
  target: string | undefined;
  /** The campaign's workspace's settings: pacing, brand, and what its sends take over the channel's configuration. */
  settings: EffectiveSettings;
  simulate: boolean;
  /** With an experiment: the arm of each of the batch's customers (a variant's key, or `holdout`). */
  arms?: Map<string, string>;
  /** With a best-hour arm: the best hour (0–23, on their clock) of the batch's customers in it. */
  bestHours?: Map<string, number>;
}

/** The customer's address on the batch's channel, or null when they have none. */
export function addressOf(batch: Batch, c: Profile): string | null {
  const address = batch.sender && batch.target ? batch.sender.address(c, batch.target) : null;
  return address && 'to' in address ? address.to : null;
}
