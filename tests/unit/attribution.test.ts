// Which message an order is attributed to (src/delivery/attribution.ts), through the order statement itself (src/events/orders.ts) on PGlite.
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { customers, messages } from '../../src/db/schema.js';
import { recordOrders } from '../../src/events/orders.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date(Date.UTC(2026, 4, 10, 12));
const before = (ms: number) => new Date(NOW.getTime() - ms);

let database: Database;
let customer: string;
let n = 0;
beforeAll(async () => {
  database = createDatabase({ kind: 'pglite', dataDir: 'memory://' });
  await database.migrate();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  customer = `c${++n}`;
  await database.db.insert(customers).values({ id: customer });
});

type Touch = { name: string; sent?: Date | null; opened?: Date; clicked?: Date } & Partial<typeof messages.$inferInsert>;
async function touches(list: Touch[]) {
  const rows = await database.db
    .insert(messages)
    .values(
      list.map(({ name, sent, opened, clicked, ...rest }) => ({
        idempotencyKey: `${customer}/${name}`,
        customerId: customer,
        stepKey: name,
        channel: 'email' as const,
        status: sent === null ? ('skipped' as const) : ('sent' as const),
        createdAt: sent ?? before(30 * DAY),
        sentAt: sent ?? null,
        openedAt: opened ?? null,
        clickedAt: clicked ?? null,
        ...rest,
      })),
    )
    .returning({ id: messages.id, step: messages.stepKey });
  return Object.fromEntries(rows.map((r) => [r.step, r.id]));
}

const order = (id: string, amount: number, at = NOW) => ({
  id: `evt-${id}`,
  type: 'order_completed',
  customerId: customer,
  timestamp: at.toISOString(),
  properties: { order_id: `${customer}-${id}`, amount },
});

async function converted() {
  const rows = await database.db
    .select({ step: messages.stepKey, at: messages.convertedAt, revenue: messages.revenue, order: messages.conversionOrderId })
    .from(messages)
    .where(eq(messages.customerId, customer));
  return Object.fromEntries(
    rows.filter((r) => r.at).map((r) => [r.step, { revenue: r.revenue, order: r.order?.replace(`${customer}-`, ''), at: r.at }]),
  );
}

describe('conversion attribution', () => {
  it('credits a click before an open before a send, whatever their order in time', async () => {
    await touches([
      { name: 'sent-last', sent: before(1 * HOUR) },
      { name: 'opened', sent: before(3 * DAY), opened: before(2 * HOUR) },
      { name: 'clicked', sent: before(6 * DAY), clicked: before(5 * DAY) },
    ]);
    await recordOrders(database.db, [order('o1', 42.5)], NOW);
    expect(await converted()).toEqual({ clicked: { revenue: 42.5, order: 'o1', at: NOW } });

    // The clicked message has converted: the next order goes to the opened one, then to the sent one.
    await recordOrders(database.db, [order('o2', 10)], NOW);
    await recordOrders(database.db, [order('o3', 7)], NOW);
    expect(await converted()).toMatchObject({ opened: { revenue: 10, order: 'o2' }, 'sent-last': { revenue: 7, order: 'o3' } });
  });

  it('takes the latest touch of the strongest kind', async () => {
    await touches([
      { name: 'old-click', sent: before(4 * DAY), clicked: before(4 * DAY) },
      { name: 'new-click', sent: before(3 * DAY), clicked: before(1 * DAY) },
      { name: 'sent', sent: before(1 * HOUR) },
    ]);
    await recordOrders(database.db, [order('o1', 5)], NOW);
    expect(Object.keys(await converted())).toEqual(['new-click']);
  });

  it('counts touches within the window before the order only', async () => {
    await touches([
      // Clicked 8 days ago (outside), but sent within: counts as a send.
      { name: 'stale-click', sent: before(6 * DAY), clicked: before(8 * DAY + HOUR) },
      // A click long after an old send is within the window as a click.
      { name: 'late-click', sent: before(20 * DAY), clicked: before(6 * DAY) },
      { name: 'too-old', sent: before(7 * DAY + HOUR) },
      { name: 'skipped', sent: null },
      { name: 'bounced', sent: before(HOUR), bounceType: 'hard' },
      { name: 'webhook', sent: before(HOUR), channel: 'webhook' },
    ]);
    await recordOrders(database.db, [order('o1', 1)], NOW);
    expect(Object.keys(await converted())).toEqual(['late-click']);
    await recordOrders(database.db, [order('o2', 1)], NOW);
    expect(Object.keys(await converted()).sort()).toEqual(['late-click', 'stale-click']);
    // Nothing left that qualifies.
    await recordOrders(database.db, [order('o3', 1)], NOW);
    expect(Object.keys(await converted())).toHaveLength(2);
  });

  it('ignores messages sent after the order, and the window is configurable', async () => {
    await touches([
      { name: 'after', sent: new Date(NOW.getTime() + HOUR) },
      { name: 'two-days', sent: before(2 * DAY) },
    ]);
    await recordOrders(database.db, [order('o1', 1)], NOW, 1);
    expect(await converted()).toEqual({});
    await recordOrders(database.db, [order('o2', 1)], NOW, 3);
    expect(Object.keys(await converted())).toEqual(['two-days']);
  });

  it('attributes an order once: the same order again, or twice in one batch, credits nothing more', async () => {
    const ids = await touches([
      { name: 'a', sent: before(DAY), clicked: before(HOUR) },
      { name: 'b', sent: before(2 * DAY) },
    ]);
    await recordOrders(database.db, [order('o1', 30), { ...order('o1', 30), id: 'evt-again' }], NOW);
    expect(await converted()).toEqual({ a: { revenue: 30, order: 'o1', at: NOW } });
    await recordOrders(database.db, [order('o1', 30)], NOW);
    expect(await converted()).toEqual({ a: { revenue: 30, order: 'o1', at: NOW } });
    const [totals] = await database.db.select().from(customers).where(eq(customers.id, customer));
    expect(totals).toMatchObject({ orderCount: 1, totalSpend: 30 });
    // Two new orders in one batch that would pick the same message: the earlier one has it.
    await database.db
      .update(messages)
      .set({ convertedAt: null, revenue: null })
      .where(inArray(messages.id, Object.values(ids)));
    await database.db
      .update(messages)
      .set({ sentAt: sql`null` })
      .where(eq(messages.id, ids.b!));
    await recordOrders(database.db, [order('late', 99, before(10 * 60_000)), order('early', 11, before(20 * 60_000))], NOW);
    expect(await converted()).toMatchObject({ a: { revenue: 11, order: 'early' } });
  });
});
