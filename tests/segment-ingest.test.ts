// The Segment-compatible ingest (POST /v1/identify, /v1/track, /v1/batch) through the real stack, with the
// real @segment/analytics-node client posting over HTTP to the app: identify + track reach the welcome
// journey, a messageId is the event id (one idempotency store with POST /api/events), bad calls are 400s
// naming the field, and an erased customer's calls are refused.
import { Analytics } from '@segment/analytics-node';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, events, journeyRuns } from '../src/db/schema.js';
import { statusQuery } from '../src/steps/steps.js';
import { welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { serveApp } from './helpers/serve-app.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { endRun } from './helpers/end-run.js';
import { DEFAULT_WORKSPACE, inWorkspace } from '../src/db/workspace.js';
import { waitFor } from './helpers/wait.js';

/** A workspace's `events:write` key used as the Segment write key (HTTP Basic: the key, an empty password). */
let WRITE_KEY: string;
let basic: { authorization: string };

let stack: Stack;
let server: Awaited<ReturnType<typeof serveApp>> | undefined;
let url: string;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
  const { key } = await inWorkspace(DEFAULT_WORKSPACE, () =>
    stack.services.keys.create({ name: 'segment', scopes: ['events:write'] }, 'test'),
  );
  WRITE_KEY = key;
  basic = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` };
  server = await serveApp(stack.app);
  url = server.url;
});
afterAll(async () => {
  await server?.close();
  await stack?.close();
});

/** The real client pointed at the test server, with every request it made and every status it got. */
function segmentClient(settings: { flushAt?: number } = {}) {
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: url, path: '/v1/batch', maxRetries: 0, ...settings });
  const requests: Array<{ headers: Record<string, string>; body: { batch: Array<Record<string, unknown>> } }> = [];
  const statuses: number[] = [];
  analytics.on('http_request', (r) => requests.push({ headers: r.headers, body: JSON.parse(r.body) }));
  analytics.on('http_response', (r) => statuses.push(r.status));
  return { analytics, requests, statuses };
}

/** Resolves once the client has delivered the call (a failed delivery rejects). */
const delivered = (send: (callback: (err?: unknown) => void) => void) =>
  new Promise<void>((resolve, reject) => send((err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())));

const mailTo = (email: string) => stack.mail.list().filter((m) => m.to.includes(email));
const eventRows = (ids: string[]) => stack.database.db.select().from(events).where(inArray(events.id, ids));
const customerRow = async (id: string) => (await stack.database.db.select().from(customers).where(eq(customers.id, id)))[0];
const post = (path: string, body: unknown) => stack.api('POST', path, body, basic);

/** The welcome run asleep before its guide: the welcome email's step is done. */
const waitForGuide = (handle: WorkflowHandle) =>
  waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.currentStep === 'guide' && s.nextWakeUp ? s : null;
  }, 'the welcome run to wait for its guide');

describe('Segment ingest with @segment/analytics-node', () => {
  it('identify + track user_signup in one batch: the profile is written and the welcome email arrives', async () => {
    const userId = uid('seg');
    const email = `${userId}@example.com`;
    const { analytics, requests, statuses } = segmentClient({ flushAt: 20 });
    analytics.identify({
      userId,
      traits: { email, firstName: 'Ada', lastName: 'Lovelace', plan: 'pro', birthday: new Date('1990-05-01T00:00:00Z') },
      context: { timezone: 'Europe/Berlin' },
    });
    analytics.track({ userId, event: 'user_signup', properties: { source: 'web' } });
    await analytics.closeAndFlush();

    // One batch request, authenticated with the write key as Segment's clients send it.
    expect(statuses).toEqual([200]);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers.Authorization).toBe(basic.authorization);
    const [identify, track] = requests[0]!.body.batch;

    const welcome = await stack.mail.waitFor((m) => m.to.includes(email));
    expect(welcome.subject).toBe('Welcome to Touchpoint, Ada Lovelace!');
    expect(await customerRow(userId)).toMatchObject({
      email,
      name: 'Ada Lovelace',
      birthday: '1990-05-01',
      timezone: 'Europe/Berlin',
      attributes: { firstName: 'Ada', lastName: 'Lovelace', plan: 'pro' },
    });
    // Each call's messageId is its stored event id.
    const rows = await eventRows([identify!.messageId as string, track!.messageId as string]);
    expect(rows.map((r) => [r.id, r.type, r.customerId]).sort()).toEqual(
      [
        [identify!.messageId, 'identify', userId],
        [track!.messageId, 'user_signup', userId],
      ].sort(),
    );
    expect(rows.find((r) => r.type === 'user_signup')!.properties).toEqual({ source: 'web' });
    await endRun(stack.client.workflow.getHandle(welcomeWorkflowId(userId)));
  });

  it('the same messageId twice is one event: one journey, one email', async () => {
    const userId = uid('seg');
    const email = `${userId}@example.com`;
    const messageId = uid('msg');
    const { analytics, statuses } = segmentClient({ flushAt: 1 });
    await delivered((cb) => analytics.identify({ userId, traits: { email, name: 'Grace' } }, cb));
    await delivered((cb) => analytics.track({ userId, event: 'user_signup', messageId }, cb));
    await delivered((cb) => analytics.track({ userId, event: 'user_signup', messageId }, cb));
    await analytics.closeAndFlush();
    expect(statuses).toEqual([200, 200, 200]);

    const handle = stack.client.workflow.getHandle(welcomeWorkflowId(userId));
    await stack.mail.waitFor((m) => m.to.includes(email));
    await waitForGuide(handle);
    expect(mailTo(email)).toHaveLength(1);
    // Both tracks carried the one messageId: one user_signup stored.
    const signups = await stack.database.db.select().from(events).where(eq(events.customerId, userId));
    expect(signups.filter((e) => e.type === 'user_signup').map((e) => e.id)).toEqual([messageId]);
    const runs = await stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, userId));
    expect(runs.map((r) => r.workflowId)).toEqual([welcomeWorkflowId(userId)]);

    // The Segment messageId and a POST /api/events id are one idempotency store.
    const again = await post('/v1/track', { userId, event: 'user_signup', messageId });
    expect(again).toMatchObject({ status: 200, body: { success: true, results: [{ id: messageId, status: 'duplicate' }] } });
    const viaEvents = await stack.api('POST', '/api/events', { id: messageId, type: 'user_signup', customerId: userId });
    expect(viaEvents.body.results).toEqual([{ id: messageId, status: 'duplicate' }]);
    expect(mailTo(email)).toHaveLength(1);
    await endRun(handle);
  });
});

describe('POST /v1/identify and /v1/track', () => {
  it('answers Segment’s 200 { success: true } with the outcome, and identify creates the customer', async () => {
    const userId = uid('seg');
    const identify = await post('/v1/identify', {
      userId,
      messageId: uid('msg'),
      traits: { email: `${userId}@example.com`, phone: '+4915123456789', vip: true },
    });
    expect(identify).toMatchObject({ status: 200, body: { success: true, results: [{ status: 'accepted', customerCreated: true }] } });
    const profile = await stack.api('GET', `/api/customers/${userId}`);
    expect(profile.body.customer).toMatchObject({ email: `${userId}@example.com`, phone: '+4915123456789', attributes: { vip: true } });

    // Traits left out are kept; a null trait clears it.
    expect((await post('/v1/identify', { userId, traits: { phone: null, vip: null } })).status).toBe(200);
    expect(await customerRow(userId)).toMatchObject({ email: `${userId}@example.com`, phone: null, attributes: {} });

    const track = await post('/v1/track', { userId, event: 'login', timestamp: '2026-03-01T10:00:00.000Z' });
    expect(track).toMatchObject({ status: 200, body: { success: true, results: [{ status: 'accepted', journeys: [] }] } });
    const [row] = await eventRows([track.body.results[0].id]);
    expect(row).toMatchObject({ type: 'login', customerId: userId, occurredAt: new Date('2026-03-01T10:00:00.000Z') });
  });

  it('refuses bad calls with a 400 naming the field, and stores nothing', async () => {
    const userId = uid('seg');
    const cases: Array<[string, unknown, string, string]> = [
      ['/v1/track', { userId }, 'validation_error', 'event'],
      ['/v1/track', { userId, event: 'Signed Up' }, 'validation_error', 'event'],
      ['/v1/track', { event: 'login' }, 'validation_error', 'userId'],
      ['/v1/track', { userId, event: 'login', timestamp: '2015-2-02T00:30:08.276Z' }, 'validation_error', 'timestamp'],
      ['/v1/track', { userId, event: 'cart_abandoned', properties: { cart_id: 'c', items: [] } }, 'validation_error', 'properties.items'],
      ['/v1/track', { userId: 42, event: 'login' }, 'validation_error', 'userId'],
      ['/v1/identify', { userId, traits: { email: 'not-an-email' } }, 'validation_error', 'traits.email'],
      ['/v1/identify', { userId, traits: { phone: '555-1234' } }, 'validation_error', 'traits.phone'],
      ['/v1/identify', { userId, traits: { birthday: '1990-02-30' } }, 'validation_error', 'traits.birthday'],
      ['/v1/identify', { userId, traits: { timezone: 'Mars/Base' } }, 'validation_error', 'traits.timezone'],
      // Journeys need a known customer: a call with only an anonymousId is refused.
      ['/v1/track', { anonymousId: 'anon-1', event: 'login' }, 'user_id_required', 'userId'],
      ['/v1/identify', { anonymousId: 'anon-1', traits: { email: 'a@example.com' } }, 'user_id_required', 'userId'],
    ];
    for (const [path, body, code, field] of cases) {
      const res = await post(path, body);
      expect({ path, body, status: res.status, error: res.body.error }).toMatchObject({ status: 400, error: { code, field } });
      expect(res.body.error.message).toContain(field);
    }
    expect(await customerRow(userId)).toBeUndefined();

    expect((await stack.api('POST', '/v1/track', 'not json', { ...basic, 'content-type': 'application/json' })).body.error.code).toBe(
      'invalid_json',
    );
    const text = await stack.app.request('/v1/track', { method: 'POST', headers: { ...basic, 'content-type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
    const big = await post('/v1/track', { userId, event: 'login', properties: { blob: 'x'.repeat(33 * 1024) } });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
  });
});

describe('POST /v1/batch', () => {
  it('checks every call before taking any: one bad call is a 400 naming batch[i], nothing is stored', async () => {
    const userId = uid('seg');
    const good = { type: 'identify', userId, messageId: uid('msg'), traits: { email: `${userId}@example.com` } };
    const cases: Array<[unknown, string]> = [
      [{ batch: [good, { type: 'track', userId, messageId: uid('msg') }] }, 'batch[1].event'],
      [{ batch: [good, { type: 'signup', userId }] }, 'batch[1].type'],
      [{ batch: [good, { userId, event: 'login' }] }, 'batch[1].type'],
      [{ batch: [good, { type: 'identify', userId, traits: { email: 'x' } }] }, 'batch[1].traits.email'],
      [{ batch: [] }, 'batch'],
      [{}, 'batch'],
      [{ batch: 'all of them' }, 'batch'],
    ];
    for (const [body, field] of cases) {
      const res = await post('/v1/batch', body);
      expect({ field, status: res.status, error: res.body.error }).toMatchObject({
        status: 400,
        error: { code: 'validation_error', field },
      });
    }
    expect(await eventRows([good.messageId])).toEqual([]);
    expect(await customerRow(userId)).toBeUndefined();
  });

  it("keeps to Segment's limits: 32 KB a call and 500 KB a batch", async () => {
    const userId = uid('seg');
    const call = (blob: number) => ({
      type: 'track',
      userId,
      event: 'login',
      messageId: uid('msg'),
      properties: { blob: 'x'.repeat(blob) },
    });
    const oneTooBig = await post('/v1/batch', { batch: [call(10), call(33 * 1024)] });
    expect(oneTooBig).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large', field: 'batch[1]' } } });
    const tooMuch = await post('/v1/batch', { batch: Array.from({ length: 20 }, () => call(30 * 1024)) });
    expect(tooMuch).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    const fits = await post('/v1/batch', { batch: Array.from({ length: 15 }, () => call(30 * 1024)) });
    expect(fits.status).toBe(200);
    expect(fits.body.results.map((r: { status: string }) => r.status)).toEqual(Array(15).fill('accepted'));
  });

  it('answers per call: anonymous-only calls and page/screen/group/alias are refused beside the accepted ones', async () => {
    const userId = uid('seg');
    const ids = [uid('msg'), uid('msg'), uid('msg'), uid('msg')];
    const res = await post('/v1/batch', {
      batch: [
        { type: 'track', userId, event: 'login', messageId: ids[0] },
        { type: 'track', anonymousId: 'anon-7', event: 'login', messageId: ids[1] },
        { type: 'page', userId, name: 'Home', messageId: ids[2] },
        { type: 'identify', userId, messageId: ids[3], traits: { plan: 'basic' } },
      ],
      context: { timezone: 'Asia/Shanghai' },
    });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.results.map((r: { id: string; status: string; error?: { code: string } }) => [r.id, r.status, r.error?.code])).toEqual([
      [ids[0], 'accepted', undefined],
      [ids[1], 'refused', 'user_id_required'],
      [ids[2], 'refused', 'unsupported_type'],
      [ids[3], 'accepted', undefined],
    ]);
    expect((await eventRows(ids)).map((r) => r.id).sort()).toEqual([ids[0], ids[3]].sort());
    // The batch's context reaches its calls.
    expect(await customerRow(userId)).toMatchObject({ timezone: 'Asia/Shanghai', attributes: { plan: 'basic' } });
  });
});

describe('Segment calls for an erased customer', () => {
  it('are refused: 410 customer_erased alone, `refused` in a batch, and create nothing', async () => {
    const gone = uid('gone');
    expect((await post('/v1/identify', { userId: gone, traits: { email: `${gone}@example.com` } })).status).toBe(200);
    expect((await stack.api('DELETE', `/api/customers/${gone}`)).status).toBe(200);

    const trackId = uid('msg');
    const track = await post('/v1/track', { userId: gone, event: 'user_signup', messageId: trackId });
    expect(track).toMatchObject({ status: 410, body: { error: { code: 'customer_erased', field: 'userId' } } });
    const identify = await post('/v1/identify', { userId: gone, traits: { email: `${gone}@example.com` } });
    expect(identify).toMatchObject({ status: 410, body: { error: { code: 'customer_erased' } } });
    expect(await customerRow(gone)).toMatchObject({ email: null });

    // In a batch, each erased customer's call is refused beside the others' outcomes.
    const live = uid('seg');
    const batchIds = [uid('msg'), uid('msg'), uid('msg')];
    const res = await post('/v1/batch', {
      batch: [
        { type: 'identify', userId: gone, messageId: batchIds[0], traits: { name: 'Back?' } },
        { type: 'track', userId: gone, event: 'user_signup', messageId: batchIds[1] },
        { type: 'track', userId: live, event: 'login', messageId: batchIds[2] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string; error?: { code: string } }) => [r.status, r.error?.code])).toEqual([
      ['refused', 'customer_erased'],
      ['refused', 'customer_erased'],
      ['accepted', undefined],
    ]);
    // Through the real client: delivered (a 200, so it does not retry), and nothing stored.
    const { analytics, statuses } = segmentClient({ flushAt: 1 });
    const clientId = uid('msg');
    await delivered((cb) => analytics.track({ userId: gone, event: 'user_signup', messageId: clientId }, cb));
    await analytics.closeAndFlush();
    expect(statuses).toEqual([200]);

    expect((await eventRows([trackId, clientId, ...batchIds])).map((r) => r.id)).toEqual([batchIds[2]]);
    expect(await stack.database.db.select().from(journeyRuns).where(eq(journeyRuns.customerId, gone))).toEqual([]);
    await expect(stack.client.workflow.getHandle(welcomeWorkflowId(gone)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await customerRow(gone)).toMatchObject({ name: null, email: null });
  });
});

describe('the OpenAPI document', () => {
  it('describes the Segment routes', async () => {
    const doc = await stack.api('GET', '/openapi.json');
    for (const path of ['/v1/identify', '/v1/track', '/v1/batch']) {
      expect(doc.body.paths[path]?.post?.responses).toHaveProperty('200');
      expect(doc.body.paths[path]?.post?.responses).toHaveProperty('400');
    }
    expect(doc.body.components.schemas).toHaveProperty('SegmentBatch');
  });
});
