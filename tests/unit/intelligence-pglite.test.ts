// The refresh on PGlite, the embedded default: the same SQL, the same swap, both methods.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { customerInsights, customers, orders } from '../../src/db/schema.js';
import { createIntelligenceService } from '../../src/intelligence/service.js';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

describe('customer intelligence on PGlite (memory://)', () => {
  let database: Database;
  beforeAll(async () => {
    database = createDatabase({ kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
    await database.db.insert(customers).values([
      { id: 'night-owl', timezone: 'Asia/Tokyo', createdAt: ago(400), tags: ['newsletter'] },
      { id: 'quiet', createdAt: ago(400) },
    ]);
    // 14:30 UTC is 23:30 in Tokyo.
    const at = (days: number) => {
      const date = ago(days);
      date.setUTCHours(14, 30, 0, 0);
      return date;
    };
    await database.db.insert(orders).values(
      [5, 40, 50, 60, 70, 80].map((d, i) => ({
        id: `o${i}`,
        customerId: 'night-owl',
        amount: 200,
        items: [{ sku: 'IPA', category: 'Beer', price: 50, quantity: 4 }],
        occurredAt: at(d),
      })),
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it('refreshes everyone, then one customer, by threshold and by quintile', async () => {
    const intelligence = createIntelligenceService(database.db);
    const record = await intelligence.refreshAll();
    expect(record).toMatchObject({ customers: 2, method: 'threshold' });
    const [row] = await database.db.select().from(customerInsights).where(eq(customerInsights.customerId, 'night-owl'));
    expect(row).toMatchObject({ segment: 'vip', rScore: 3, fScore: 3, mScore: 3 });
    expect(row!.tags).toEqual(['high_frequency', 'active', 'night_visitor', 'beer_lover', 'high_value']);

    // An order stored again (a repeated delivery) inserts nothing and adds no items: 6 orders of 4 beers.
    const [again] = await database.db.select().from(orders).where(eq(orders.id, 'o0'));
    await database.db.insert(orders).values(again!).onConflictDoNothing();
    const tags = await intelligence.customerTags('night-owl');
    expect(tags.status === 'ok' && tags.tags.map((t) => `${t.kind}:${t.tag}`)).toContain('manual:newsletter');
    expect(tags.status === 'ok' && tags.tags.find((t) => t.tag === 'beer_lover')?.evidence).toMatchObject({
      category: 'Beer',
      items: 24,
      total_items: 24,
    });

    await intelligence.updateSettings({ rfm: { method: 'quintile' } });
    const summary = await intelligence.rfmGroups();
    expect(summary).toMatchObject({ method: 'quintile', source: 'stored', totalCustomers: 2 });
    const quiet = await intelligence.customerTags('quiet');
    expect(quiet.status === 'ok' && quiet.rfm).toMatchObject({ method: 'quintile', r: 1, f: 1, m: 1, recencyDays: null });
  });
});
