// What tracking does to a marketing email at send time, once its message row (and so its id) exists: every
// http(s) link becomes a signed click redirect (index = the link's position), an open pixel is appended, and
// the List-Unsubscribe headers of RFC 8058 point at a signed one-click unsubscribe URL.
import { signToken } from './tracking-token.js';

export interface TrackingConfig {
  /** The HMAC key of every tracking and unsubscribe token. */
  secret: string;
  /** Where recipients reach the API (PUBLIC_URL), without a trailing slash. */
  baseUrl: string;
}

export interface TrackedEmail {
  html: string;
  /** The original targets, by index: the only places the click redirect of this message goes. */
  links: string[];
  headers: Record<string, string>;
}

const base = (config: TrackingConfig) => config.baseUrl.replace(/\/+$/, '');

export const unsubscribeUrl = (config: TrackingConfig, messageId: string) =>
  `${base(config)}/u/${signToken(config.secret, { kind: 'u', messageId })}`;

const ANCHOR_HREF = /(<a\b[^>]*?\shref\s*=\s*)(?:"([^"]*)"|'([^']*)')/gi;

/** Rewrites a rendered HTML body for tracking and gives the headers to send it with. */
export function trackEmail(html: string, messageId: string, config: TrackingConfig): TrackedEmail {
  const root = base(config);
  const unsubscribe = unsubscribeUrl(config, messageId);
  const links: string[] = [];
  const rewritten = html.replace(ANCHOR_HREF, (whole, start: string, double?: string, single?: string) => {
    const target = decodeEntities((double ?? single ?? '').trim());
    // mailto:, tel:, anchors and the message's own unsubscribe link stay as they are.
    if (!/^https?:\/\//i.test(target) || target.startsWith(`${root}/u/`)) return whole;
    const link = links.push(target) - 1;
    return `${start}"${root}/t/c/${signToken(config.secret, { kind: 'c', messageId, link })}"`;
  });
  const pixel = `<img src="${root}/t/o/${signToken(config.secret, { kind: 'o', messageId })}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`;
  const end = rewritten.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
  return {
    html: end === -1 ? `${rewritten}${pixel}` : `${rewritten.slice(0, end)}${pixel}${rewritten.slice(end)}`,
    links,
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

const NAMED: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };

/** An attribute value as the browser reads it (Liquid escapes `&` in HTML parts as `&amp;`). */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}
