// Delivery webhooks through the real stack: a signed bounce, delivery or complaint from an email provider
// lands on the message row and the suppression list; forged, stale and unknown ones change nothing.
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../src/domain/webhook-signature.js';
import { endRun } from './helpers/end-run.js';
import { PROVIDER, SECRET, useFeedbackStack } from './helpers/feedback.js';
import { uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const feedback = useFeedbackStack();
const { webhook, messageRows, suppressionOf, mailTo, customer, signUp, broadcast } = feedback;

describe('a signed bounce webhook', () => {
  it('suppresses the address of a received welcome mail; later journey and campaign emails to it are skipped', async () => {
    const { id, email, address, tag, mail, message, handle } = await signUp();
    expect(message.providerMessageId).toBe(mail.messageId);

    // The provider names the message by the Message-ID it carried; the address comes from the message.
    const report = {
      events: [{ type: 'bounced', message_id: mail.messageId, bounce_type: 'hard', occurred_at: new Date().toISOString() }],
    };
    const res = await webhook(report);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ results: [{ type: 'bounced', message_id: message.id, suppressed: [{ channel: 'email', address }] }] });
    const listed = await suppressionOf('email', address);
    expect(listed).toMatchObject({ reason: 'hard_bounce', source: PROVIDER, messageId: message.id });
    const bounced = (await messageRows(id))[0]!;
    expect(bounced).toMatchObject({ bounceType: 'hard', status: 'sent' });
    expect(bounced.bouncedAt).toBeInstanceOf(Date);

    // The provider retries the same report: nothing changes.
    expect((await webhook(report)).status).toBe(200);
    expect(await suppressionOf('email', address)).toEqual(listed);
    expect((await messageRows(id))[0]!.bouncedAt).toEqual(bounced.bouncedAt);

    // A campaign to the customer: recorded skipped (suppressed), nothing sent.
    const campaign = await broadcast(tag);
    expect(campaign.done).toMatchObject({ processed: 1, sent: 0, skipped: 1, reasons: { suppressed: 1 } });
    expect(campaign.record).toMatchObject({ status: 'skipped', errorMessage: 'suppressed', sentAt: null });

    // A flow's email (the journeys' send activity): skipped too.
    const trigger = `promo_${uid('t').replace(/-/g, '_')}`;
    const flow = await feedback.stack.api('POST', '/api/flows', {
      name: uid('Promo'),
      trigger_event: trigger,
      actions: [{ type: 'send_email', template: { subject: 'Promo', html: '<p>Promo</p>', text: 'Promo' } }],
    });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    expect((await feedback.stack.api('POST', `/api/flows/${flow.body.flow.id}/activate`)).status).toBe(200);
    expect((await feedback.stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: id })).status).toBe(202);
    const skipped = await waitFor(
      async () => (await messageRows(id)).find((r) => r.journeyKey?.startsWith('flow:') && r.status !== 'pending'),
      'the flow message',
    );
    expect(skipped).toMatchObject({ status: 'skipped', errorMessage: 'suppressed', sentAt: null });

    // The SMTP server got the welcome mail and nothing after it.
    expect(mailTo(email)).toHaveLength(1);
    await endRun(handle);
  });

  it('records deliveries and soft bounces on the message without suppressing; a complaint suppresses email and phone', async () => {
    const { id, address, mail, message, handle } = await signUp();
    const bare = mail.messageId!.replace(/^<|>$/g, '');
    const delivered = await webhook({
      events: [
        { type: 'delivered', message_id: bare, occurred_at: '2026-01-01T10:00:00Z' },
        { type: 'delivered', message_id: bare, occurred_at: '2026-01-01T11:00:00Z' },
        { type: 'bounced', message_id: message.id, bounce_type: 'soft' },
        { type: 'delivered', message_id: '<nobody@example.com>' },
      ],
      ignored_by_touchpoint: true,
    });
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    expect(delivered.body.results.map((r: { message_id: string | null }) => r.message_id)).toEqual([
      message.id,
      message.id,
      message.id,
      null,
    ]);
    const row = (await messageRows(id))[0]!;
    expect(row.deliveredAt).toEqual(new Date('2026-01-01T10:00:00Z'));
    expect(row).toMatchObject({ bounceType: 'soft', complainedAt: null });
    expect(await suppressionOf('email', address)).toBeUndefined();

    // A later hard bounce makes it hard; a soft one after that does not undo it.
    await webhook({
      events: [
        { type: 'bounced', message_id: message.id },
        { type: 'bounced', message_id: message.id, bounce_type: 'soft' },
      ],
    });
    expect((await messageRows(id))[0]!.bounceType).toBe('hard');

    const other = await customer({ phone: '+15550001111' });
    const complaint = await webhook({ events: [{ type: 'complained', email: other.email, phone: '+15550001111' }] });
    expect(complaint.body.results[0]).toEqual({
      type: 'complained',
      message_id: null,
      suppressed: [
        { channel: 'email', address: other.address },
        { channel: 'sms', address: '+15550001111' },
      ],
    });
    expect(await suppressionOf('sms', '+15550001111')).toMatchObject({ reason: 'complaint', source: PROVIDER, messageId: null });
    await endRun(handle);
  });
});

