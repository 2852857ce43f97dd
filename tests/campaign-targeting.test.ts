// Who a campaign reaches and how: segment targeting (with and without tags) and webhook campaigns, through
// the real stack against a real HTTP receiver.
import { describe, expect, it } from 'vitest';
import { segmentMembers, segments } from '../src/db/schema.js';
import { useCampaignStack } from './helpers/campaigns-api.js';
import { uid } from './helpers/stack.js';

const campaigns = useCampaignStack();
const { audience, create, records, runActual } = campaigns;
describe('segment targeting', () => {
  it('reaches exactly the members of the segment, and with tags too only those who have both', async () => {
    const { tag, ids } = await audience(5);
    const outsider = await audience(1);
    const segmentId = uid('seg');
    await campaigns.stack.database.db.insert(segments).values({ id: segmentId, name: 'Loyal' });
    const members = [ids[0]!, ids[2]!, ids[4]!, outsider.ids[0]!];
    await campaigns.stack.database.db.insert(segmentMembers).values(members.map((customerId) => ({ segmentId, customerId })));

    const bySegment = await create({ target_tags: undefined, target_segment_id: segmentId });
    expect(bySegment).toMatchObject({ target_tags: [], target_segment_id: segmentId });
    const both = await create({ target_tags: [tag], target_segment_id: segmentId });
    for (const [c, expected] of [
      [bySegment, members],
      [both, [ids[0], ids[2], ids[4]]],
    ] as const) {
      const { done } = await runActual(c.id);
      expect(done.audienceSize).toBe(expected.length);
      const rows = (await records(`campaign_id=${c.id}`)).body.records as { customer_id: string; status: string }[];
      expect(rows.map((r) => r.customer_id).sort()).toEqual([...expected].sort());
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
    }
  });
});

describe('webhook campaigns', () => {
  it("POSTs each customer's rendered message to webhook_url; a 400 fails that record with the answer", async () => {
    const { tag, ids } = await audience(4, (i) => ({ name: `Hook${i} Person` }));
    const path = `/hooks/${uid('hook')}`;
    campaigns.provider.script(path, [400]);
    const c = await create({
      type: 'webhook',
      target_tags: [tag],
      webhook_url: `${campaigns.provider.url}${path}`,
      content: 'Hello {{ customer.first_name }}',
    });
    const { done } = await runActual(c.id);
    expect(done).toMatchObject({ processed: 4, sent: 3, failed: 1 });

    const received = campaigns.provider.received(path);
    expect(received.map((r) => r.body.customer_id).sort()).toEqual(ids);
    for (const r of received) {
      const i = ids.indexOf(r.body.customer_id);
      expect(r.body).toMatchObject({
        channel: 'webhook',
        to: `${campaigns.provider.url}${path}`,
        content: { body: `Hello Hook${i}` },
        customer: { id: ids[i] },
      });
    }
    const refused = received[0]!.body.customer_id;
    const failed = await records(`campaign_id=${c.id}&status=failed`);
    expect(failed.body.records).toMatchObject([
      { customer_id: refused, channel: 'webhook', error_message: expect.stringContaining('400') },
    ]);
    const all = (await records(`campaign_id=${c.id}&channel=webhook`)).body;
    expect(all.pagination.total).toBe(4);
  });
});
