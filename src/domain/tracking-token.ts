// Signed tokens for tracking and unsubscribe links: `<payload>.<mac>`, both base64url. The payload names the
// message and what the link does; the MAC (HMAC-SHA256, first 16 bytes) makes a forged, altered or truncated
// token fail, so every link of a message can only do what was signed when the message was sent.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** o: open pixel, c: click redirect (with the link's index), u: unsubscribe. */
export type TokenKind = 'o' | 'c' | 'u';

export interface TrackingToken {
  kind: TokenKind;
  messageId: string;
  /** Click tokens only: the link's position in the message. */
  link?: number;
}

const MAC_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_LINKS = 10_000;

const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest().subarray(0, MAC_BYTES);

export function signToken(secret: string, token: TrackingToken): string {
  const body: { k: TokenKind; m: string; l?: number } = { k: token.kind, m: token.messageId };
  if (token.kind === 'c') body.l = token.link ?? 0;
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The token's content when it was signed with `secret` for `kind`; null for anything else. */
export function verifyToken(secret: string, token: string, kind: TokenKind): TrackingToken | null {
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [payload, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  // Base64url decoding skips characters it does not know and ignores a last character's spare bits: only
  // the canonical spelling of the 16 bytes is the signature.
  if (given.length !== MAC_BYTES || given.toString('base64url') !== signature) return null;
  if (!timingSafeEqual(given, mac(secret, payload))) return null;

  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const { k, m, l } = (body ?? {}) as { k?: unknown; m?: unknown; l?: unknown };
  if (k !== kind || typeof m !== 'string' || !UUID.test(m)) return null;
  if (kind !== 'c') return { kind, messageId: m };
  if (typeof l !== 'number' || !Number.isInteger(l) || l < 0 || l >= MAX_LINKS) return null;
  return { kind, messageId: m, link: l };
}
