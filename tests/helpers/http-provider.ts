// A real HTTP server on 127.0.0.1 standing in for the SMS/push provider and webhook receivers: it records
// every request and answers 200 with a JSON body, or the statuses a test scripted for a recipient or path.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProviderRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface ProviderServer {
  url: string;
  requests: ProviderRequest[];
  /** Requests to `path`, or whose body is addressed `to` this recipient. */
  received(key: string): ProviderRequest[];
  /** The next answers for requests addressed to `key` (body.to, else the path); 200 once they run out. */
  script(key: string, statuses: number[]): void;
  close(): Promise<void>;
}

export async function startProvider(): Promise<ProviderServer> {
  const requests: ProviderRequest[] = [];
  const scripts = new Map<string, number[]>();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : null;
      const path = req.url ?? '/';
      requests.push({ path, headers: req.headers, body });
      const script = scripts.get(body?.to) ?? scripts.get(path);
      const status = script?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status < 300 ? { id: `prov-${requests.length}`, accepted: true } : { error: `scripted ${status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    received: (key) => requests.filter((r) => r.path === key || r.body?.to === key),
    script: (key, statuses) => void scripts.set(key, [...statuses]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
