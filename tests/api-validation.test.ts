// The API's contract at its edges, through the real stack: every bad input gets its 4xx with
// `{ error: { code, message, field? } }` and writes nothing; the good paths answer as documented.
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, events } from '../src/db/schema.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true });
});
afterAll(async () => {
  await stack?.close();
});

const storedEvents = (ids: string[]) => stack.database.db.select({ id: events.id }).from(events).where(inArray(events.id, ids));
const storedCustomers = (ids: string[]) => stack.database.db.select({ id: customers.id }).from(customers).where(inArray(customers.id, ids));

/** Nothing at all was written for these ids. */
async function expectNothingStored({ eventIds = [], customerIds = [] }: { eventIds?: string[]; customerIds?: string[] }) {
  if (eventIds.length) expect(await storedEvents(eventIds)).toEqual([]);
  if (customerIds.length) expect(await storedCustomers(customerIds)).toEqual([]);
}

/** The error body's shape: exactly code, message and (when given) field. */
function expectError(res: { status: number; body: any }, status: number, code: string, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(0);
  // Only validation errors name a field.
  if (field !== undefined) expect(res.body.error.field).toBe(field);
  else if (status !== 422) expect(res.body.error).not.toHaveProperty('field');
  expect(Object.keys(res.body.error).every((k) => ['code', 'message', 'field'].includes(k))).toBe(true);
}

const event = (overrides: Record<string, unknown> = {}) => ({
  id: uid('evt'),
  type: 'page_viewed',
  customerId: uid('cust'),
  ...overrides,
});

