// The manual suppression list through the real stack: added, listed and removed over the API, and held by
// every send (journeys, campaigns and flows, email and SMS).
import { describe, expect, it } from 'vitest';
import { useFeedbackStack } from './helpers/feedback.js';
import { uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const feedback = useFeedbackStack();
const { messageRows, suppressionOf, mailTo, customer, broadcast } = feedback;

describe('the manual suppression list', () => {
  it('adds, lists and removes addresses, refusing bad input', async () => {
    const { id, email, address, tag } = await customer();
    const added = await feedback.stack.api('POST', '/api/suppressions', { channel: 'email', address: `  ${email} ` });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ channel: 'email', address, reason: 'manual', source: 'api', message_id: null });
    const again = await feedback.stack.api('POST', '/api/suppressions', { channel: 'email', address: email.toUpperCase() });
    expect([again.status, again.body.created_at]).toEqual([200, added.body.created_at]);

    const listed = await feedback.stack.api('GET', `/api/suppressions?channel=email&address=${encodeURIComponent(id)}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ suppressions: [added.body], pagination: { total: 1, page: 1, page_size: 50 } });

    const bad: Array<[unknown, string]> = [
      [{ channel: 'push', address: email }, 'channel'],
      [{ channel: 'email', address: 'nobody' }, 'address'],
      [{ channel: 'sms', address: '0170 1234567' }, 'address'],
      [{ channel: 'email', address: email, reason: 'x' }, 'reason'],
    ];
    for (const [body, field] of bad) {
      const res = await feedback.stack.api('POST', '/api/suppressions', body);
      expect([body, res.status, res.body.error.code, res.body.error.field]).toEqual([body, 422, 'validation_error', field]);
    }
    expect((await feedback.stack.api('GET', '/api/suppressions?page_size=0')).body.error.code).toBe('invalid_query');
    expect((await feedback.stack.api('DELETE', `/api/suppressions/fax/${encodeURIComponent(email)}`)).status).toBe(422);

    // While listed, a campaign skips the customer.
    expect((await broadcast(tag)).done.reasons).toEqual({ suppressed: 1 });

    expect((await feedback.stack.api('DELETE', `/api/suppressions/email/${encodeURIComponent(email)}`)).status).toBe(204);
    const gone = await feedback.stack.api('DELETE', `/api/suppressions/email/${encodeURIComponent(email)}`);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'suppression_not_found']);
    expect(await suppressionOf('email', address)).toBeUndefined();

    // Off the list: the next campaign reaches them.
    expect((await broadcast(tag)).done).toMatchObject({ sent: 1, skipped: 0 });
    expect(mailTo(email)).toHaveLength(1);
  });

  it('holds for SMS: a suppressed phone number gets no campaign or flow message', async () => {
    const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const { id, tag } = await customer({ phone });
    const added = await feedback.stack.api('POST', '/api/suppressions', { channel: 'sms', address: phone });
    expect(added.status, JSON.stringify(added.body)).toBe(201);

    const campaign = await broadcast(tag, undefined, 'sms');
    expect(campaign.done).toMatchObject({ processed: 1, sent: 0, reasons: { suppressed: 1 } });
    const trigger = `sms_${uid('t').replace(/-/g, '_')}`;
    const flow = await feedback.stack.api('POST', '/api/flows', {
      name: uid('Sms'),
      trigger_event: trigger,
      actions: [{ type: 'send_sms', template: { text: 'Hi' } }],
    });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    expect((await feedback.stack.api('POST', `/api/flows/${flow.body.flow.id}/activate`)).status).toBe(200);
    expect((await feedback.stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: id })).status).toBe(202);
    const skipped = await waitFor(
      async () => (await messageRows(id)).find((r) => r.journeyKey?.startsWith('flow:') && r.status !== 'pending'),
      'the flow SMS',
    );
    expect(skipped).toMatchObject({ status: 'skipped', errorMessage: 'suppressed' });
    expect(feedback.provider.requests.filter((r) => (r.body as { to?: string }).to === phone)).toEqual([]);

    // Taken off the list, the number is reached.
    expect((await feedback.stack.api('DELETE', `/api/suppressions/sms/${encodeURIComponent(phone)}`)).status).toBe(204);
    expect((await broadcast(tag, undefined, 'sms')).done).toMatchObject({ sent: 1 });
    expect(feedback.provider.requests.filter((r) => (r.body as { to?: string }).to === phone)).toHaveLength(1);
  });
});
