// A real HTTP server on 127.0.0.1 standing in for the SMS/push/WeChat providers and webhook receivers. It
// checks every request's signature the way README tells a provider to (HMAC-SHA256 of `<timestamp>.<body>`
// with the shared secret): a request that fails the check is answered 401 and recorded with `verified:
// false`. Otherwise it answers 200 with a JSON body, or what a test scripted for a recipient or path.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The signing secret of every provider channel of a test stack, unless a test gives its own. */
export const TEST_PROVIDER_SECRET = 'test-provider-secret-0123456789';

export interface ProviderRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** The signature matched the body and the provider's secret. */
  verified: boolean;
  /** When the request arrived (epoch ms, the server's clock). */
  receivedAt: number;
  /** What it was answered. */
  status: number;
}

/** A scripted answer: a status, or a status with headers (`Retry-After`, `Location`) and a body of its own. */
export type ScriptedAnswer = number | { status: number; headers?: Record<string, string>; body?: string };

export interface ProviderServer {
  url: string;
  requests: ProviderRequest[];
  /** Requests to `path`, or whose body is addressed `to` this recipient. */
  received(key: string): ProviderRequest[];
  /** The next answers for requests addressed to `key` (body.to, else the path); 200 once they run out. */
  script(key: string, answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

export function verifySignature(secret: string, headers: IncomingHttpHeaders, raw: string): boolean {
  const timestamp = headers['x-touchpoint-timestamp'];
  const given = headers['x-touchpoint-signature'];
  if (typeof timestamp !== 'string' || typeof given !== 'string') return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

export async function startProvider(options: { secret?: string } = {}): Promise<ProviderServer> {
  const secret = options.secret ?? TEST_PROVIDER_SECRET;
  const requests: ProviderRequest[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const receivedAt = Date.now();
      const body = raw ? JSON.parse(raw) : null;
      const path = req.url ?? '/';
      const verified = verifySignature(secret, req.headers, raw);
      const script = scripts.get(body?.to) ?? scripts.get(path);
      const answer: ScriptedAnswer = verified ? (script?.shift() ?? 200) : 401;
      const { status, headers = {}, body: scripted } = typeof answer === 'number' ? { status: answer, body: undefined } : answer;
      requests.push({ path, headers: req.headers, body, verified, receivedAt, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(
        scripted ??
          JSON.stringify(
            status < 300
              ? { id: `prov-${requests.length}`, accepted: true }
              : { error: verified ? `scripted ${status}` : 'signature does not match' },
          ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    received: (key) => requests.filter((r) => r.path === key || r.body?.to === key),
    script: (key, answers) => void scripts.set(key, [...answers]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