describe('POST /api/events rejects bad input and stores nothing', () => {
  it('415 unsupported_media_type for a text/plain body', async () => {
    const e = event();
    const res = await stack.api('POST', '/api/events', JSON.stringify(e), { 'content-type': 'text/plain' });
    expectError(res, 415, 'unsupported_media_type');
    expect(res.body.error.message).toContain('text/plain');
    await expectNothingStored({ eventIds: [e.id], customerIds: [e.customerId] });
  });

  it('400 invalid_json for malformed JSON', async () => {
    const id = uid('evt');
    const customerId = uid('cust');
    const res = await stack.api('POST', '/api/events', `{"id":"${id}","type":"page_viewed","customerId":"${customerId}"`);
    expectError(res, 400, 'invalid_json');
    await expectNothingStored({ eventIds: [id], customerIds: [customerId] });
  });

  it('413 batch_too_large for 1001 events', async () => {
    const customerId = uid('cust');
    const batch = Array.from({ length: 1001 }, () => event({ customerId }));
    const res = await stack.api('POST', '/api/events', batch);
    expectError(res, 413, 'batch_too_large');
    expect(res.body.error.message).toContain('1001');
    await expectNothingStored({ eventIds: batch.map((e) => e.id), customerIds: [customerId] });
  });

  it('accepts exactly 1000 events (the limit is inclusive)', async () => {
    const customerId = uid('cust');
    const batch = Array.from({ length: 1000 }, () => event({ customerId }));
    const res = await stack.api('POST', '/api/events', batch);
    expect(res.status).toBe(202);
    expect(res.body.results).toHaveLength(1000);
    expect((await storedEvents(batch.map((e) => e.id))).length).toBe(1000);
  });

  it('413 payload_too_large for a body over 5 MiB', async () => {
    const customerId = uid('cust');
    const batch = Array.from({ length: 3 }, () => event({ customerId, properties: { blob: 'x'.repeat(2 * 1024 * 1024) } }));
    const body = JSON.stringify(batch);
    expect(Buffer.byteLength(body)).toBeGreaterThan(5 * 1024 * 1024);
    const res = await stack.api('POST', '/api/events', body);
    expectError(res, 413, 'payload_too_large');
    await expectNothingStored({ eventIds: batch.map((e) => e.id), customerIds: [customerId] });
  });

  it('413 payload_too_large from a declared Content-Length over 5 MiB', async () => {
    const e = event();
    const res = await stack.api('POST', '/api/events', e, { 'content-length': String(5 * 1024 * 1024 + 1) });
    expectError(res, 413, 'payload_too_large');
    await expectNothingStored({ eventIds: [e.id], customerIds: [e.customerId] });
  });

  it('422 for an empty array', async () => {
    const res = await stack.api('POST', '/api/events', []);
    expectError(res, 422, 'validation_error', 'body');
  });

  it('422 field `type` when type is missing', async () => {
    const { type: _, ...e } = event();
    const res = await stack.api('POST', '/api/events', e);
    expectError(res, 422, 'validation_error', 'type');
    await expectNothingStored({ eventIds: [e.id], customerIds: [e.customerId] });
  });

  it('422 field `type` when type has uppercase letters', async () => {
    const e = event({ type: 'User_Signup' });
    const res = await stack.api('POST', '/api/events', e);
    expectError(res, 422, 'validation_error', 'type');
    await expectNothingStored({ eventIds: [e.id], customerIds: [e.customerId] });
  });

  it('422 naming an unknown extra field', async () => {
    const e = event({ userId: 'u1' });
    const res = await stack.api('POST', '/api/events', e);
    expectError(res, 422, 'validation_error', 'userId');
    expect(res.body.error.message).toContain('userId');
    await expectNothingStored({ eventIds: [e.id], customerIds: [e.customerId] });
  });

  it('422 field `timestamp` for a timestamp that is not ISO 8601', async () => {
    const e = event({ timestamp: 'yesterday' });
    const res = await stack.api('POST', '/api/events', e);
    expectError(res, 422, 'validation_error', 'timestamp');
    await expectNothingStored({ eventIds: [e.id], customerIds: [e.customerId] });
  });

  it('422 field `properties` when properties is not an object', async () => {
    for (const properties of ['plan=pro', ['pro'], 42]) {
      const e = event({ properties });
      const res = await stack.api('POST', '/api/events', e);
      expectError(res, 422, 'validation_error', 'properties');
      await expectNothingStored({ eventIds: [e.id], customerIds: [e.customerId] });
    }
  });

  it('422 `[2].customerId` for a batch whose third event has no customerId, storing none of the three', async () => {
    const valid = [event(), event()];
    const { customerId: _, ...third } = event();
    const res = await stack.api('POST', '/api/events', [...valid, third]);
    expectError(res, 422, 'validation_error', '[2].customerId');
    await expectNothingStored({
      eventIds: [...valid.map((e) => e.id), third.id],
      customerIds: valid.map((e) => e.customerId),
    });
  });

  it('names the index of a bad event in a batch ([1].type)', async () => {
    const batch = [event(), event({ type: '' }), event()];
    const res = await stack.api('POST', '/api/events', batch);
    expectError(res, 422, 'validation_error', '[1].type');
    await expectNothingStored({ eventIds: batch.map((e) => e.id), customerIds: batch.map((e) => e.customerId) });
  });
});

describe('PUT /api/customers/:id rejects bad input and creates no customer', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['a bad email', { email: 'not-an-email' }, 'email'],
    ['birthday 2023-02-29 (not a date)', { birthday: '2023-02-29' }, 'birthday'],
    ['a birthday in the future', { birthday: `${new Date().getUTCFullYear() + 1}-01-01` }, 'birthday'],
    ['birthday not YYYY-MM-DD', { birthday: '01/02/1990' }, 'birthday'],
    ['timezone Mars/Olympus', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['a phone number not in E.164', { phone: '0151 2345678' }, 'phone'],
    ['an unknown field', { nickname: 'Ada' }, 'nickname'],
    ['a tag with a space', { tags: ['vip', 'big spender'] }, 'tags[1]'],
  ];
  for (const [what, body, field] of cases) {
    it(`422 for ${what}`, async () => {
      const id = uid('cust');
      const res = await stack.api('PUT', `/api/customers/${id}`, body);
      expectError(res, 422, 'validation_error', field);
      await expectNothingStored({ customerIds: [id] });
    });
  }

  it('422 for consent on an unknown channel', async () => {
    const id = uid('cust');
    const res = await stack.api('PUT', `/api/customers/${id}`, { consent: { email: true, carrier_pigeon: false } });
    expectError(res, 422, 'validation_error', 'consent.carrier_pigeon');
    await expectNothingStored({ customerIds: [id] });
  });

  it('415 for a text/plain body', async () => {
    const id = uid('cust');
    const res = await stack.api('PUT', `/api/customers/${id}`, JSON.stringify({ name: 'Ada' }), { 'content-type': 'text/plain' });
    expectError(res, 415, 'unsupported_media_type');
    await expectNothingStored({ customerIds: [id] });
  });

  it('400 for malformed JSON', async () => {
    const id = uid('cust');
    const res = await stack.api('PUT', `/api/customers/${id}`, '{"name": ');
    expectError(res, 400, 'invalid_json');
    await expectNothingStored({ customerIds: [id] });
  });
});

