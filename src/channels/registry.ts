// Every HTTP channel by name. A new channel is its adapter file plus one line here (and its env variables).
import { type Channel, type ChannelAdapter, createProviderChannel, type ProviderChannelName, type ProviderOptions } from './provider.js';
import { push } from './push.js';
import { sms } from './sms.js';
import { webhook } from './webhook.js';
import { wechat } from './wechat.js';

export const CHANNEL_ADAPTERS: Record<ProviderChannelName, ChannelAdapter> = { sms, push, wechat, webhook };

export type ProviderChannels = Record<ProviderChannelName, Channel>;

/**
 * The channels with their providers: URL and signing secret each (a webhook's URL comes with the action
 * or campaign, its secret from WEBHOOK_SIGNING_SECRET). A channel without a URL records its messages as
 * `skipped` (`channel_not_configured`).
 */
export function createProviderChannels(
  providers: Partial<Record<ProviderChannelName, Omit<ProviderOptions, 'timeoutMs'>>>,
  timeoutMs?: number,
): ProviderChannels {
  const entries = Object.values(CHANNEL_ADAPTERS).map((adapter) => [adapter.name, createProviderChannel(adapter, { ...providers[adapter.name], timeoutMs })]);
  return Object.fromEntries(entries) as ProviderChannels;
}
