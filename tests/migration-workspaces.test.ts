// The upgrade to workspaces on a database that has data: migrations 0000–0011 applied and filled as an
// installation before workspaces had it, then the real migrator applies 0012. Every row is the `default`
// workspace's, with its values, its counts kept by the order triggers, and nothing visible to another one.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../src/db/client.js';
import { customerOrderHours, customers, events, marketingCampaigns, messages, orders, workspaces } from '../src/db/schema.js';
import { asInstallation, inWorkspace } from '../src/db/workspace.js';

const folder = new URL('../drizzle/', import.meta.url);
const journal = JSON.parse(readFileSync(new URL('meta/_journal.json', folder), 'utf8')) as {
  entries: Array<{ idx: number; tag: string; when: number }>;
};
const BEFORE = journal.entries.findIndex((e) => e.tag === '0012_workspaces');

let admin: postgres.Sql | undefined;
let legacy: postgres.Sql | undefined;
let database: Database | undefined;
let name = '';
afterAll(async () => {
  await legacy?.end();
  await database?.close();
  if (admin && name) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin?.end();
});

it('moves every existing row into the default workspace, loses nothing and keeps the order counts', async () => {
  expect(BEFORE).toBeGreaterThan(0);
  const { adminUrl } = inject('databaseTemplate');
  admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  name = `touchpoint_upgrade_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;

  // The installation before workspaces: 0000–0011 as drizzle applied them, and their record.
  legacy = postgres(url.toString(), { max: 1, onnotice: () => {} });
  for (const entry of journal.entries.slice(0, BEFORE)) {
    for (const statement of readFileSync(new URL(`${entry.tag}.sql`, folder), 'utf8').split('--> statement-breakpoint')) {
      if (statement.trim()) await legacy.unsafe(statement);
    }
  }
  await legacy.unsafe('create schema drizzle');
  await legacy.unsafe('create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)');
  await legacy`insert into drizzle.__drizzle_migrations (hash, created_at) values ('before-workspaces', ${journal.entries[BEFORE - 1]!.when})`;
  await legacy`insert into customers (id, email, name, timezone, tags) values ('ada', 'ada@example.com', 'Ada', 'Asia/Shanghai', '{新用户,vip}')`;
  await legacy`insert into events (id, type, customer_id, occurred_at) values ('evt-1', 'user_signup', 'ada', now())`;
  await legacy`insert into orders (id, customer_id, amount, items, occurred_at)
    values ('o-1', 'ada', 42.5, '[{"sku":"tea","category":"drinks","price":42.5}]', '2026-11-30T15:00:00Z')`;
  await legacy`insert into messages (idempotency_key, customer_id, step_key, channel, status, recipient)
    values ('welcome/ada/welcome', 'ada', 'welcome', 'email', 'clicked', 'ada@example.com')`;
  await legacy`insert into marketing_campaigns (name, type, target_tags) values ('June', 'email', '{vip}')`;
  await legacy.end();
  legacy = undefined;

  database = createDatabase({ kind: 'postgres', url: url.toString(), poolSize: 2 });
  await database.migrate();
  const db = database.db;

  expect(await asInstallation(() => db.select({ id: workspaces.id }).from(workspaces))).toEqual([{ id: 'default' }]);
  await inWorkspace('default', async () => {
    const [ada] = await db.select().from(customers).where(eq(customers.id, 'ada'));
    expect(ada).toMatchObject({ workspaceId: 'default', email: 'ada@example.com', name: 'Ada', tags: ['新用户', 'vip'] });
    expect(await db.select({ id: events.id, ws: events.workspaceId }).from(events)).toEqual([{ id: 'evt-1', ws: 'default' }]);
    expect(await db.select({ id: orders.id, amount: orders.amount }).from(orders)).toEqual([{ id: 'o-1', amount: 42.5 }]);
    const [touch] = await db.select().from(messages);
    expect(touch).toMatchObject({ workspaceId: 'default', idempotencyKey: 'welcome/ada/welcome', status: 'clicked' });
    expect((await db.select().from(marketingCampaigns))[0]).toMatchObject({ workspaceId: 'default', name: 'June' });
    // The order hour kept by 0011's trigger (Shanghai: 23:00), still there and now the default workspace's.
    expect(await db.select({ ws: customerOrderHours.workspaceId, hour: customerOrderHours.hour }).from(customerOrderHours)).toEqual([
      { ws: 'default', hour: 23 },
    ]);
    // The rewritten triggers count a new order in its workspace.
    await db.insert(orders).values({ id: 'o-2', customerId: 'ada', amount: 10, occurredAt: new Date('2026-12-01T01:00:00Z') });
    const hours = await db.select({ hour: customerOrderHours.hour }).from(customerOrderHours).orderBy(customerOrderHours.hour);
    expect(hours.map((h) => h.hour)).toEqual([9, 23]);
  });
  // Another workspace sees none of it.
  await asInstallation(() => db.insert(workspaces).values({ id: 'shop-b', name: 'B' }));
  expect(await inWorkspace('shop-b', () => db.select().from(customers))).toEqual([]);
  expect(await inWorkspace('shop-b', () => db.select().from(messages))).toEqual([]);
});