describe('routes whose body is optional refuse one that does not parse', () => {
  it('POST …/trigger with malformed JSON → 400 invalid_json, and no execution starts', async () => {
    const created = await stack.api('POST', '/api/marketing/campaigns', {
      name: 'malformed trigger',
      type: 'email',
      target_tags: [uid('tag')],
      content: { subject: 'Hi', text: 'Hello' },
    });
    expect(created.status).toBe(201);
    const res = await stack.api('POST', `/api/marketing/campaigns/${created.body.id}/trigger`, '{"execution_type": ');
    expectError(res, 400, 'invalid_json');
    const campaign = await stack.api('GET', `/api/marketing/campaigns/${created.body.id}`);
    expect(campaign.body.execution_id).toBeNull();
  });
});

describe('unknown things', () => {
  it('GET an unknown customer → 404 customer_not_found', async () => {
    const id = uid('nobody');
    const res = await stack.api('GET', `/api/customers/${id}`);
    expectError(res, 404, 'customer_not_found');
    expect(res.body.error.message).toContain(id);
  });

  it('DELETE an unknown customer → 404 customer_not_found, and creates nothing', async () => {
    const id = uid('nobody');
    const res = await stack.api('DELETE', `/api/customers/${id}`);
    expectError(res, 404, 'customer_not_found');
    await expectNothingStored({ customerIds: [id] });
  });

  it('an unknown route → 404 JSON not_found', async () => {
    const res = await stack.api('GET', '/api/nothing-here');
    expectError(res, 404, 'not_found');
    expect(res.body.error.message).toContain('/api/nothing-here');
  });

  it('PUT on an erased customer → 410 customer_erased, and the profile stays erased', async () => {
    const id = uid('cust');
    expect((await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com`, name: 'Ada' })).status).toBe(201);
    const del = await stack.api('DELETE', `/api/customers/${id}`);
    expect(del).toEqual({ status: 200, body: { erased: true, journeysEnded: 0 } });

    const res = await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com`, name: 'Ada again' });
    expectError(res, 410, 'customer_erased');
    const [row] = await stack.database.db.select().from(customers).where(eq(customers.id, id));
    expect(row).toMatchObject({ email: null, name: null });
    expect(row!.erasedAt).toBeInstanceOf(Date);
    expectError(await stack.api('GET', `/api/customers/${id}`), 410, 'customer_erased');
  });
});

