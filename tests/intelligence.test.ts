// Customer intelligence through the real SQL on PostgreSQL: every boundary of the threshold table, each
// RFM group's rule and each tag just holding and just missing (orders placed at controlled times), quintiles
// with ties, the full refresh, and the SQL agreeing with the domain functions on random customers.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../src/db/client.js';
import { asInstallation } from '../src/db/workspace.js';
import {
  customerCategoryDays,
  customerInsights,
  customerOrderHours,
  customers,
  events,
  intelligenceSettings,
  messages,
  orders,
} from '../src/db/schema.js';
import { churnRiskOf, isPackageCategory, isVisit, preferredSlots, responseRateOf, slotIndex } from '../src/intelligence/behaviour.js';
import { isNightHour, type TagFacts, tagsOf } from '../src/intelligence/customer-tags.js';
import {
  DEFAULT_INTELLIGENCE_SETTINGS as S,
  type IntelligenceSettings,
  levelOf,
  quintileCuts,
  rfmGroupOf,
  scoreRfm,
} from '../src/intelligence/rfm.js';
import { refreshAll, refreshOne } from '../src/intelligence/refresh.js';
import { isolatedDatabaseUrl, uid } from './helpers/stack.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Every date below is relative to this "now", which each refresh is given. */
const NOW = new Date('2026-06-15T12:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

let database: Database;
beforeAll(async () => {
  database = createDatabase({ kind: 'postgres', url: inject('databaseUrl'), poolSize: 4 });
});
afterAll(async () => {
  await database?.close();
});

interface Item {
  sku?: string;
  category?: string;
  price?: number;
  quantity: number;
}

interface CustomerSpec {
  timezone?: string | null;
  signupDaysAgo?: number;
  lastActivity?: Date | null;
  tags?: string[];
  orders?: Array<{ at: Date; amount: number; items?: Item[] }>;
  messages?: Array<{ sentAt: Date; responded: boolean }>;
  events?: Array<{ type: string; at: Date }>;
}

let counter = 0;
async function createCustomer(spec: CustomerSpec, db = database.db): Promise<string> {
  const id = uid('ci');
  await db.insert(customers).values({
    id,
    timezone: spec.timezone ?? null,
    createdAt: ago(spec.signupDaysAgo ?? 400),
    lastActivityAt: spec.lastActivity ?? null,
    tags: spec.tags ?? [],
  });
  if (spec.orders?.length) {
    await db.insert(orders).values(
      spec.orders.map((o) => ({
        id: `${id}-o${counter++}`,
        customerId: id,
        amount: o.amount,
        items: (o.items ?? []) as unknown as Array<Record<string, unknown>>,
        occurredAt: o.at,
      })),
    );
  }
  if (spec.messages?.length) {
    await db.insert(messages).values(
      spec.messages.map((m, i) => ({
        idempotencyKey: `${id}/m${i}`,
        customerId: id,
        stepKey: 'test',
        channel: 'email' as const,
        status: m.responded ? ('opened' as const) : ('sent' as const),
        sentAt: m.sentAt,
        openedAt: m.responded ? m.sentAt : null,
      })),
    );
  }
  if (spec.events?.length) {
    await db
      .insert(events)
      .values(spec.events.map((e, i) => ({ id: `${id}/e${i}`, type: e.type, customerId: id, occurredAt: e.at, dispatchedAt: e.at })));
  }
  return id;
}

async function insight(id: string, settings: IntelligenceSettings = S) {
  await refreshOne(database.db, settings, id, undefined, NOW);
  const [row] = await database.db.select().from(customerInsights).where(eq(customerInsights.customerId, id));
  return row!;
}

/** One order `daysAgo` days before NOW for each entry. */
const ordersAt = (...days: number[]) => days.map((d) => ({ at: ago(d), amount: 10 }));

describe('the threshold table, through the SQL', () => {
  it('R: 29 days high, 30 mid, 90 mid, 91 low (whole days: 29 days 23 hours is 29); no order is low', async () => {
    const rows = await Promise.all([29, 30, 90, 91].map(async (d) => insight(await createCustomer({ orders: ordersAt(d) }))));
    expect(rows.map((r) => [r.recencyDays, r.rScore])).toEqual([
      [29, 3],
      [30, 2],
      [90, 2],
      [91, 1],
    ]);
    const almost30 = await insight(await createCustomer({ orders: [{ at: new Date(ago(30).getTime() + HOUR), amount: 10 }] }));
    expect([almost30.recencyDays, almost30.rScore]).toEqual([29, 3]);
    const none = await insight(await createCustomer({}));
    expect([none.recencyDays, none.rScore, none.fScore, none.mScore, none.frequency, none.monetary]).toEqual([null, 1, 1, 1, 0, 0]);
  });

  it('F: 1 order low, 2 mid, 5 mid, 6 high — orders of the last 365 days', async () => {
    const recent = (n: number) => ordersAt(...Array.from({ length: n }, (_, i) => 40 + i));
    const rows = await Promise.all([1, 2, 5, 6].map(async (n) => insight(await createCustomer({ orders: recent(n) }))));
    expect(rows.map((r) => [r.frequency, r.fScore])).toEqual([
      [1, 1],
      [2, 2],
      [5, 2],
      [6, 3],
    ]);
    // 364 days ago is inside the window, 366 outside: 5 + 1 = 6 (high), not 7.
    const edge = await insight(await createCustomer({ orders: [...recent(5), ...ordersAt(364, 366)] }));
    expect([edge.frequency, edge.fScore]).toEqual([6, 3]);
  });

  it('M: 499.99 low, 500 mid, 1000 mid, 1000.01 high — summed exactly to the cent', async () => {
    const rows = await Promise.all(
      [499.99, 500, 1000, 1000.01].map(async (amount) => insight(await createCustomer({ orders: [{ at: ago(40), amount }] }))),
    );
    expect(rows.map((r) => [r.monetary, r.mScore])).toEqual([
      [499.99, 1],
      [500, 2],
      [1000, 2],
      [1000.01, 3],
    ]);
    const parts = await insight(
      await createCustomer({
        orders: [
          { at: ago(40), amount: 999.99 },
          { at: ago(41), amount: 0.02 },
        ],
      }),
    );
    expect([parts.monetary, parts.mScore]).toEqual([1000.01, 3]);
  });

  it('the classic example — 15 days, 6 orders, 1200 — is high on all three: VIP', async () => {
    const id = await createCustomer({ orders: [15, 40, 80, 120, 160, 200].map((d) => ({ at: ago(d), amount: 200 })) });
    const row = await insight(id);
    expect([row.recencyDays, row.frequency, row.monetary, row.rScore, row.fScore, row.mScore, row.segment]).toEqual([
      15,
      6,
      1200,
      3,
      3,
      3,
      'vip',
    ]);
    expect(row.rfmMethod).toBe('threshold');
  });
});

describe('RFM groups through the SQL: each rule just holding and just missing', () => {
  const seg = async (spec: CustomerSpec) => (await insight(await createCustomer(spec))).segment;
  const spend = (days: number[], each: number) => days.map((d) => ({ at: ago(d), amount: each }));

  it('new: first order under 30 days ago, or signed up under 30 days ago without an order', async () => {
    expect(await seg({ orders: spend([29], 5000) })).toBe('new');
    expect(await seg({ orders: spend([30], 5000) })).toBe('potential');
    expect(await seg({ signupDaysAgo: 29 })).toBe('new');
    expect(await seg({ signupDaysAgo: 30 })).toBe('regular');
  });

  it('churn_risk: R low (over 90 days) with 2 orders ever', async () => {
    expect(await seg({ orders: spend([91, 200], 10) })).toBe('churn_risk');
    expect(await seg({ orders: spend([90, 200], 10) })).toBe('regular');
    expect(await seg({ orders: spend([300], 10) })).toBe('regular');
  });

  it('vip, loyal, potential, regular', async () => {
    const six = [10, 40, 50, 60, 70, 80];
    expect(await seg({ orders: spend(six, 200) })).toBe('vip');
    expect(
      await seg({
        orders: spend(
          six.map((d) => d + 20),
          200,
        ),
      }),
    ).toBe('loyal'); // R mid (30 days)
    expect(await seg({ orders: spend(six, 100) })).toBe('loyal'); // M mid (600)
    expect(await seg({ orders: spend(six, 80) })).toBe('regular'); // M low (480): loyal just missed
    expect(await seg({ orders: spend([10, 40], 501) })).toBe('potential'); // M high (1002), F mid
    expect(await seg({ orders: spend([10, 40], 500) })).toBe('regular'); // M mid: potential just missed
  });
});

describe('tags through the SQL: each just holding and just missing', () => {
  const tags = async (spec: CustomerSpec) => {
    const row = await insight(await createCustomer(spec));
    return { tags: row.tags, evidence: row.evidence as Record<string, Record<string, unknown>> };
  };
  const has = async (tag: string, spec: CustomerSpec) => (await tags(spec)).tags.includes(tag);
  const n = (count: number, from = 40) => ordersAt(...Array.from({ length: count }, (_, i) => from + i));

  it('frequency, activity and churn tags', async () => {
    expect(await has('high_frequency', { orders: n(6) })).toBe(true);
    expect(await has('high_frequency', { orders: n(5) })).toBe(false);
    expect(await has('low_frequency', { orders: n(1) })).toBe(true);
    expect(await has('low_frequency', { orders: n(2) })).toBe(false);
    expect(await has('low_frequency', {})).toBe(false);
    expect(await has('active', { lastActivity: ago(29) })).toBe(true);
    expect(await has('active', { lastActivity: ago(30) })).toBe(false);
    expect(await has('active', { orders: n(1, 29) })).toBe(true);
    expect(await has('dormant', { lastActivity: ago(91) })).toBe(true);
    expect(await has('dormant', { lastActivity: ago(90) })).toBe(false);
    expect(await tags({ signupDaysAgo: 100 })).toMatchObject({
      tags: ['dormant'],
      evidence: { dormant: { days_since_activity: 100, since: 'signup' } },
    });
    expect(await has('churn_risk', { orders: ordersAt(91, 120) })).toBe(true);
    expect(await has('churn_risk', { orders: ordersAt(90, 120) })).toBe(false);
    expect(await has('churn_risk', { orders: ordersAt(91) })).toBe(false);
  });

  it("night_visitor: 60 % of at least 3 orders at 22:00–06:00 in the customer's time zone (UTC without one)", async () => {
    const at = (day: number, utcHour: number) => ({ at: new Date(Date.UTC(2026, 5, day, utcHour, 30)), amount: 10 });
    // 14:30 UTC is 23:30 in Tokyo (night) and 14:30 in UTC (day); 03:30 UTC is 12:30 in Tokyo, 03:30 in UTC.
    const orders = [at(1, 14), at(2, 14), at(3, 3)];
    const tokyo = await tags({ timezone: 'Asia/Tokyo', orders });
    expect(tokyo.tags).toContain('night_visitor');
    expect(tokyo.evidence.night_visitor).toEqual({
      night_orders: 2,
      orders: 3,
      night_visits: 0,
      visits: 0,
      share: 0.6667,
      time_zone: 'Asia/Tokyo',
    });
    expect(await has('night_visitor', { orders })).toBe(false); // UTC: 1 of 3
    expect(await has('night_visitor', { orders: [at(1, 3), at(2, 3), at(3, 3), at(4, 12), at(5, 12)] })).toBe(true); // 3 of 5
    expect(await has('night_visitor', { orders: [at(1, 3), at(2, 3), at(4, 12), at(5, 12)] })).toBe(false); // 2 of 4
    expect(await has('night_visitor', { orders: [at(1, 3), at(2, 3)] })).toBe(false); // 2 orders
    // Daylight saving time: 20:30 UTC is 22:30 in Berlin in summer (night), 21:30 in winter (not).
    const berlin = (date: Date) => ({ at: date, amount: 10 });
    const summer = [1, 2, 3].map((d) => berlin(new Date(Date.UTC(2026, 5, d, 20, 30))));
    const winter = [1, 2, 3].map((d) => berlin(new Date(Date.UTC(2026, 0, d, 20, 30))));
    expect(await has('night_visitor', { timezone: 'Europe/Berlin', orders: summer })).toBe(true);
    expect(await has('night_visitor', { timezone: 'Europe/Berlin', orders: winter })).toBe(false);
  });

  it("night_visitor follows the customer's time zone: their order hours are recounted when it changes", async () => {
    const at = (day: number) => ({ at: new Date(Date.UTC(2026, 5, day, 14, 30)), amount: 10 }); // 23:30 in Tokyo
    const id = await createCustomer({ orders: [at(1), at(2), at(3)] });
    const hours = async () =>
      (await database.db.select().from(customerOrderHours).where(eq(customerOrderHours.customerId, id))).map((h) => h.hour);
    expect(await hours()).toEqual([14, 14, 14]);
    expect((await insight(id)).tags).not.toContain('night_visitor');
    await database.db.update(customers).set({ timezone: 'Asia/Tokyo' }).where(eq(customers.id, id));
    expect(await hours()).toEqual([23, 23, 23]);
    expect((await insight(id)).evidence).toMatchObject({ night_visitor: { night_orders: 3, orders: 3, time_zone: 'Asia/Tokyo' } });
    await database.db.update(customers).set({ timezone: null }).where(eq(customers.id, id));
    expect(await hours()).toEqual([14, 14, 14]);
    expect((await insight(id)).tags).not.toContain('night_visitor');
    // A time zone PostgreSQL does not know is refused when it is set, orders or not.
    await expect(database.db.update(customers).set({ timezone: 'Mars/Olympus' }).where(eq(customers.id, id))).rejects.toThrow();
    await expect(createCustomer({ timezone: 'Mars/Olympus' })).rejects.toThrow();
    // Orders stored before their customer, who then arrives with a time zone.
    const early = uid('ci');
    await database.db
      .insert(orders)
      .values([1, 2, 3].map((d) => ({ id: `${early}-o${d}`, customerId: early, amount: 10, items: [], occurredAt: at(d).at })));
    await database.db.insert(customers).values({ id: early, timezone: 'Asia/Tokyo', createdAt: ago(400) });
    expect((await insight(early)).tags).toContain('night_visitor');
  });

  it("F, M and night orders at the window's start: an order at its first instant counts, one a millisecond earlier not, on the same UTC day", async () => {
    // NOW − 365 days is 12:00 UTC: the window's first day is recounted from that day's orders.
    const start = ago(S.rfm.windowDays);
    const at = (ms: number, amount: number) => ({ at: new Date(start.getTime() + ms), amount });
    // In the window: 12:00 (day), 23:00 (night) on the first day, 00:00 the next day (night): 2 of 3 at night.
    // Before it, on the same UTC day: two daytime orders which, counted, would make it 2 of 5.
    const id = await createCustomer({ orders: [at(-1, 1000), at(-HOUR, 1000), at(0, 200.5), at(11 * HOUR, 300.25), at(12 * HOUR, 0.25)] });
    const row = await insight(id);
    expect([row.frequency, row.monetary]).toEqual([3, 501]);
    expect(row.evidence).toMatchObject({ night_visitor: { night_orders: 2, orders: 3 } });
    expect(row.tags).toContain('night_visitor');
  });

  it('<category>_lover: at least 3 items and 40 % of the items in the window', async () => {
    const basket = (...items: Item[]) => [{ at: ago(40), amount: 50, items }];
    const beer = (quantity: number): Item => ({ sku: 'IPA', category: 'Craft Beer', price: 3, quantity });
    const wine = (quantity: number): Item => ({ sku: 'RED', category: 'wine', price: 9, quantity });
    const loved = await tags({ orders: basket(beer(3), wine(4)) });
    expect(loved.tags.filter((t) => t.endsWith('_lover'))).toEqual(['craft_beer_lover', 'wine_lover']);
    expect(loved.evidence.craft_beer_lover).toEqual({ category: 'Craft Beer', items: 3, total_items: 7, share: 0.4286 });
    expect(await has('craft_beer_lover', { orders: basket(beer(3), wine(5)) })).toBe(false); // 37.5 %
    expect(await has('craft_beer_lover', { orders: basket(beer(2)) })).toBe(false); // 2 items
    expect(await has('craft_beer_lover', { orders: [{ at: ago(400), amount: 50, items: [beer(9)] }] })).toBe(false); // outside the window
    // Two spellings of one category make one tag; the one with more items gives the evidence.
    const spelt = await tags({ orders: basket({ category: 'Wine', quantity: 3 }, { category: 'wine', quantity: 4 }) });
    expect(spelt.tags).toEqual(['low_frequency', 'wine_lover', 'low_value']);
    expect(spelt.evidence.wine_lover).toMatchObject({ category: 'wine', items: 4 });
    // Items without a category count in the total.
    expect(await has('wine_lover', { orders: basket(wine(3), { sku: 'BAG', quantity: 5 }) })).toBe(false);
  });

  it("<category>_lover at the window's start: an order at its first instant counts, one a millisecond earlier not, on the same UTC day", async () => {
    // NOW − 365 days is 12:00 UTC: the window starts mid-day, so its first day is counted from that day's orders.
    const start = ago(S.rfm.windowDays);
    const beer = (quantity: number): Item => ({ sku: 'IPA', category: 'Craft Beer', price: 3, quantity });
    const at = (ms: number, ...items: Item[]) => ({ at: new Date(start.getTime() + ms), amount: 10, items });
    expect(await has('craft_beer_lover', { orders: [at(0, beer(3))] })).toBe(true);
    expect(await has('craft_beer_lover', { orders: [at(-1, beer(3))] })).toBe(false);
    // Both sides of the start on its day, and the day after: 3 + 1 beers of 8 items in the window (50 %), not
    // the 12 of 16 the whole first day holds.
    const edge = await tags({
      orders: [
        at(-HOUR, beer(8)),
        at(HOUR, beer(3), { sku: 'RED', category: 'wine', quantity: 3 }),
        at(DAY, beer(1), { sku: 'BAG', quantity: 1 }),
      ],
    });
    expect(edge.evidence.craft_beer_lover).toEqual({ category: 'Craft Beer', items: 4, total_items: 8, share: 0.5 });
    expect(edge.tags).not.toContain('wine_lover'); // 3 of 8
  });

  it('an order stored twice (a repeated delivery) counts once: its items, amount and hour', async () => {
    const id = await createCustomer({});
    const order = {
      id: `${id}-again`,
      customerId: id,
      amount: 10,
      items: [{ sku: 'IPA', category: 'beer', price: 5, quantity: 2 }],
      occurredAt: ago(40),
    };
    await database.db.insert(orders).values(order).onConflictDoNothing();
    await database.db.insert(orders).values(order).onConflictDoNothing();
    const counts = await database.db.select().from(customerCategoryDays).where(eq(customerCategoryDays.customerId, id));
    expect(counts.map((c) => [c.category, c.items])).toEqual([['beer', 2]]);
    const hours = await database.db.select().from(customerOrderHours).where(eq(customerOrderHours.customerId, id));
    expect(hours.map((h) => [h.orders, Number(h.amount)])).toEqual([[1, 10]]);
    const row = await insight(id);
    expect(row.tags).not.toContain('beer_lover'); // 2 items, not 4
    expect([row.frequency, row.monetary, row.tags]).toEqual([1, 10, ['low_frequency', 'low_value']]);
  });

  it('value tags by the M thresholds, potential by the average order, responsive by the response rate', async () => {
    const value = async (amount: number) => (await tags({ orders: [{ at: ago(40), amount }] })).tags.filter((t) => t.endsWith('_value'));
    expect(await value(1000.01)).toEqual(['high_value']);
    expect(await value(1000)).toEqual(['medium_value']);
    expect(await value(500)).toEqual(['medium_value']);
    expect(await value(499.99)).toEqual(['low_value']);
    expect((await tags({})).tags.some((t) => t.endsWith('_value'))).toBe(false);

    expect(
      await has('potential', {
        orders: [
          { at: ago(40), amount: 250 },
          { at: ago(50), amount: 150 },
        ],
      }),
    ).toBe(true);
    expect(
      await has('potential', {
        orders: [
          { at: ago(40), amount: 250 },
          { at: ago(50), amount: 149.99 },
        ],
      }),
    ).toBe(false);
    expect(await has('potential', { orders: Array.from({ length: 6 }, (_, i) => ({ at: ago(40 + i), amount: 500 })) })).toBe(false);

    const sent = (responded: number, total: number) =>
      Array.from({ length: total }, (_, i) => ({ sentAt: ago(10 + i), responded: i < responded }));
    const responsive = await tags({ messages: sent(3, 10) });
    expect(responsive.tags).toContain('responsive');
    expect(responsive.evidence.responsive).toEqual({ messages: 10, responded: 3, rate: 0.3 });
    expect(await has('responsive', { messages: sent(2, 10) })).toBe(false);
    expect(await has('responsive', { messages: sent(2, 2) })).toBe(false);
  });
});

describe('the SQL agrees with the domain functions', () => {
  it('on 40 random customers: scores, segment, tags and evidence', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const zones = [null, 'Asia/Tokyo', 'America/New_York', 'Europe/Berlin'];
    const categories = ['beer', 'wine', 'Snack Food', 'Gift Package', '啤酒套餐', undefined];
    for (let c = 0; c < 40; c++) {
      const spec: CustomerSpec = {
        timezone: pick(zones),
        signupDaysAgo: Math.floor(random() * 600),
        lastActivity: random() < 0.7 ? new Date(NOW.getTime() - Math.floor(random() * 200 * DAY)) : null,
        orders: Array.from({ length: Math.floor(random() * 9) }, () => ({
          at: new Date(NOW.getTime() - Math.floor(random() * 500 * DAY)),
          amount: Math.round(random() * 60_000) / 100,
          items: Array.from({ length: Math.floor(random() * 4) }, () => ({
            sku: 'X',
            category: pick(categories),
            price: 1,
            quantity: 1 + Math.floor(random() * 3),
          })),
        })),
        messages: Array.from({ length: Math.floor(random() * 6) }, () => ({
          sentAt: new Date(NOW.getTime() - Math.floor(random() * 400 * DAY)),
          responded: random() < 0.4,
        })),
        events: Array.from({ length: Math.floor(random() * 5) }, () => ({
          type: pick(['page_view', 'login', 'cart_updated']),
          at: new Date(NOW.getTime() - Math.floor(random() * 400 * DAY) - Math.floor(random() * 24) * HOUR),
        })),
      };
      const id = await createCustomer(spec);
      const row = await insight(id);
      const facts = factsOf(spec);
      const scores = scoreRfm(facts, S.rfm);
      const levels = { r: levelOf(scores.r, 'threshold'), f: levelOf(scores.f, 'threshold'), m: levelOf(scores.m, 'threshold') };
      const group = rfmGroupOf(
        {
          levels,
          lifetimeOrders: facts.lifetimeOrders,
          daysSinceFirstOrder: facts.daysSinceFirstOrder,
          daysSinceSignup: facts.daysSinceSignup,
        },
        S.segments,
      );
      const expected = tagsOf(facts, S);
      const behaviour = behaviourOf(spec, facts);
      expect({
        id,
        r: row.rScore,
        f: row.fScore,
        m: row.mScore,
        segment: row.segment,
        tags: row.tags,
        evidence: row.evidence,
        slots: row.preferredTimeSlots,
        responseRate: row.responseRate,
        churnRisk: row.churnRisk,
      }).toEqual({
        id,
        ...scores,
        segment: group,
        tags: expected.map((t) => t.tag),
        evidence: Object.fromEntries(expected.map((t) => [t.tag, t.evidence])),
        ...behaviour,
      });
    }
  });
});

