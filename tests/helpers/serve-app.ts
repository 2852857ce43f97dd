import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

/** The app over real HTTP on a loopback port the OS picks (for clients that speak HTTP: the CLI, Segment's). */
export async function serveApp(app: {
  fetch: (req: Request) => Response | Promise<Response>;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
