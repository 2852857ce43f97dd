import type { ProviderAdapter } from './provider.js';

/** A push template's `data` part, rendered: a JSON object, or null when it is not one. */
export function pushData(rendered: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(rendered);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * App push: addressed to the customer id (the provider knows their devices); `content: { title, body }`
 * and, when the template has a `data` part (Liquid rendering to a JSON object: deep link, cart id…),
 * `data` beside it as that object.
 */
export const push: ProviderAdapter = {
  name: 'push',
  address: (customer) => ({ to: customer.id }),
  check: (content) =>
    content.data === undefined || pushData(content.data)
      ? null
      : `the push data part must render to a JSON object (got ${JSON.stringify(content.data.slice(0, 80))})`,
  body: ({ content: { data, ...content }, ...envelope }) => ({
    ...envelope,
    content,
    ...(data === undefined ? {} : { data: pushData(data) }),
  }),
};
