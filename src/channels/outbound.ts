// HTTP requests to URLs that come from outside the code — webhook actions and campaigns, the SMS, push and
// WeChat providers — go only where src/domain/outbound-address.ts allows: checked when a URL is saved, and
// again for every connection, after DNS. A connection goes to an address that was checked (the lookup
// that net.connect uses is the checking one), so a name that resolved to a public address when it was
// saved and to 127.0.0.1 now is refused before any byte leaves. Redirects are never followed.
import { lookup as systemLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { type AllowEntry, addressRefusal, outboundTarget } from '../domain/outbound-address.js';
import { DomainError } from '../domain/errors.js';

/** A host name's addresses, as dns.lookup({ all: true }) gives them. */
export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface OutboundPolicy {
  /** What may be reached although it is not on the internet (OUTBOUND_ALLOWED_HOSTS). */
  allowList: readonly AllowEntry[];
  /** How names are resolved, at save time and for every connection; default: the system's resolver. */
  resolve?: ResolveHost;
}

/** The URL may not be sent to: nothing was sent. Permanent — sending again changes nothing. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
}

export interface OutboundAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body's first READ_LIMIT bytes; the rest is never read. */
  body: Buffer;
  /** The body was longer than what was read. */
  truncated: boolean;
}

/** The most of an answer's body read (enough for a provider's JSON with its message id). */
export const READ_LIMIT = 16 * 1024;

/** How long a save waits for DNS before leaving the check to the send. */
const SAVE_LOOKUP_MS = 3000;

export type Outbound = ReturnType<typeof createOutbound>;

export function createOutbound(policy: OutboundPolicy) {
  const resolve: ResolveHost = policy.resolve ?? ((host) => systemLookup(host, { all: true }));
  // Agents of its own (with the settings of Node's global ones): a kept-alive socket was connected through
  // this guard's lookup, never through someone else's.
  const agents = {
    http: new http.Agent({ keepAlive: true, timeout: 5000 }),
    https: new https.Agent({ keepAlive: true, timeout: 5000 }),
  };

  async function checkedAddresses(host: string, port: number, check = true) {
    const addresses = await resolve(host);
    for (const { address } of check ? addresses : []) {
      const refused = addressRefusal(address, port, policy.allowList, host);
      if (refused) throw new OutboundRefused(refused);
    }
    return addresses;
  }

  /**
   * net.connect's lookup: only checked addresses come out of it, so only they are connected to (a name
   * the allow-list names is resolved the same way, unchecked).
   */
  const lookupFor =
    (port: number, check: boolean): LookupFunction =>
    (hostname, options, callback) => {
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
      checkedAddresses(hostname, port, check).then(
        (all) => {
          const wanted = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
          const first = wanted[0];
          if (!first) callback(Object.assign(new Error(`${hostname} has no address to connect to`), { code: 'ENOTFOUND' }), '');
          else if (options.all) callback(null, wanted);
          else callback(null, first.address, first.family);
        },
        (err: NodeJS.ErrnoException) => callback(err, ''),
      );
    };

  /**
   * Why this URL may not be sent to, or null. A name is resolved (at most a few seconds): one that
   * resolves to an address not allowed is refused now; one that does not resolve yet is left to the send.
   */
  async function refusal(url: string): Promise<string | null> {
    const target = outboundTarget(url, policy.allowList);
    if (target.refused !== null) return target.refused;
    if (!target.resolve) return null;
    try {
      await withTimeout(checkedAddresses(target.host, target.port), SAVE_LOOKUP_MS);
      return null;
    } catch (err) {
      return err instanceof OutboundRefused ? err.message : null;
    }
  }

  return {
    refusal,

    /** The save-time check as an API error: 422 `url_not_allowed` naming the field. */
    async check(url: string, field: string): Promise<void> {
      const refused = await refusal(url);
      if (refused) throw new DomainError('url_not_allowed', `${field}: not allowed: ${refused}`, field, 422);
    },

    /**
     * POSTs `body`; throws OutboundRefused when the URL, or any address its name resolves to, is not
     * allowed (no request made), other errors when the request fails. A 3xx is returned as it is.
     */
    post(url: string, request: { headers: Record<string, string>; body: string; timeoutMs: number }): Promise<OutboundAnswer> {
      const target = outboundTarget(url, policy.allowList);
      if (target.refused !== null) return Promise.reject(new OutboundRefused(target.refused));
      const secure = new URL(url).protocol === 'https:';
      const send = secure ? https.request : http.request;
      return new Promise((done, fail) => {
        const req = send(
          url,
          {
            method: 'POST',
            agent: secure ? agents.https : agents.http,
            headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
            // net.connect looks up names only: an address was checked above.
            ...(isIP(target.host) ? {} : { lookup: lookupFor(target.port, target.resolve) }),
            signal: AbortSignal.timeout(request.timeoutMs),
          },
          (res) => void readBounded(res).then((read) => done({ status: res.statusCode ?? 0, headers: res.headers, ...read }), fail),
        );
        // on, not once: a second error after the first (a socket torn down late) must not go unhandled.
        req.on('error', fail);
        req.end(request.body);
      });
    },
  };
}

async function readBounded(res: http.IncomingMessage): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size + chunk.length > READ_LIMIT) {
      chunks.push(chunk.subarray(0, READ_LIMIT - size));
      // Leaving the loop destroys the response: the rest is not read.
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks), truncated: false };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