/** Preferred slots, response rate and churn risk, computed in JavaScript from the spec and its facts. */
function behaviourOf(spec: CustomerSpec, facts: ReturnType<typeof factsOf>) {
  const hour = (d: Date) =>
    spec.timezone
      ? Number(new Intl.DateTimeFormat('en-US', { timeZone: spec.timezone, hour: 'numeric', hourCycle: 'h23' }).format(d))
      : d.getUTCHours();
  const inWindow = (d: Date) => d.getTime() >= NOW.getTime() - S.rfm.windowDays * DAY;
  const touches = [0, 0, 0, 0];
  for (const o of spec.orders ?? []) if (inWindow(o.at)) touches[slotIndex(hour(o.at))]! += 1;
  const sent = (spec.messages ?? []).filter((m) => inWindow(m.sentAt));
  for (const m of sent) if (m.responded) touches[slotIndex(hour(m.sentAt))]! += 1; // opened at sentAt
  const times = (spec.orders ?? []).map((o) => o.at.getTime());
  return {
    slots: preferredSlots(touches),
    responseRate: responseRateOf(facts.messagesResponded, facts.messagesSent),
    churnRisk: churnRiskOf(
      {
        lifetimeOrders: facts.lifetimeOrders,
        recencyDays: facts.recencyDays,
        orderSpanDays: times.length ? (Math.max(...times) - Math.min(...times)) / DAY : 0,
        quietDays: facts.daysSinceActivity ?? facts.daysSinceSignup,
      },
      S,
    ),
  };
}

