import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { trackEmail, unsubscribeUrl } from '../../src/domain/email-tracking.js';
import { signToken, verifyToken } from '../../src/domain/tracking-token.js';

const SECRET = 'unit-test-secret-0123456789abcdef0123';
const MESSAGE = '6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab';
const OTHER = '0a1b2c3d-4e5f-4a6b-9c7d-fedcba987654';

/** The token with one character of `part` (0 payload, 1 MAC) changed at `at`. */
function alter(token: string, part: 0 | 1, at: number): string {
  const parts = token.split('.');
  const s = parts[part]!;
  const i = at < 0 ? s.length + at : at;
  parts[part] = `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
  return parts.join('.');
}

describe('tracking tokens', () => {
  it('verifies what it signed, for its kind only', () => {
    const click = signToken(SECRET, { kind: 'c', messageId: MESSAGE, link: 3 });
    expect(verifyToken(SECRET, click, 'c')).toEqual({ kind: 'c', messageId: MESSAGE, link: 3 });
    expect(verifyToken(SECRET, click, 'o')).toBeNull();
    expect(verifyToken(SECRET, click, 'u')).toBeNull();
    const open = signToken(SECRET, { kind: 'o', messageId: MESSAGE });
    expect(verifyToken(SECRET, open, 'o')).toEqual({ kind: 'o', messageId: MESSAGE });
    expect(verifyToken(SECRET, open, 'c')).toBeNull();
    expect(verifyToken(SECRET, signToken(SECRET, { kind: 'u', messageId: MESSAGE }), 'u')).toEqual({ kind: 'u', messageId: MESSAGE });
  });

  it('is URL-safe', () => {
    expect(signToken(SECRET, { kind: 'c', messageId: MESSAGE, link: 12 })).toMatch(/^[\w-]+\.[\w-]+$/);
  });

  it('refuses a token signed with another secret (forged)', () => {
    const forged = signToken('another-secret-0123456789abcdef0123', { kind: 'c', messageId: MESSAGE, link: 0 });
    expect(verifyToken(SECRET, forged, 'c')).toBeNull();
  });

  it('refuses a payload swapped for another message or link, under the original MAC', () => {
    const token = signToken(SECRET, { kind: 'c', messageId: MESSAGE, link: 0 });
    const mac = token.split('.')[1];
    for (const other of [
      { messageId: OTHER, link: 0 },
      { messageId: MESSAGE, link: 1 },
    ]) {
      const payload = signToken(SECRET, { kind: 'c', ...other }).split('.')[0];
      expect(verifyToken(SECRET, `${payload}.${mac}`, 'c')).toBeNull();
    }
  });

  it('refuses any altered character, and the spare bits of the last one', () => {
    const token = signToken(SECRET, { kind: 'c', messageId: MESSAGE, link: 2 });
    const [payload, mac] = token.split('.') as [string, string];
    for (let i = 0; i < payload.length; i++) expect(verifyToken(SECRET, alter(token, 0, i), 'c')).toBeNull();
    for (let i = 0; i < mac.length; i++) expect(verifyToken(SECRET, alter(token, 1, i), 'c')).toBeNull();
    // 16 bytes are 22 base64url characters, the last carrying 2 bits: a different spelling of the same bytes.
    const last = mac.at(-1)!;
    const sibling = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
      .split('')
      .find((ch) => ch !== last && Buffer.from(`${mac.slice(0, -1)}${ch}`, 'base64url').equals(Buffer.from(mac, 'base64url')))!;
    expect(sibling).toBeDefined();
    expect(verifyToken(SECRET, `${payload}.${mac.slice(0, -1)}${sibling}`, 'c')).toBeNull();
  });

  it('refuses truncated and malformed tokens', () => {
    const token = signToken(SECRET, { kind: 'o', messageId: MESSAGE });
    for (let n = 0; n < token.length; n++) expect(verifyToken(SECRET, token.slice(0, n), 'o')).toBeNull();
    for (const bad of ['', '.', 'a.b.c', `${token}.x`, `${token}A`, token.replace('.', ''), `.${token.split('.')[1]}`]) {
      expect(verifyToken(SECRET, bad, 'o')).toBeNull();
    }
  });

  it('refuses a signed payload that is not a token (a bad message id or link index)', () => {
    const signRaw = (body: unknown) => {
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      // The same construction as signToken, so only the payload's content is wrong.
      return `${payload}.${createHmac('sha256', SECRET).update(payload).digest().subarray(0, 16).toString('base64url')}`;
    };
    expect(verifyToken(SECRET, signRaw({ k: 'c', m: MESSAGE, l: 1 }), 'c')).not.toBeNull();
    expect(verifyToken(SECRET, signRaw({ k: 'c', m: "x' or 1=1", l: 1 }), 'c')).toBeNull();
    expect(verifyToken(SECRET, signRaw({ k: 'c', m: MESSAGE, l: -1 }), 'c')).toBeNull();
    expect(verifyToken(SECRET, signRaw({ k: 'c', m: MESSAGE, l: 1.5 }), 'c')).toBeNull();
    expect(verifyToken(SECRET, signRaw({ k: 'c', m: MESSAGE }), 'c')).toBeNull();
    expect(verifyToken(SECRET, signRaw(null), 'o')).toBeNull();
  });
});

describe('trackEmail', () => {
  const config = { secret: SECRET, baseUrl: 'https://t.example.com/' };
  const tokenOf = (url: string, prefix: string) => {
    expect(url.startsWith(prefix)).toBe(true);
    return url.slice(prefix.length);
  };

  it('rewrites http(s) links by position, keeps the rest, and appends the pixel before </body>', () => {
    const html =
      '<html><body><a href="https://shop.example.com/a?x=1&amp;y=2">A</a> <a class="b" href=\'http://example.org/b\'>B</a>' +
      '<a href="mailto:help@example.com">mail</a> <a href="#top">top</a> <a href="https://shop.example.com/a?x=1&amp;y=2">A again</a></body></html>';
    const tracked = trackEmail(html, MESSAGE, config);
    expect(tracked.links).toEqual(['https://shop.example.com/a?x=1&y=2', 'http://example.org/b', 'https://shop.example.com/a?x=1&y=2']);
    const hrefs = [...tracked.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.slice(2, 4)).toEqual(['mailto:help@example.com', '#top']);
    const clicks = [hrefs[0]!, hrefs[1]!, hrefs[4]!].map((h) => verifyToken(SECRET, tokenOf(h, 'https://t.example.com/t/c/'), 'c'));
    expect(clicks.map((t) => t?.link)).toEqual([0, 1, 2]);
    expect(clicks.every((t) => t?.messageId === MESSAGE)).toBe(true);
    expect(tracked.html).toContain('class="b" href="https://t.example.com/t/c/');
    const pixel = tracked.html.match(/<img src="([^"]+)"[^>]*><\/body><\/html>$/)?.[1];
    expect(verifyToken(SECRET, tokenOf(pixel!, 'https://t.example.com/t/o/'), 'o')).toEqual({ kind: 'o', messageId: MESSAGE });
  });

  it('appends the pixel to a fragment, and leaves the unsubscribe link alone', () => {
    const unsubscribe = unsubscribeUrl(config, MESSAGE);
    const tracked = trackEmail(`<p><a href="${unsubscribe}">Unsubscribe</a></p>`, MESSAGE, config);
    expect(tracked.links).toEqual([]);
    expect(tracked.html).toMatch(new RegExp(`^<p><a href="${unsubscribe}">Unsubscribe</a></p><img src="https://t.example.com/t/o/`));
  });

  it('gives the RFC 8058 headers with a signed unsubscribe URL', () => {
    const { headers } = trackEmail('<p>Hi</p>', MESSAGE, config);
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const url = headers['List-Unsubscribe']!.match(/^<(.+)>$/)![1]!;
    expect(verifyToken(SECRET, tokenOf(url, 'https://t.example.com/u/'), 'u')).toEqual({ kind: 'u', messageId: MESSAGE });
  });
});
