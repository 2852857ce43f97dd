// The channels a message goes out on, by name: what consent, costs, rate limits, message records and the
// adapters (src/channels/) are keyed by.
export type ChannelName = 'email' | 'sms' | 'push' | 'wechat' | 'webhook';

/** The channels with a suppression list of addresses (an email address, a phone number). */
export type SuppressionChannel = 'email' | 'sms';
