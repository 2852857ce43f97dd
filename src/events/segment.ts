// Segment calls onto Touchpoint's own ingest path: an identify is the customer upsert of PUT
// /api/customers/:id plus an `identify` event, a track an event of type `event`, and both events go through
// the same ingestion as POST /api/events (one idempotency store: a messageId is the event id; the same
// journeys). Segment's spec lets a call name only an anonymousId; Touchpoint refuses those, since journeys
// start for a known customer and nothing here would later join an anonymous id to one.
import { randomUUID } from 'node:crypto';
import type { CustomerPatch, CustomerService } from '../customers/service.js';
import { customerErased, DomainError } from '../domain/errors.js';
import type { EventInput, EventOutcome } from './ingest.js';
import type { SegmentCall, SegmentContext } from './segment.routes.js';

/** A call Touchpoint does not act on, answered per call (a single call answers its status instead). */
export type SegmentRefusal = {
  id: string;
  status: 'refused';
  error: { code: 'customer_erased' | 'user_id_required' | 'unsupported_type'; message: string };
};

export type SegmentOutcome = EventOutcome | SegmentRefusal;

/** What one call becomes: the profile change it makes (identify) and the event it stores, or a refusal. */
export type MappedCall = { patch?: CustomerPatch; event: EventInput } | SegmentRefusal;

type Traits = Extract<SegmentCall, { type: 'identify' }>['traits'];

/**
 * A profile patch from identify's traits: email, phone, name (else firstName + lastName), birthday (its
 * date) and timezone (else the context's) set the profile; every other trait is an attribute, firstName and
 * lastName too (for templates that greet by first name).
 */
export function traitsToPatch(traits: Traits = {}, context?: SegmentContext): CustomerPatch {
  const { email, phone, name, birthday, timezone, ...attributes } = traits;
  const patch: CustomerPatch = {};
  if (email !== undefined) patch.email = email;
  if (phone !== undefined) patch.phone = phone;
  const fullName = [attributes.firstName, attributes.lastName].filter(Boolean).join(' ');
  if (name !== undefined) patch.name = name;
  else if (fullName) patch.name = fullName;
  if (birthday !== undefined) patch.birthday = birthday === null ? null : birthday.slice(0, 10);
  const zone = timezone !== undefined ? timezone : context?.timezone;
  if (zone !== undefined) patch.timezone = zone;
  if (Object.keys(attributes).length) patch.attributes = attributes;
  return patch;
}

/** One call onto the ingest path (pure): `batchContext` is merged under the call's own context. */
export function mapCall(call: SegmentCall, batchContext?: SegmentContext): MappedCall {
  const id = call.messageId ?? randomUUID();
  if (call.type !== 'identify' && call.type !== 'track') {
    return refusal(id, 'unsupported_type', `Touchpoint takes identify and track calls; a ${call.type} call is not stored`);
  }
  if (!call.userId) {
    return refusal(id, 'user_id_required', 'userId: a call with only an anonymousId is not stored (journeys need a known customer)');
  }
  const timestamp = call.timestamp ? { timestamp: call.timestamp } : {};
  if (call.type === 'identify') {
    const context = { ...batchContext, ...call.context };
    return { patch: traitsToPatch(call.traits, context), event: { id, type: 'identify', customerId: call.userId, ...timestamp } };
  }
  return { event: { id, type: call.event, customerId: call.userId, ...timestamp, properties: call.properties ?? {} } };
}

const refusal = (id: string, code: SegmentRefusal['error']['code'], message: string): SegmentRefusal => ({
  id,
  status: 'refused',
  error: { code, message },
});

/**
 * Takes a batch of calls: every identify's upsert first (in order for each customer, so a profile is
 * written before the journeys its events start read it), then all the calls' events in one ingestion.
 * An upsert refused for an erased customer refuses its call; any other failure fails the whole request
 * (the producer's retry repeats it: upserts set the same values again, stored events are duplicates).
 */
export async function receiveSegmentCalls(
  deps: { customers: Pick<CustomerService, 'upsert'>; ingest: (events: EventInput[]) => Promise<EventOutcome[]> },
  calls: SegmentCall[],
  batchContext?: SegmentContext,
): Promise<SegmentOutcome[]> {
  const mapped: MappedCall[] = calls.map((call) => mapCall(call, batchContext));
  const created = new Set<number>();

  const byCustomer = new Map<string, number[]>();
  mapped.forEach((m, i) => {
    if ('patch' in m && m.patch) byCustomer.set(m.event.customerId, [...(byCustomer.get(m.event.customerId) ?? []), i]);
  });
  await Promise.all(
    [...byCustomer].map(async ([customerId, positions]) => {
      for (const i of positions) {
        const m = mapped[i] as { patch: CustomerPatch; event: EventInput };
        try {
          if ((await deps.customers.upsert(customerId, m.patch)).created) created.add(i);
        } catch (err) {
          if (!(err instanceof DomainError && err.code === 'customer_erased')) throw err;
          mapped[i] = refusal(m.event.id, 'customer_erased', customerErased(customerId).message);
        }
      }
    }),
  );

  const events = mapped.flatMap((m) => ('event' in m ? [m.event] : []));
  const outcomes = events.length ? await deps.ingest(events) : [];
  let next = 0;
  return mapped.map((m, i) => {
    if (!('event' in m)) return m;
    const outcome = outcomes[next++]!;
    // The upsert, not the event, created an identified customer.
    return outcome.status === 'accepted' && created.has(i) ? { ...outcome, customerCreated: true } : outcome;
  });
}