describe('webhook authentication and validation', () => {
  it('refuses forged, stale, unsigned and altered requests (401) and unknown providers (404), changing nothing', async () => {
    const { address, email } = await customer();
    const report = { events: [{ type: 'bounced', email, bounce_type: 'hard' }] };
    const refused: Array<[string, Awaited<ReturnType<typeof webhook>>, number, string]> = [
      ['another secret', await webhook(report, { secret: 'forged-secret-0123456789abcdef' }), 401, 'invalid_signature'],
      ['6 minutes old', await webhook(report, { at: Date.now() - 6 * 60_000 }), 401, 'stale_signature'],
      ['6 minutes ahead', await webhook(report, { at: Date.now() + 6 * 60_000 }), 401, 'stale_signature'],
      ['no headers', await webhook(report, { headers: () => ({}) }), 401, 'missing_signature'],
      [
        'no timestamp',
        await webhook(report, { headers: (h) => ({ 'X-Touchpoint-Signature': h['X-Touchpoint-Signature']! }) }),
        401,
        'missing_signature',
      ],
      ['body altered', await webhook(report, { body: (b) => b.replace('"hard"', '"hard" ') }), 401, 'invalid_signature'],
      ['not JSON, unsigned', await webhook(report, { headers: () => ({}), body: () => 'not json' }), 401, 'missing_signature'],
      ['another provider’s name', await webhook(report, { provider: 'other-mail' }), 404, 'unknown_provider'],
    ];
    for (const [what, res, status, code] of refused) expect([what, res.status, res.body?.error?.code]).toEqual([what, status, code]);
    expect(await suppressionOf('email', address)).toBeUndefined();

    // Signed, but not a valid report: 4xx naming the field, nothing written.
    const invalid: Array<[unknown, number, string, string?]> = [
      [{ events: [{ type: 'opened', email }] }, 422, 'validation_error', 'events[0].type'],
      [{ events: [{ type: 'bounced' }] }, 422, 'validation_error', 'events[0].message_id'],
      [{ events: [{ type: 'delivered', email, bounce_type: 'hard' }] }, 422, 'validation_error', 'events[0].bounce_type'],
      [{ events: [{ type: 'bounced', email: 'not-an-email' }] }, 422, 'validation_error', 'events[0].email'],
      [{ events: [] }, 422, 'validation_error', 'events'],
    ];
    for (const [payload, status, code, field] of invalid) {
      const res = await webhook(payload);
      expect([payload, res.status, res.body.error.code, res.body.error.field]).toEqual([payload, status, code, field]);
    }
    const notJson = await webhook(null, { body: () => '{"events": [', headers: () => signWebhook(SECRET, '{"events": [') });
    expect([notJson.status, notJson.body.error.code]).toEqual([400, 'invalid_json']);
    expect(await suppressionOf('email', address)).toBeUndefined();
  });

  it('is in the OpenAPI document with the suppression routes', async () => {
    const { body } = await feedback.stack.api('GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/api/webhooks/delivery/{provider}', '/api/suppressions', '/api/suppressions/{channel}/{address}']),
    );
    expect(body.paths['/api/webhooks/delivery/{provider}'].post.responses).toHaveProperty('401');
    expect(body.components.schemas.DeliveryReport.properties.type.enum).toEqual(['delivered', 'bounced', 'complained']);
  });
});
