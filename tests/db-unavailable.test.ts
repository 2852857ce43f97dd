// The database goes away (a cluster of this test's own, stopped): status and read routes, and event ingest,
// answer 503 `unavailable` with Retry-After — never 500 — and answer again once it is back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from './helpers/pg-cluster.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let cluster: PgCluster;
let stack: Stack;
beforeAll(async () => {
  cluster = await startPgCluster();
  stack = await startStack({ timeSkipping: false, worker: true, databaseUrl: cluster.url });
});
afterAll(async () => {
  await stack?.close();
  cluster?.destroy();
});

it('answers 503 unavailable while the database is down, and 200 again when it is back', async () => {
  const id = uid('down');
  expect((await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` })).status).toBe(201);
  const created = await stack.api('POST', '/api/marketing/campaigns', {
    name: uid('down'),
    type: 'email',
    target_tags: [id],
    content: 'Hi',
  });
  expect(created.status).toBe(201);
  const campaign = created.body.id as string;
  const reads = [
    `/api/marketing/campaigns/${campaign}/status`,
    `/api/marketing/campaigns/${campaign}`,
    '/api/marketing/campaigns',
    `/api/customers/${id}`,
  ];
  for (const path of reads) expect((await stack.api('GET', path)).status, path).toBe(200);

  cluster.stop();
  for (const path of reads) {
    const res = await stack.app.request(path, { headers: { authorization: `Bearer ${stack.key}` } });
    expect(res.status, path).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe('unavailable');
    expect(res.headers.get('retry-after'), path).toBe('5');
  }
  const event = await stack.api('POST', '/api/events', { id: uid('evt'), type: 'login', customerId: id });
  expect(event.status).toBe(503);
  expect((await stack.api('GET', '/readyz')).status).toBe(503);

  cluster.start();
  await waitFor(async () => (await stack.api('GET', reads[0]!)).status === 200, 'the status route answering again');
  for (const path of reads) expect((await stack.api('GET', path)).status, path).toBe(200);
});