/** The facts tagsOf needs, computed in JavaScript from what createCustomer stored. */
function factsOf(spec: CustomerSpec): TagFacts & { daysSinceFirstOrder: number | null } {
  const days = (d: Date) => Math.max(0, Math.floor((NOW.getTime() - d.getTime()) / DAY));
  const all = spec.orders ?? [];
  const inWindow = all.filter((o) => o.at.getTime() >= NOW.getTime() - S.rfm.windowDays * DAY);
  const last = all.length ? new Date(Math.max(...all.map((o) => o.at.getTime()))) : null;
  const first = all.length ? new Date(Math.min(...all.map((o) => o.at.getTime()))) : null;
  const hour = (d: Date) =>
    spec.timezone
      ? Number(new Intl.DateTimeFormat('en-US', { timeZone: spec.timezone, hour: 'numeric', hourCycle: 'h23' }).format(d))
      : d.getUTCHours();
  const categoryItems: Record<string, number> = {};
  let totalItems = 0;
  for (const o of inWindow) {
    for (const item of o.items ?? []) {
      totalItems += item.quantity;
      if (item.category) categoryItems[item.category] = (categoryItems[item.category] ?? 0) + item.quantity;
    }
  }
  const active = [last, spec.lastActivity ?? null].filter((d): d is Date => d !== null);
  const sent = (spec.messages ?? []).filter((m) => m.sentAt.getTime() >= NOW.getTime() - S.rfm.windowDays * DAY);
  const visits = (spec.events ?? []).filter((e) => isVisit(e) && e.at.getTime() >= NOW.getTime() - S.rfm.windowDays * DAY);
  let packageItems = 0;
  for (const o of inWindow)
    for (const item of o.items ?? []) if (item.category && isPackageCategory(item.category)) packageItems += item.quantity;
  return {
    visits: visits.length,
    nightVisits: visits.filter((e) => isNightHour(hour(e.at), S.tags.nightVisitor)).length,
    packageItems,
    recencyDays: last ? days(last) : null,
    frequency: inWindow.length,
    monetary: Math.round(inWindow.reduce((sum, o) => sum + o.amount, 0) * 100) / 100,
    lifetimeOrders: all.length,
    daysSinceFirstOrder: first ? days(first) : null,
    daysSinceActivity: active.length ? days(new Date(Math.max(...active.map((d) => d.getTime())))) : null,
    daysSinceSignup: days(new Date(NOW.getTime() - (spec.signupDaysAgo ?? 400) * DAY)),
    nightOrders: inWindow.filter((o) => isNightHour(hour(o.at), S.tags.nightVisitor)).length,
    timezone: spec.timezone ?? null,
    categoryItems,
    totalItems,
    messagesSent: sent.length,
    messagesResponded: sent.filter((m) => m.responded).length,
  };
}

