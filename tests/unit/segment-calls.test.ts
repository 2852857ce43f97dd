// Segment calls onto Touchpoint's ingest path (src/events/segment.ts) and the calls' validation
// (src/events/segment.routes.ts). Pure, so no servers; the real client and stack are in
// tests/segment-ingest.test.ts.
import { describe, expect, it } from 'vitest';
import { fieldPath } from '../../src/domain/errors.js';
import type { CustomerPatch } from '../../src/customers/service.js';
import type { EventInput, EventOutcome } from '../../src/events/ingest.js';
import { mapCall, receiveSegmentCalls, traitsToPatch } from '../../src/events/segment.js';
import { batchSchema, identifySchema, trackSchema } from '../../src/events/segment.routes.js';

const firstIssue = (
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } },
  value: unknown,
) => {
  const result = schema.safeParse(value);
  if (result.success) return null;
  const issue = result.error!.issues[0]!;
  return { field: fieldPath(issue.path), message: issue.message };
};

describe('traitsToPatch', () => {
  it('sets the profile fields and keeps every other trait as an attribute', () => {
    expect(
      traitsToPatch({ email: 'ada@example.com', phone: '+4915123456789', name: 'Ada L.', plan: 'pro', logins: 3, gone: null }),
    ).toEqual({ email: 'ada@example.com', phone: '+4915123456789', name: 'Ada L.', attributes: { plan: 'pro', logins: 3, gone: null } });
  });

  it('names the customer from firstName and lastName when no name is given, and keeps both as attributes', () => {
    expect(traitsToPatch({ firstName: 'Ada', lastName: 'Lovelace' })).toEqual({
      name: 'Ada Lovelace',
      attributes: { firstName: 'Ada', lastName: 'Lovelace' },
    });
    expect(traitsToPatch({ firstName: 'Ada' }).name).toBe('Ada');
    expect(traitsToPatch({ name: 'Countess', firstName: 'Ada' }).name).toBe('Countess');
  });

  it("keeps the birthday's date and takes the context's time zone when no trait names one", () => {
    expect(traitsToPatch({ birthday: '1990-05-01T00:00:00.000Z' }, { timezone: 'Europe/Berlin' })).toEqual({
      birthday: '1990-05-01',
      timezone: 'Europe/Berlin',
    });
    expect(traitsToPatch({ timezone: 'Asia/Shanghai' }, { timezone: 'Europe/Berlin' }).timezone).toBe('Asia/Shanghai');
    expect(traitsToPatch({ email: null, birthday: null })).toEqual({ email: null, birthday: null });
    expect(traitsToPatch(undefined)).toEqual({});
  });
});

describe('mapCall', () => {
  it('makes the messageId the event id: identify an `identify` event with a patch, track an event of type `event`', () => {
    const at = '2026-03-01T10:00:00.000Z';
    expect(mapCall({ type: 'identify', userId: 'ada', messageId: 'm1', timestamp: at, traits: { email: 'ada@example.com' } })).toEqual({
      patch: { email: 'ada@example.com' },
      event: { id: 'm1', type: 'identify', customerId: 'ada', timestamp: at },
    });
    expect(mapCall({ type: 'track', userId: 'ada', messageId: 'm2', event: 'user_signup', properties: { plan: 'pro' } })).toEqual({
      event: { id: 'm2', type: 'user_signup', customerId: 'ada', properties: { plan: 'pro' } },
    });
  });

  it("merges the batch's context under the call's own", () => {
    const mapped = mapCall(
      { type: 'identify', userId: 'ada', messageId: 'm', context: { timezone: 'Asia/Tokyo' } },
      { timezone: 'Europe/Paris' },
    );
    expect(mapped).toMatchObject({ patch: { timezone: 'Asia/Tokyo' } });
    expect(mapCall({ type: 'identify', userId: 'ada', messageId: 'm' }, { timezone: 'Europe/Paris' })).toMatchObject({
      patch: { timezone: 'Europe/Paris' },
    });
  });

  it('gives a call without a messageId an id of its own', () => {
    const a = mapCall({ type: 'track', userId: 'ada', event: 'login' });
    const b = mapCall({ type: 'track', userId: 'ada', event: 'login' });
    expect('event' in a && 'event' in b && a.event.id !== b.event.id && a.event.id.length > 0).toBe(true);
  });

  it('refuses a call with only an anonymousId, and the call types it does not take', () => {
    expect(mapCall({ type: 'track', anonymousId: 'anon-1', messageId: 'm', event: 'login' })).toMatchObject({
      id: 'm',
      status: 'refused',
      error: { code: 'user_id_required' },
    });
    expect(mapCall({ type: 'page', messageId: 'p' })).toMatchObject({ id: 'p', status: 'refused', error: { code: 'unsupported_type' } });
  });
});

