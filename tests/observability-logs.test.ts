// The logs: JSON lines, every line written while a request is served carrying that request's id (the
// caller's X-Request-Id, or one made up and returned), no credentials in them, and a line written inside an
// activity carrying its workflow id and activity type. LOG_FORMAT=pretty writes the same lines for a person.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLogging } from '../src/observability/logger.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let written: string[] = [];
const capture = { write: (line: string) => void written.push(line) };
const lines = () => written.map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  stack = await startStack({ timeSkipping: false });
});
beforeEach(() => {
  written = [];
  configureLogging({ level: 'debug', format: 'json', destination: capture });
});
afterAll(async () => {
  configureLogging({ level: 'warn', format: 'json' });
  await stack?.close();
});

describe('request ids', () => {
  it('puts the caller’s X-Request-Id on every line of its request and on the answer', async () => {
    const customer = uid('ada');
    const res = await stack.app.request(`/api/customers/${customer}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json', 'x-request-id': 'req-obs-0001' },
      body: JSON.stringify({ email: `${customer}@example.com` }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req-obs-0001');

    const mine = lines().filter((l) => l.requestId === 'req-obs-0001');
    expect(mine.map((l) => l.msg)).toEqual(['authenticated', 'request answered']);
    expect(mine[1]).toMatchObject({ level: 'info', route: '/api/customers/:id', req: { method: 'PUT' }, res: { status: 201 } });
    expect(typeof mine[1]!.responseTime).toBe('number');
    // Each line is one JSON object with a time; the key itself is never written.
    for (const line of lines()) expect(line.time).toEqual(expect.any(String));
    expect(written.join('')).not.toContain(stack.key);
  });

  it('makes an id up when the caller sent none (or an unusable one) and keeps concurrent requests apart', async () => {
    const answers = await Promise.all(
      ['', 'bad id with spaces', ''].map(async (id) =>
        stack.app.request('/api/customers/nobody-here', {
          headers: { authorization: `Bearer ${stack.key}`, ...(id ? { 'x-request-id': id } : {}) },
        }),
      ),
    );
    const ids = answers.map((r) => r.headers.get('x-request-id')!);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const mine = lines().filter((l) => l.requestId === id);
      expect(mine.map((l) => l.msg)).toEqual(['authenticated', 'request answered']);
      expect(mine[1]).toMatchObject({ route: '/api/customers/:id', res: { status: 404 } });
    }
  });

  it('writes a tracking link’s route pattern, never its token', async () => {
    await stack.app.request('/t/o/not-a-real-token-but-a-secret-one', { headers: { 'x-request-id': 'req-pixel-1' } });
    const [line] = lines().filter((l) => l.requestId === 'req-pixel-1');
    expect(line).toMatchObject({ req: { method: 'GET', path: '/t/o/:token' }, route: '/t/o/:token' });
    expect(written.join('')).not.toContain('a-secret-one');
  });

  it('writes the same lines for a person with LOG_FORMAT=pretty', async () => {
    configureLogging({ level: 'info', format: 'pretty', destination: capture });
    await stack.app.request('/healthz', { headers: { 'x-request-id': 'req-pretty-1' } });
    await stack.app.request('/no/such/route', { headers: { 'x-request-id': 'req-pretty-2' } });
    const text = written.join('');
    // A probe's answer is a debug line: below info, not written.
    expect(text).not.toContain('req-pretty-1');
    expect(text).toMatch(/INFO.*request answered/);
    expect(text).toContain('requestId: "req-pretty-2"');
    expect(text).toContain('route: "unmatched"');
    expect(() => JSON.parse(written[0]!)).toThrow();
  });
});

describe('worker lines', () => {
  it('names the workflow and the activity a line was written in', async () => {
    const customer = uid('ada');
    expect((await stack.api('PUT', `/api/customers/${customer}`, { email: `${customer}@example.com`, name: 'Ada' })).status).toBe(201);
    const signup = await stack.api(
      'POST',
      '/api/events',
      { id: uid('evt'), type: 'user_signup', customerId: customer },
      {
        'x-request-id': 'req-signup-1',
      },
    );
    expect(signup.status).toBe(202);
    const recorded = await waitFor(
      () => lines().find((l) => l.msg === 'message recorded' && l.workflowId === `welcome/${customer}`),
      'the welcome email’s line',
    );
    expect(recorded).toMatchObject({ level: 'debug', activityType: 'sendEmailTouch', channel: 'email', status: 'sent' });
    expect(recorded.activityId).toEqual(expect.any(String));
    // The activity runs on the worker, not in the request that started its journey.
    expect(recorded.requestId).toBeUndefined();
  });
});
