// The API's contract as its OpenAPI document states it, over real HTTP: every operation declares the answers
// the shared machinery can give (API key, body, ids, query string, database, a bug), each with the error body;
// a method a path does not have is a 405 with Allow; over-long ids are a 422 and bad query parameters a 400
// `invalid_query`, each naming the field; input no column can store (NUL, year 15) is refused the same way.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from './helpers/serve-app.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
let server: { url: string; close(): Promise<void> };
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, worker: false });
  server = await serveApp(stack.app);
});
afterAll(async () => {
  await server?.close();
  await stack?.close();
});

async function http(method: string, path: string, options: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) {
  const key = options.key === undefined ? stack.key : options.key;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text,
  };
}

function expectError(res: { status: number; body: any }, status: number, code: string, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
  if (field !== undefined) expect(res.body.error.field).toBe(field);
}

interface Operation {
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }>; headers?: Record<string, unknown> }>;
  security?: unknown[];
  'x-validation-status'?: number;
}

describe('the OpenAPI document', () => {
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));

  beforeAll(async () => {
    const res = await http('GET', '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    doc = res.body;
  });

  it('declares on every operation the statuses the shared machinery answers', () => {
    expect(operations().length).toBeGreaterThan(60);
    const missing: string[] = [];
    for (const { method, path, op } of operations()) {
      const expected = [500];
      if (op.security?.length) expected.push(401, 403, 429);
      if (op.parameters?.some((p) => p.in === 'path')) expected.push(404, 422);
      if (op.parameters?.some((p) => p.in === 'query')) expected.push(400);
      if (op.requestBody) {
        const json = Object.keys(op.requestBody.content).some((t) => t.includes('json'));
        expected.push(413, op['x-validation-status'] ?? 422);
        if (json) expected.push(400);
        if (json && op.requestBody.required) expected.push(415);
      }
      if (path !== '/healthz') expected.push(503);
      // The body limit of every route, one without a body of its own too.
      if (method !== 'get') expected.push(413);
      for (const status of expected) if (!op.responses[status]) missing.push(`${method.toUpperCase()} ${path}: ${status}`);
    }
    expect(missing).toEqual([]);
  });

  it('gives every error status a JSON body, the Error schema unless the route documents its own', () => {
    const schemas = doc.components.schemas;
    expect(schemas.Error).toBeDefined();
    for (const { method, path, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content?.['application/json']?.schema;
        expect(schema, `${method} ${path} ${status}`).toBeDefined();
        // Readiness answers its checks, never an Error.
        if (path === '/readyz' && status === '503') continue;
        // The Error schema, one extending it (a refused upgrade adds its evaluation, a segment in use its
        // campaigns), or either the route's own or an Error (ingest's outcomes when Temporal was not reached).
        const { allOf, anyOf } = schema as { allOf?: unknown[]; anyOf?: unknown[] };
        expect(allOf ?? anyOf ?? [schema], `${method} ${path} ${status}`).toContainEqual({ $ref: '#/components/schemas/Error' });
      }
      for (const status of ['429', '503']) {
        if (op.responses[status]?.content?.['application/json']?.schema.$ref) {
          expect(Object.keys(op.responses[status].headers ?? {}), `${method} ${path} ${status}`).toContain('Retry-After');
        }
      }
    }
  });

  it('keeps the refusals routes make of their own', () => {
    const statuses = (method: string, path: string) => Object.keys(doc.paths[path]![method]!.responses);
    expect(statuses('post', '/api/events')).toEqual(expect.arrayContaining(['202', '410', '413', '415', '422', '503']));
    expect(statuses('get', '/api/customers/{id}')).toEqual(expect.arrayContaining(['404', '410']));
    expect(statuses('put', '/api/customers/{id}')).toContain('410');
    expect(statuses('post', '/api/flows')).toContain('409');
    expect(statuses('post', '/api/webhooks/delivery/{provider}')).toEqual(expect.arrayContaining(['401', '404']));
    // Public routes take no key: no 401, 403 or 429 of the key's.
    expect(statuses('get', '/healthz').sort()).toEqual(['200', '500']);
    expect(statuses('get', '/t/o/{token}')).not.toContain('401');
  });
});

