import type { ChannelAdapter } from './provider.js';

/** App push: addressed to the customer id (the provider knows their devices); `content: { title, body }`. */
export const push: ChannelAdapter = {
  name: 'push',
  address: (customer) => ({ to: customer.id }),
  body: (message) => ({ ...message }),
};
