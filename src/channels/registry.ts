// Every channel by name. Email is SMTP (email.ts); the others are HTTP providers, each an adapter file
// plus one line in CHANNEL_ADAPTERS (and its env variables). All of them are `Channel`s (channel.ts).
import type { ChannelAdapters } from './channel.js';
import type { EmailChannel } from './email.js';
import type { Outbound } from './outbound.js';
import { type ProviderAdapter, createProviderChannel, type ProviderChannelName, type ProviderOptions } from './provider.js';
import { push } from './push.js';
import { sms } from './sms.js';
import { webhook } from './webhook.js';
import { wechat } from './wechat.js';

export const CHANNEL_ADAPTERS: Record<ProviderChannelName, ProviderAdapter> = { sms, push, wechat, webhook };

export type ProviderSettings = Partial<Record<ProviderChannelName, Omit<ProviderOptions, 'timeoutMs' | 'outbound'>>>;

/**
 * The five channels: email through `email`, the HTTP ones with their providers (URL and signing secret
 * each; a webhook's URL comes with the action or campaign, its secret from WEBHOOK_SIGNING_SECRET). A
 * channel without a URL records its messages as `skipped` (`channel_not_configured`). Every HTTP request
 * goes through `outbound` (src/channels/outbound.ts), to allowed addresses only.
 */
export function createChannels(
  email: EmailChannel,
  providers: ProviderSettings,
  { outbound, timeoutMs }: { outbound: Outbound; timeoutMs?: number },
): ChannelAdapters {
  const http = Object.values(CHANNEL_ADAPTERS).map((adapter) => [
    adapter.name,
    createProviderChannel(adapter, { ...providers[adapter.name], outbound, timeoutMs }),
  ]);
  return { email, ...Object.fromEntries(http) } as ChannelAdapters;
}
