// The suppression list's addresses: one spelling per address, so a report and a send find the same row.
import type { ChannelName, SuppressionChannel } from '../domain/channels.js';

/** Email addresses compare without case or surrounding space; phone numbers are E.164 without spaces. */
export function normaliseAddress(channel: SuppressionChannel, address: string): string {
  return channel === 'email' ? address.trim().toLowerCase() : address.replace(/[\s().-]/g, '');
}

/** The suppression channel a message channel's address belongs to (push and webhook have none). */
export function suppressionChannel(channel: ChannelName): SuppressionChannel | null {
  return channel === 'email' || channel === 'sms' ? channel : null;
}
