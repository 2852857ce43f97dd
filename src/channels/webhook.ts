import type { ProviderAdapter } from './provider.js';

/** A generic webhook: POSTed to the flow action's or campaign's own URL, with the profile and the trigger event. */
export const webhook: ProviderAdapter = {
  name: 'webhook',
  address: (_customer, target) => (target ? { to: target } : { skip: 'channel_not_configured' }),
  body: (message) => ({ ...message }),
};
