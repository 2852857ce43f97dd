import { describe, expect, it } from 'vitest';
import { addressRefusal, internalRange, outboundTarget, parseAllowList } from '../../src/domain/outbound-address.js';

const refusal = (url: string, allow = '') => {
  const target = outboundTarget(url, parseAllowList(allow));
  return target.refused;
};

describe('internal addresses, however a URL writes them', () => {
  it.each([
    ['http://127.0.0.1/', '127.0.0.1 is a loopback address'],
    ['http://127.255.255.254:8080/', '127.255.255.254 is a loopback address'],
    ['http://0x7f000001/', '127.0.0.1 is a loopback address'],
    ['http://2130706433/', '127.0.0.1 is a loopback address'],
    ['http://0177.0.0.1/', '127.0.0.1 is a loopback address'],
    ['http://0x7f.1/', '127.0.0.1 is a loopback address'],
    ['http://127.1/', '127.0.0.1 is a loopback address'],
    ['http://127.0.0.1./', '127.0.0.1 is a loopback address'],
    ['http://[::1]/', '::1 is a loopback address'],
    ['http://[0:0:0:0:0:0:0:1]/', '::1 is a loopback address'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 (127.0.0.1) is a loopback address'],
    ['http://[::ffff:7f00:1]/', '::ffff:7f00:1 (127.0.0.1) is a loopback address'],
    ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe (169.254.169.254) is a link-local address'],
    ['http://10.0.0.1/', '10.0.0.1 is a private address'],
    ['http://172.16.0.1/', '172.16.0.1 is a private address'],
    ['http://172.31.255.255/', '172.31.255.255 is a private address'],
    ['http://192.168.1.1/', '192.168.1.1 is a private address'],
    ['http://012.0.0.1/', '10.0.0.1 is a private address'],
    ['http://100.64.0.1/', '100.64.0.1 is a carrier-grade NAT address'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address'],
    ['http://0xa9fea9fe/', '169.254.169.254 is a link-local address'],
    ['http://[fe80::1]/', 'fe80::1 is a link-local address'],
    ['http://[fc00::1]/', 'fc00::1 is a unique local address'],
    ['http://[fd12:3456::1]/', 'fd12:3456::1 is a unique local address'],
    ['http://0.0.0.0/', '0.0.0.0 is an unspecified address'],
    ['http://0/', '0.0.0.0 is an unspecified address'],
    ['http://[::]/', ':: is an unspecified address'],
    ['http://224.0.0.1/', '224.0.0.1 is a multicast address'],
    ['http://[ff02::1]/', 'ff02::1 is a multicast address'],
    ['http://255.255.255.255/', '255.255.255.255 is the broadcast address'],
    ['http://240.0.0.1/', '240.0.0.1 is a reserved address'],
    ['http://192.0.2.1/', '192.0.2.1 is a reserved address'],
    ['http://[2001:db8::1]/', '2001:db8::1 is a reserved address'],
    // IPv4-compatible and NAT64 forms carry an IPv4 address of their own.
    ['http://[::127.0.0.1]/', '::7f00:1 is a reserved address'],
    ['http://[64:ff9b::7f00:1]/', '64:ff9b::7f00:1 is a reserved address (rfc6052)'],
    ['http://[2002:7f00:1::]/', '2002:7f00:1:: is a reserved address (6to4)'],
    ['http://localhost/', 'localhost names this machine'],
    ['http://LOCALHOST:3000/', 'localhost names this machine'],
    ['http://localhost./', 'localhost names this machine'],
    ['http://api.localhost/', 'api.localhost names this machine'],
  ])('%s is refused: %s', (url, reason) => {
    expect(refusal(url)).toBe(reason);
  });

  it('refuses what is not http(s) or carries credentials', () => {
    expect(refusal('ftp://example.com/')).toBe('ftp: URLs are not sent to (only http and https)');
    expect(refusal('file:///etc/passwd')).toBe('file: URLs are not sent to (only http and https)');
    expect(refusal('gopher://127.0.0.1:6379/')).toBe('gopher: URLs are not sent to (only http and https)');
    expect(refusal('http://user:secret@example.com/')).toBe('a URL with credentials is not sent to');
    expect(refusal('not a url')).toBe('not a URL');
  });

  it('lets public addresses through as they are, and names through to be resolved', () => {
    expect(outboundTarget('https://8.8.8.8/hook', [])).toEqual({ refused: null, host: '8.8.8.8', port: 443, resolve: false });
    expect(outboundTarget('http://[2606:4700:4700::1111]:8080/', [])).toEqual({
      refused: null,
      host: '2606:4700:4700::1111',
      port: 8080,
      resolve: false,
    });
    expect(outboundTarget('https://Hooks.Example.com./x', [])).toEqual({
      refused: null,
      host: 'hooks.example.com',
      port: 443,
      resolve: true,
    });
    // 172.32/12 is past the private 172.16/12; 100.128 past CGNAT's 100.64/10.
    expect(refusal('http://172.32.0.1/')).toBeNull();
    expect(refusal('http://100.128.0.1/')).toBeNull();
  });

  it('classifies resolved addresses the same way', () => {
    expect(internalRange('127.0.0.1')).toBe('loopback');
    expect(internalRange('::ffff:10.1.2.3')).toBe('private');
    expect(internalRange('93.184.215.14')).toBeNull();
    expect(internalRange('2a00:1450:4001::200e')).toBeNull();
    expect(addressRefusal('127.0.0.1', 443, [], 'rebind.example.com')).toBe('rebind.example.com resolves to 127.0.0.1, a loopback address');
    expect(addressRefusal('93.184.215.14', 443, [], 'example.com')).toBeNull();
  });
});

describe('the allow-list', () => {
  it('allows addresses, ranges and names, each on any port or only the one named', () => {
    const allow = '127.0.0.1, 10.0.0.0/8, [::1]:9000, fd00::/8, hooks.internal:8080, localhost';
    expect(refusal('http://127.0.0.1:5555/', allow)).toBeNull();
    expect(refusal('http://0x7f000001:5555/', allow)).toBeNull();
    expect(refusal('http://10.20.30.40/', allow)).toBeNull();
    expect(refusal('http://[::1]:9000/', allow)).toBeNull();
    expect(refusal('http://[::1]:9001/', allow)).toBe('::1 is a loopback address');
    expect(refusal('http://[fd00::7]/', allow)).toBeNull();
    expect(refusal('http://localhost:3000/', allow)).toBeNull();
    // 127.0.0.2 is not 127.0.0.1; 11/8 not 10/8; hooks.internal on another port is only a name to resolve and check.
    expect(refusal('http://127.0.0.2/', allow)).toBe('127.0.0.2 is a loopback address');
    expect(refusal('http://11.0.0.1/', allow)).toBeNull();
    expect(outboundTarget('http://hooks.internal:8080/', parseAllowList(allow))).toMatchObject({ refused: null, resolve: false });
    expect(outboundTarget('http://hooks.internal/', parseAllowList(allow))).toMatchObject({ refused: null, resolve: true });
    expect(refusal('http://a.localhost/', allow)).toBe('a.localhost names this machine');
    expect(addressRefusal('10.9.9.9', 80, parseAllowList(allow), 'hooks.internal')).toBeNull();
    expect(addressRefusal('192.168.0.1', 80, parseAllowList(allow), 'hooks.internal')).toBe(
      'hooks.internal resolves to 192.168.0.1, a private address',
    );
  });

  it('reads an IPv4-mapped address as its IPv4 address', () => {
    expect(refusal('http://[::ffff:127.0.0.1]/', '127.0.0.1')).toBeNull();
    expect(refusal('http://127.0.0.1/', '::ffff:127.0.0.1')).toBeNull();
  });

  it('refuses entries it cannot read, naming them', () => {
    expect(parseAllowList(' , ')).toEqual([]);
    expect(() => parseAllowList('hooks.internal, not a host')).toThrow('"not a host" is not a host name, an IP address or a CIDR range');
    expect(() => parseAllowList('10.0.0.0/33')).toThrow('"10.0.0.0/33" is not');
    expect(() => parseAllowList('example.com:0')).toThrow('"example.com:0" is not');
    expect(() => parseAllowList('example.com:65536')).toThrow('"example.com:65536" is not');
    expect(() => parseAllowList('0.0.0.0/0')).toThrow('"0.0.0.0/0" would allow every address');
    expect(() => parseAllowList('::/0')).toThrow('"::/0" would allow every address');
  });
});