describe('405 for a method the path does not have', () => {
  it('DELETE /api/events → 405 method_not_allowed, Allow: POST', async () => {
    const res = await http('DELETE', '/api/events');
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.body.error.message).toContain('DELETE');
  });

  it('lists every method of a path with an id, HEAD beside GET', async () => {
    const res = await http('PATCH', `/api/customers/${uid('cust')}`, { body: { name: 'Ada' } });
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE');
    const head = await http('HEAD', '/healthz', { key: null });
    expect(head.status).toBe(200);
  });

  it('answers public paths without a key, and OPTIONS and TRACE alike', async () => {
    for (const method of ['POST', 'OPTIONS']) {
      const res = await http(method, '/healthz', { key: null });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    }
    // fetch refuses to send TRACE.
    const trace = await new Promise<{ status?: number; allow?: string | string[] }>((resolve, reject) => {
      const req = request(`${server.url}/readyz`, { method: 'TRACE' }, (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode, allow: res.headers.allow }));
      });
      req.once('error', reject);
      req.end();
    });
    expect(trace).toEqual({ status: 405, allow: 'GET, HEAD' });
  });

  it('authenticates first: without a key a protected path is a 401, whatever the method', async () => {
    expectError(await http('DELETE', '/api/events', { key: null }), 401, 'unauthorized');
  });

  it('leaves unknown paths 404, a trailing slash included', async () => {
    expectError(await http('DELETE', '/api/nothing-here'), 404, 'not_found');
    expectError(await http('POST', '/api/events/'), 404, 'not_found');
    expectError(await http('GET', '/api/customers/a/b'), 404, 'not_found');
  });
});

describe('ids, query parameters and values no column stores', () => {
  it('an over-long id is a 422 naming it', async () => {
    for (const path of [
      `/api/customers/${'c'.repeat(201)}`,
      `/api/marketing/campaigns/${'c'.repeat(65)}`,
      `/api/flows/${'f'.repeat(65)}`,
      `/api/journeys/${'j'.repeat(65)}`,
      `/api/segments/${'s'.repeat(201)}/members`,
    ]) {
      expectError(await http('GET', path), 422, 'validation_error', path.includes('journeys') ? 'key' : 'id');
    }
    expectError(await http('PUT', `/api/customers/${'c'.repeat(201)}`, { body: { name: 'Ada' } }), 422, 'validation_error', 'id');
  });

  it('a bad query parameter is a 400 invalid_query naming it', async () => {
    const cases: Array<[string, string]> = [
      ['/api/marketing/campaigns?page=0', 'page'],
      ['/api/marketing/campaigns?status=sleeping', 'status'],
      ['/api/segments?page_size=501', 'page_size'],
      ['/api/journeys/welcome/runs?page_size=abc', 'page_size'],
      ['/api/flows/fl_nope?version=0', 'version'],
      // Past PostgreSQL's integer: refused here, not by the statement.
      ['/api/flows/fl_nope?version=2147483648', 'version'],
      ['/api/ai-ops/customer/segment?method=median', 'method'],
      ['/api/ai-ops/customer/performance', 'campaign_id'],
    ];
    for (const [path, field] of cases) expectError(await http('GET', path), 400, 'invalid_query', field);
  });

  it('NUL (U+0000) in a body, a query or an id is refused naming where it is', async () => {
    const id = uid('cust');
    expectError(await http('PUT', `/api/customers/${id}`, { body: { name: 'Ada\u0000' } }), 422, 'validation_error', 'name');
    expectError(
      await http('PUT', `/api/customers/${id}`, { body: { attributes: { 'pl\u0000an': 'pro' } } }),
      422,
      'validation_error',
      'attributes.pl\u0000an',
    );
    expectError(
      await http('POST', '/api/events', {
        body: [{ id: uid('evt'), type: 'page_viewed', customerId: id, properties: { path: '/\u0000' } }],
      }),
      422,
      'validation_error',
      '[0].properties.path',
    );
    expectError(await http('GET', '/api/marketing/campaigns?name=a%00b'), 400, 'invalid_query', 'name');
    expectError(await http('GET', `/api/customers/a%00b`), 422, 'validation_error', 'id');
    // The Segment surface answers bad input 400, as Segment does.
    expectError(await http('POST', '/v1/track', { body: { userId: id, event: 'page_viewed\u0000' } }), 400, 'validation_error', 'event');
    expect((await http('GET', `/api/customers/${id}`)).status).toBe(404);
  });

  it('a timestamp outside the years 1900–9999 is a 422 naming it', async () => {
    const id = uid('cust');
    const e = { id: uid('evt'), type: 'page_viewed', customerId: id, timestamp: '0015-03-22T00:14:27+17:03' };
    expectError(await http('POST', '/api/events', { body: e }), 422, 'validation_error', 'timestamp');
    const campaign = {
      name: uid('old'),
      type: 'email',
      target_tags: ['x'],
      content: 'Hi',
      end_time: '0015-03-22T00:14:27+17:03',
    };
    expectError(await http('POST', '/api/marketing/campaigns', { body: campaign }), 422, 'validation_error', 'end_time');
  });
});
