// Conversion attribution through the real stack: an order credits the message that led to it (a click
// before an open before a send, within the window), once however often the order is delivered.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { customers, messages } from '../src/db/schema.js';
import { useFeedbackStack } from './helpers/feedback.js';
import { uid } from './helpers/stack.js';

const feedback = useFeedbackStack();
const { webhook, db, messageRows, mailTo, customer, broadcast, clickPath, pixelPath } = feedback;

describe('conversion attribution', () => {
  const order = (customerId: string, orderId: string, amount: number, timestamp?: string) => ({
    id: uid('evt'),
    type: 'order_completed',
    customerId,
    ...(timestamp ? { timestamp } : {}),
    properties: { order_id: orderId, amount, currency: 'EUR' },
  });
  const messageRow = async (messageId: string) => (await db().select().from(messages).where(eq(messages.id, messageId)))[0]!;

  it('credits the clicked campaign message with the order once, however often the order is delivered', async () => {
    const c = await customer();
    const campaign = await broadcast(c.tag);
    const [mail] = mailTo(c.email);
    expect((await feedback.stack.app.request(clickPath(mail!))).status).toBe(302);

    const first = order(c.id, uid('order'), 120.5);
    expect((await feedback.stack.api('POST', '/api/events', first)).status).toBe(202);
    const converted = await messageRow(campaign.record.id);
    expect(converted.convertedAt).toBeInstanceOf(Date);
    // Clicked, then converted: the record's status follows the customer.
    expect(converted).toMatchObject({ revenue: 120.5, conversionOrderId: first.properties.order_id, status: 'converted' });

    // The same event again, and the same order under another event id: attributed once.
    expect((await feedback.stack.api('POST', '/api/events', first)).body.results[0].status).toBe('duplicate');
    expect((await feedback.stack.api('POST', '/api/events', { ...first, id: uid('evt') })).status).toBe(202);
    expect(await messageRow(campaign.record.id)).toMatchObject({ revenue: 120.5, convertedAt: converted.convertedAt });
    const [profile] = await db().select().from(customers).where(eq(customers.id, c.id));
    expect(profile).toMatchObject({ orderCount: 1, totalSpend: 120.5 });

    const perf = await feedback.stack.api('GET', `/api/ai-ops/customer/performance?campaign_id=${campaign.id}`);
    expect(perf.body).toMatchObject({ sent: 1, clicked: 1, converted: 1, revenue: 120.5 });
    const records = await feedback.stack.api('GET', `/api/marketing/records?campaign_id=${campaign.id}`);
    expect(records.body.records).toMatchObject([
      { status: 'converted', converted_at: converted.convertedAt!.toISOString(), revenue: 120.5 },
    ]);
  });

  it('attributes nothing to an order after the window, or before the message', async () => {
    const c = await customer();
    const campaign = await broadcast(c.tag);
    const eightDays = new Date(Date.now() + 8 * 86_400_000).toISOString();
    expect((await feedback.stack.api('POST', '/api/events', order(c.id, uid('order'), 50, eightDays))).status).toBe(202);
    const anHourBefore = new Date(Date.now() - 3_600_000).toISOString();
    // Below the regular tier's spend together (90 < 100): no tier congratulation is sent now, whose send would
    // be a later touch than the campaign's when the six-day order comes.
    expect((await feedback.stack.api('POST', '/api/events', order(c.id, uid('order'), 40, anHourBefore))).status).toBe(202);
    expect(await messageRow(campaign.record.id)).toMatchObject({ convertedAt: null, revenue: null });
    expect((await feedback.stack.api('GET', `/api/ai-ops/customer/performance?campaign_id=${campaign.id}`)).body).toMatchObject({
      // No receipt yet: delivered is sent − bounces, and says so.
      delivered: 1,
      delivered_basis: 'sent_minus_bounces',
      converted: 0,
      revenue: 0,
      rateBase: 'sent',
    });
    // A delivery receipt counts in the campaign's performance.
    expect((await webhook({ events: [{ type: 'delivered', message_id: campaign.record.providerMessageId }] })).status).toBe(200);
    expect((await feedback.stack.api('GET', `/api/ai-ops/customer/performance?campaign_id=${campaign.id}`)).body).toMatchObject({
      delivered: 1,
      delivered_basis: 'receipts',
      rateBase: 'delivered',
    });
    expect(await messageRow(campaign.record.id)).toMatchObject({ status: 'delivered' });

    // Within the window (six days on): attributed.
    const sixDays = new Date(Date.now() + 6 * 86_400_000).toISOString();
    expect((await feedback.stack.api('POST', '/api/events', order(c.id, uid('order'), 70, sixDays))).status).toBe(202);
    expect(await messageRow(campaign.record.id)).toMatchObject({ revenue: 70, convertedAt: new Date(sixDays), status: 'converted' });
  });

  it('prefers a click to an open, and an open to a send', async () => {
    const c = await customer();
    const clicked = await broadcast(c.tag);
    const opened = await broadcast(c.tag);
    const sent = await broadcast(c.tag);
    const mails = mailTo(c.email);
    expect(mails).toHaveLength(3);
    const mailOf = (record: { providerMessageId: string | null }) => mails.find((m) => m.messageId === record.providerMessageId)!;
    expect((await feedback.stack.app.request(clickPath(mailOf(clicked.record)))).status).toBe(302);
    expect((await feedback.stack.app.request(pixelPath(mailOf(opened.record)))).status).toBe(200);

    for (const [amount, expected] of [
      [10, clicked],
      [20, opened],
      [30, sent],
    ] as const) {
      expect((await feedback.stack.api('POST', '/api/events', order(c.id, uid('order'), amount))).status).toBe(202);
      expect(await messageRow(expected.record.id)).toMatchObject({ revenue: amount });
    }
    const revenues = (await messageRows(c.id)).map((m) => m.revenue).sort();
    expect(revenues).toEqual([10, 20, 30]);
  });
});
