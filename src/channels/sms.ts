import type { ProviderAdapter } from './provider.js';

/** SMS: to the customer's phone (E.164); the body is the envelope with `content: { text }`. */
export const sms: ProviderAdapter = {
  name: 'sms',
  address: (customer) => (customer.phone ? { to: customer.phone } : { skip: 'no_phone' }),
  // Numbers that bounced hard or complained (src/delivery/suppressions.ts) get nothing.
  suppression: 'sms',
  body: (message) => ({ ...message }),
};