describe('the full refresh (a database of its own)', () => {
  let own: Database;
  beforeAll(async () => {
    own = createDatabase({ kind: 'postgres', url: await isolatedDatabaseUrl(), poolSize: 4 });
  });
  afterAll(async () => {
    await own?.close();
  });

  it('recomputes every customer but the erased, keeps the table indexed as before, records itself', async () => {
    const a = await createCustomer({ orders: [10, 50, 60, 70, 80, 90].map((d) => ({ at: ago(d), amount: 100 })) }, own.db);
    const b = await createCustomer({ orders: ordersAt(100, 200) }, own.db);
    const gone = await createCustomer({ orders: ordersAt(5) }, own.db);
    await own.db.update(customers).set({ erasedAt: NOW }).where(eq(customers.id, gone));
    const record = await refreshAll(own.db, S, NOW);
    expect(record).toMatchObject({ method: 'threshold', windowDays: 365, customers: 2, cuts: null, at: NOW.toISOString() });
    const rows = await own.db.select().from(customerInsights);
    expect(Object.fromEntries(rows.map((r) => [r.customerId, r.segment]))).toEqual({ [a]: 'loyal', [b]: 'churn_risk' });
    const indexes = await own.db.execute(sql`select indexname from pg_indexes where tablename = 'customer_insights' order by 1`);
    expect((indexes as Array<{ indexname: string }>).map((i) => i.indexname)).toEqual([
      'customer_insights_segment_idx',
      'customer_insights_workspace_id_customer_id_pk',
    ]);
    const [stored] = await own.db.select().from(intelligenceSettings).where(eq(intelligenceSettings.key, 'last_refresh'));
    expect(stored?.value).toMatchObject({ customers: 2 });
    // Again: the swap works on the table it put in place, and a one-customer refresh upserts into it.
    await refreshAll(own.db, S, NOW);
    await refreshOne(own.db, S, a, undefined, NOW);
    expect(await own.db.$count(customerInsights)).toBe(2);
  });

  it('quintiles: ties share a score (cume_dist), and a one-customer refresh scores by the stored cuts', async () => {
    await asInstallation(() => own.db.execute(sql`truncate customers, orders`));
    // Frequencies 1,1,1,1,1,2,2,3,4,5 in the window, all last ordering 40–44 days ago.
    const frequencies = [1, 1, 1, 1, 1, 2, 2, 3, 4, 5];
    const ids: string[] = [];
    for (const f of frequencies)
      ids.push(await createCustomer({ orders: ordersAt(...Array.from({ length: f }, (_, i) => 40 + i)) }, own.db));
    const quintile: IntelligenceSettings = { ...S, rfm: { ...S.rfm, method: 'quintile' } };
    const record = await refreshAll(own.db, quintile, NOW);
    expect(record.cuts?.f).toEqual(quintileCuts(frequencies));
    const scores = await Promise.all(
      ids.map(async (id) => (await own.db.select().from(customerInsights).where(eq(customerInsights.customerId, id)))[0]!.fScore),
    );
    expect(scores).toEqual([3, 3, 3, 3, 3, 4, 4, 4, 5, 5]);
    // Recency: everyone last ordered 40 days ago: one value, everyone ties at 5.
    const r = await own.db.select({ r: customerInsights.rScore }).from(customerInsights);
    expect(new Set(r.map((x) => x.r))).toEqual(new Set([5]));
    // A newcomer with 2 orders is scored against the cuts of the last full refresh.
    const late = await createCustomer({ orders: ordersAt(40, 41) }, own.db);
    await refreshOne(own.db, quintile, late, record.cuts!, NOW);
    const [row] = await own.db.select().from(customerInsights).where(eq(customerInsights.customerId, late));
    expect([row!.fScore, row!.rfmMethod]).toEqual([4, 'quintile']);
  });

  it("the full refresh: preference tags from the per-day counts, the window's first day recounted; no evidence stored", async () => {
    // After the truncate above (which empties customer_category_days with orders).
    const start = ago(S.rfm.windowDays);
    const beer = (quantity: number): Item => ({ sku: 'IPA', category: 'beer', price: 3, quantity });
    const wine = (quantity: number): Item => ({ sku: 'RED', category: 'wine', price: 9, quantity });
    const at = (ms: number, ...items: Item[]) => ({ at: new Date(start.getTime() + ms), amount: 10, items });
    const first = await createCustomer({ orders: [at(0, beer(3))] }, own.db);
    const before = await createCustomer({ orders: [at(-1, beer(3))] }, own.db);
    // Wine 9 of 14 items on the first day, but only 2 of 7 from the window's start on: beer 5 of 7.
    const split = await createCustomer({ orders: [at(-HOUR, wine(7)), at(HOUR, beer(5), wine(2))] }, own.db);
    await refreshAll(own.db, S, NOW);
    const rows = await own.db.select().from(customerInsights);
    const tagsOf = (id: string) => rows.find((r) => r.customerId === id)!.tags.filter((t) => t.endsWith('_lover'));
    expect([tagsOf(first), tagsOf(before), tagsOf(split)]).toEqual([['beer_lover'], [], ['beer_lover']]);
    expect(new Set(rows.map((r) => JSON.stringify(r.evidence)))).toEqual(new Set(['{}']));
    // F and M from the per-hour counts, the first day recounted: from the window's start on only.
    const fm = (id: string) => rows.filter((r) => r.customerId === id).map((r) => [r.frequency, r.monetary, r.recencyDays])[0];
    expect([fm(first), fm(before), fm(split)]).toEqual([
      [1, 10, 365],
      [0, 0, 365],
      [1, 10, 364],
    ]);
  });

  it('a TRUNCATE of customers leaves every order hour a UTC one', async () => {
    const id = await createCustomer(
      { timezone: 'Asia/Tokyo', orders: [{ at: new Date(Date.UTC(2026, 5, 1, 14, 30)), amount: 10 }] },
      own.db,
    );
    const hours = async () =>
      (await own.db.select().from(customerOrderHours).where(eq(customerOrderHours.customerId, id))).map((h) => h.hour);
    expect(await hours()).toEqual([23]);
    await asInstallation(() => own.db.execute(sql`truncate customers`));
    expect(await hours()).toEqual([14]);
  });
});