describe('good paths', () => {
  it('PUT creates (201), then updates (200): attributes merged, null removes, consent merged, tags replaced', async () => {
    const id = uid('cust');
    const created = await stack.api('PUT', `/api/customers/${id}`, {
      email: `${id}@example.com`,
      name: 'Ada',
      birthday: '1990-12-10',
      timezone: 'Europe/Berlin',
      phone: '+4915123456789',
      attributes: { plan: 'free', seats: 1 },
      tags: ['trial', 'newsletter'],
      consent: { sms: false },
    });
    expect(created.status).toBe(201);
    expect(created.body.customer).toMatchObject({
      id,
      email: `${id}@example.com`,
      name: 'Ada',
      birthday: '1990-12-10',
      timezone: 'Europe/Berlin',
      phone: '+4915123456789',
      attributes: { plan: 'free', seats: 1 },
      tags: ['trial', 'newsletter'],
      consent: { email: true, sms: false, push: true, webhook: true },
    });

    const updated = await stack.api('PUT', `/api/customers/${id}`, {
      name: 'Ada Lovelace',
      attributes: { plan: 'pro', seats: null, company: 'Analytical Engines' },
      tags: ['customer'],
      consent: { push: false },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.customer).toMatchObject({
      id,
      email: `${id}@example.com`,
      name: 'Ada Lovelace',
      birthday: '1990-12-10',
      timezone: 'Europe/Berlin',
      tags: ['customer'],
      consent: { email: true, sms: false, push: false, webhook: true },
    });
    expect(updated.body.customer.attributes).toEqual({ plan: 'pro', company: 'Analytical Engines' });
    expect(Date.parse(updated.body.customer.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.customer.updatedAt));

    const [row] = await stack.database.db.select().from(customers).where(eq(customers.id, id));
    expect(row).toMatchObject({
      name: 'Ada Lovelace',
      attributes: { plan: 'pro', company: 'Analytical Engines' },
      tags: ['customer'],
      consent: { sms: false, push: false },
    });

    const fetched = await stack.api('GET', `/api/customers/${id}`);
    expect(fetched.status).toBe(200);
    // A customer with a birthday has a birthday journey.
    expect(fetched.body).toEqual({
      customer: updated.body.customer,
      journeys: [expect.objectContaining({ journey: 'birthday', workflowId: `birthday/${id}` })],
      // Never refreshed: tier, points and manual tags only.
      insights: expect.objectContaining({ tier: 'new', points: 0, tags: [{ tag: 'customer', kind: 'manual' }], behaviour: null }),
    });

    // Explicit null clears a field; an empty patch changes nothing.
    const cleared = await stack.api('PUT', `/api/customers/${id}`, { phone: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.customer.phone).toBeNull();
    expect(cleared.body.customer.email).toBe(`${id}@example.com`);
  });

  it('POST /api/events with a valid event stores it and creates the customer', async () => {
    const e = event({ timestamp: '2024-05-01T12:00:00+02:00', properties: { path: '/pricing' } });
    const res = await stack.api('POST', '/api/events', e);
    expect(res.status).toBe(202);
    expect(res.body.results).toEqual([{ id: e.id, status: 'accepted', customerCreated: true, journeys: [] }]);
    const [row] = await stack.database.db.select().from(events).where(eq(events.id, e.id));
    expect(row).toMatchObject({ type: 'page_viewed', customerId: e.customerId, properties: { path: '/pricing' } });
    expect(row!.occurredAt.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    // Marked dispatched right after the answer (the mark rides on the next batch, or is written on its own).
    await waitFor(
      async () => (await stack.database.db.select().from(events).where(eq(events.id, e.id)))[0]?.dispatchedAt,
      'the dispatch mark',
    );
    expect(await storedCustomers([e.customerId])).toEqual([{ id: e.customerId }]);
  });

  it('/healthz → 200 ok', async () => {
    expect(await stack.api('GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('/readyz → 200 with database and temporal ok', async () => {
    expect(await stack.api('GET', '/readyz')).toEqual({
      status: 200,
      body: { status: 'ok', checks: { database: 'ok', temporal: 'ok' } },
    });
  });

  it('GET /openapi.json describes the events and customers paths', async () => {
    const res = await stack.api('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/events', '/api/customers/{id}']));
    expect(Object.keys(res.body.paths['/api/customers/{id}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(res.body.paths['/api/events'].post.responses).toHaveProperty('422');
  });

  it('GET /docs → HTML 200', async () => {
    const res = await stack.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('SwaggerUIBundle');
    expect(html).toContain('/openapi.json');
    const js = await stack.app.request('/docs/swagger-ui-bundle.js');
    expect(js.status).toBe(200);
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });
});