describe('the calls’ validation', () => {
  it('names the field of a bad call', () => {
    expect(firstIssue(trackSchema, { userId: 'ada' })).toMatchObject({ field: 'event' });
    expect(firstIssue(trackSchema, { userId: 'ada', event: 'Signed Up' })).toMatchObject({ field: 'event' });
    expect(firstIssue(trackSchema, { event: 'login' })).toEqual({ field: 'userId', message: 'userId (or anonymousId) is required' });
    expect(firstIssue(trackSchema, { userId: 'ada', event: 'login', timestamp: 'yesterday' })).toMatchObject({ field: 'timestamp' });
    expect(firstIssue(trackSchema, { userId: 'ada', event: 'cart_abandoned', properties: { cart_id: 'c', items: [] } })).toMatchObject({
      field: 'properties.items',
    });
    expect(firstIssue(identifySchema, { userId: 'ada', traits: { email: 'not-an-email' } })).toMatchObject({ field: 'traits.email' });
    expect(firstIssue(identifySchema, { userId: 'ada', traits: { phone: '555-1234' } })).toMatchObject({ field: 'traits.phone' });
    expect(firstIssue(identifySchema, { userId: 'ada', traits: { birthday: '1990-02-30' } })).toMatchObject({ field: 'traits.birthday' });
    expect(firstIssue(identifySchema, { userId: 'ada', traits: { timezone: 'Mars/Base' } })).toMatchObject({ field: 'traits.timezone' });
    expect(firstIssue(identifySchema, { userId: 'ada', traits: { ['k'.repeat(101)]: 1 } })).toMatchObject({
      field: `traits.${'k'.repeat(101)}`,
    });
    expect(firstIssue(batchSchema, { batch: [] })).toMatchObject({ field: 'batch' });
    expect(firstIssue(batchSchema, { batch: [{ type: 'track', userId: 'a', event: 'login' }, { type: 'nope' }] })).toMatchObject({
      field: 'batch[1].type',
    });
  });

  it("accepts the fields Segment's clients add, and the birthday as a date-time", () => {
    const call = {
      userId: 'ada',
      traits: { birthday: '1990-05-01T00:00:00.000Z' },
      context: { library: { name: '@segment/analytics-node', version: '3' } },
      integrations: {},
      _metadata: { jsRuntime: 'node' },
      writeKey: 'key',
      sentAt: '2026-03-01T10:00:00.000Z',
    };
    expect(identifySchema.safeParse(call).success).toBe(true);
  });
});

describe('receiveSegmentCalls', () => {
  const accepted = (e: EventInput): EventOutcome => ({ id: e.id, status: 'accepted', customerCreated: false, journeys: [] });

  it("writes each identify's profile before any event is ingested, in order per customer, then ingests every event at once", async () => {
    const log: string[] = [];
    const customers = {
      upsert: async (id: string, patch: CustomerPatch) => {
        log.push(`upsert ${id} ${patch.email ?? ''}`);
        return { customer: {} as never, created: id === 'ada' && patch.email === 'a1@example.com' };
      },
    };
    const ingest = async (events: EventInput[]) => {
      log.push(`ingest ${events.map((e) => e.id).join(',')}`);
      return events.map(accepted);
    };
    const results = await receiveSegmentCalls({ customers, ingest }, [
      { type: 'track', userId: 'ada', messageId: 't1', event: 'user_signup' },
      { type: 'identify', userId: 'ada', messageId: 'i1', traits: { email: 'a1@example.com' } },
      { type: 'track', anonymousId: 'x', messageId: 'anon', event: 'login' },
      { type: 'identify', userId: 'ada', messageId: 'i2', traits: { email: 'a2@example.com' } },
    ]);
    expect(log).toEqual(['upsert ada a1@example.com', 'upsert ada a2@example.com', 'ingest t1,i1,i2']);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['t1', 'accepted'],
      ['i1', 'accepted'],
      ['anon', 'refused'],
      ['i2', 'accepted'],
    ]);
    expect(results[1]).toMatchObject({ customerCreated: true });
    expect(results[3]).toMatchObject({ customerCreated: false });
  });

  it('refuses an identify whose customer is erased, and fails on any other upsert error', async () => {
    const { customerErased } = await import('../../src/domain/errors.js');
    const erased = {
      upsert: async (id: string) => {
        throw customerErased(id);
      },
    };
    const ingest = async (events: EventInput[]) => events.map(accepted);
    expect(await receiveSegmentCalls({ customers: erased, ingest }, [{ type: 'identify', userId: 'gone', messageId: 'i' }])).toEqual([
      { id: 'i', status: 'refused', error: { code: 'customer_erased', message: 'customer "gone" was erased' } },
    ]);
    const down = {
      upsert: async () => {
        throw new Error('connection refused');
      },
    };
    await expect(receiveSegmentCalls({ customers: down, ingest }, [{ type: 'identify', userId: 'ada', messageId: 'i' }])).rejects.toThrow(
      'connection refused',
    );
  });
});
