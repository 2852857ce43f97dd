// Which addresses Touchpoint may send webhooks and provider requests to. A URL a marketer saves (or an
// installation configures) must not reach the machine or the network Touchpoint runs in: loopback,
// private, link-local (the cloud metadata address 169.254.169.254), unspecified, multicast and reserved
// ranges are refused, however the address is written, unless the installation's allow-list names it.
// Pure: the DNS checks at save and send time are src/channels/outbound.ts's.
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One entry of OUTBOUND_ALLOWED_HOSTS: a host name, an address or a CIDR range, optionally with a port. */
export type AllowEntry = { kind: 'name'; name: string; port?: number } | { kind: 'range'; range: [Address, number]; port?: number };

/** Where a URL's connection would go, once the name (if any) is resolved. */
export type OutboundTarget =
  | { refused: string }
  /** `resolve`: a name whose addresses must each be allowed; false for an address or a name the allow-list names. */
  | { refused: null; host: string; port: number; resolve: boolean };

/** Global unicast IPv6 (RFC 4291): anything outside it is not an address on the internet. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

const hostName = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/;

/** `::ffff:127.0.0.1` is 127.0.0.1: IPv4-mapped addresses are judged as the IPv4 address they carry. */
function parseAddress(text: string): Address | null {
  const bare = text.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(bare)) return null;
  const address = ipaddr.parse(bare);
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

/** Why an address is not on the internet (its range: `loopback`, `private`, `linkLocal`…), or null when it is. */
export function internalRange(address: string): string | null {
  const parsed = parseAddress(address);
  if (!parsed) return 'not an IP address';
  const range = parsed.range();
  if (range !== 'unicast') return range;
  // IPv6 outside 2000::/3 (IPv4-compatible ::a.b.c.d, discard, segment routing…) is not routed on the internet.
  if (parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6)) return 'reserved';
  return null;
}

/** How a refusal names the range (ipaddr.js's names); any other range is reserved for some special use. */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  carrierGradeNat: 'a carrier-grade NAT address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique local address',
  unspecified: 'an unspecified address',
  reserved: 'a reserved address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
};

const portAllowed = (entry: AllowEntry, port: number) => entry.port === undefined || entry.port === port;

/**
 * Why an address may not be connected to on this port, or null: on the internet, or in an allowed range.
 * `name`: the host name it was resolved from, for the message.
 */
export function addressRefusal(address: string, port: number, allowList: readonly AllowEntry[], name?: string): string | null {
  const parsed = parseAddress(address);
  if (!parsed) return `${address} is not an IP address`;
  const allowed = allowList.some(
    (e) => e.kind === 'range' && e.range[0].kind() === parsed.kind() && parsed.match(e.range) && portAllowed(e, port),
  );
  if (allowed) return null;
  const range = internalRange(address);
  if (!range) return null;
  const shown = parsed.toString() === address ? address : `${address} (${parsed.toString()})`;
  const what = RANGE_WORDS[range] ?? `a reserved address (${range})`;
  return name ? `${name} resolves to ${shown}, ${what}` : `${shown} is ${what}`;
}

/**
 * What a URL would connect to, or why it may not: only http and https; `localhost` and `*.localhost`
 * (RFC 6761) name this machine; an address, however encoded (`0x7f000001`, `2130706433`, `0177.0.0.1`,
 * `127.1`: the URL parser writes them all as 127.0.0.1), must be on the internet or allowed. A name on the
 * allow-list is trusted wherever it resolves; any other name is checked again after DNS.
 */
export function outboundTarget(url: string, allowList: readonly AllowEntry[]): OutboundTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { refused: 'not a URL' };
  }
  const defaultPort = DEFAULT_PORTS[parsed.protocol];
  if (defaultPort === undefined) return { refused: `${parsed.protocol} URLs are not sent to (only http and https)` };
  if (parsed.username || parsed.password) return { refused: 'a URL with credentials is not sent to' };
  const port = parsed.port ? Number(parsed.port) : defaultPort;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (parseAddress(host)) {
    const refused = addressRefusal(host, port, allowList);
    return refused ? { refused } : { refused: null, host, port, resolve: false };
  }
  if (allowList.some((e) => e.kind === 'name' && e.name === host && portAllowed(e, port))) {
    return { refused: null, host, port, resolve: false };
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return { refused: `${host} names this machine` };
  return { refused: null, host, port, resolve: true };
}

/** An entry's target and port: `[v6]:port`, `name:port`, `v4/len:port`; several colons without brackets are a bare IPv6 address or range. */
function splitPort(entry: string): [string, string | undefined] | null {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1]!, bracketed[2]];
  if ((entry.match(/:/g) ?? []).length > 1) return [entry, undefined];
  const plain = /^([^:]+)(?::(\d+))?$/.exec(entry);
  return plain ? [plain[1]!, plain[2]] : null;
}

/** OUTBOUND_ALLOWED_HOSTS: comma-separated host names, addresses and CIDR ranges, each with `:port` or not. Throws naming a bad entry. */
export function parseAllowList(text: string): AllowEntry[] {
  return text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .map((entry): AllowEntry => {
      const bad = () => new Error(`"${entry}" is not a host name, an IP address or a CIDR range (with :port or not)`);
      const [target, portText] = splitPort(entry) ?? ['', undefined];
      const port = portText === undefined ? undefined : Number(portText);
      if (port !== undefined && (port < 1 || port > 65535)) throw bad();
      const at = (e: AllowEntry): AllowEntry => (port === undefined ? e : { ...e, port });
      if (target.includes('/')) {
        if (!ipaddr.isValidCIDR(target)) throw bad();
        const [base, bits] = ipaddr.parseCIDR(target);
        if (bits === 0) throw new Error(`"${entry}" would allow every address: list the ranges meant`);
        return at({ kind: 'range', range: [base, bits] });
      }
      const address = parseAddress(target);
      if (address) return at({ kind: 'range', range: [address, address.kind() === 'ipv4' ? 32 : 128] });
      const name = target.replace(/\.$/, '');
      if (!hostName.test(name)) throw bad();
      return at({ kind: 'name', name });
    });
}
