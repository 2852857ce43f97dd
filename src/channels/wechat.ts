import type { ProviderAdapter } from './provider.js';

/** The customer attribute holding their openid for the official account that sends. */
export const WECHAT_OPENID_ATTRIBUTE = 'wechat_openid';

/** Template parts that are not data keys of the WeChat template. */
const RESERVED = new Set(['template_id', 'url']);

/**
 * A WeChat template message (模板消息), shaped as WeChat's own API takes it: `touser` (the openid),
 * `template_id`, `url` when the template has one, and `data: { <key>: { value } }` from every other part.
 */
export const wechat: ProviderAdapter = {
  name: 'wechat',
  address: (customer) => {
    const openid = customer.attributes[WECHAT_OPENID_ATTRIBUTE];
    return typeof openid === 'string' && openid ? { to: openid } : { skip: 'no_wechat_openid' };
  },
  body: ({ content, customer: _profile, event: _event, ...envelope }) => ({
    ...envelope,
    touser: envelope.to,
    template_id: content.template_id,
    ...(content.url ? { url: content.url } : {}),
    data: Object.fromEntries(
      Object.entries(content)
        .filter(([key]) => !RESERVED.has(key))
        .map(([key, value]) => [key, { value }]),
    ),
  }),
};
