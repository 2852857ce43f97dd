import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { customers, events, messages } from '../../src/db/schema.js';
import { asInstallation } from '../../src/db/workspace.js';

const migrationCount = async (database: Database) => {
  // drizzle's own bookkeeping is the installation's, not a workspace's.
  const rows = await asInstallation(() =>
    database.db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
  );
  // PGlite returns { rows }, postgres-js an array.
  const list = (Array.isArray(rows) ? rows : (rows as { rows: { n: number }[] }).rows) as { n: number }[];
  return list[0]!.n;
};

describe('PGlite database (memory://)', () => {
  let database: Database;
  beforeAll(async () => {
    database = createDatabase({ kind: 'pglite', dataDir: 'memory://' });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('migrates, and a second migrate() is a no-op', async () => {
    await database.migrate();
    const applied = await migrationCount(database);
    expect(applied).toBeGreaterThanOrEqual(1);
    await database.migrate();
    expect(await migrationCount(database)).toBe(applied);
    await expect(database.ping()).resolves.toBeUndefined();
  });

  it('stores and reads a customer and an event', async () => {
    await database.migrate();
    await database.db.insert(customers).values({ id: 'c1', email: 'c1@example.com', attributes: { plan: 'pro' }, tags: ['a', 'b'] });
    const [customer] = await database.db.select().from(customers).where(eq(customers.id, 'c1'));
    expect(customer).toMatchObject({
      id: 'c1',
      email: 'c1@example.com',
      attributes: { plan: 'pro' },
      tags: ['a', 'b'],
      consent: {},
      erasedAt: null,
    });
    expect(customer!.createdAt).toBeInstanceOf(Date);

    const occurredAt = new Date('2024-05-01T10:00:00Z');
    await database.db.insert(events).values({ id: 'e1', type: 'user_signup', customerId: 'c1', properties: { source: 'ad' }, occurredAt });
    const [event] = await database.db.select().from(events).where(eq(events.id, 'e1'));
    expect(event).toMatchObject({ id: 'e1', type: 'user_signup', customerId: 'c1', properties: { source: 'ad' }, dispatchedAt: null });
    expect(event!.occurredAt.toISOString()).toBe(occurredAt.toISOString());
  });

  it('rejects a second message with the same idempotency key', async () => {
    await database.migrate();
    const row = { idempotencyKey: 'welcome/c1:welcome', customerId: 'c1', stepKey: 'welcome', channel: 'email' as const };
    await database.db.insert(messages).values(row);
    await expect(database.db.insert(messages).values({ ...row, stepKey: 'again' })).rejects.toThrow();
    const rows = await database.db.select().from(messages).where(eq(messages.idempotencyKey, row.idempotencyKey));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.stepKey).toBe('welcome');
  });
});

describe('PGlite on its own thread: transactions and errors', () => {
  let database: Database;
  beforeAll(async () => {
    database = createDatabase({ kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
  });
  afterAll(async () => {
    await database?.close();
  });
  const ids = async () => (await database.db.select({ id: customers.id }).from(customers)).map((c) => c.id).sort();

  it('commits a transaction, rolls one back when its callback throws, and keeps PostgreSQL error codes', async () => {
    await database.db.transaction(async (tx) => {
      await tx.insert(customers).values({ id: 'tx-1' });
      await tx.insert(customers).values({ id: 'tx-2' });
    });
    await expect(
      database.db.transaction(async (tx) => {
        await tx.insert(customers).values({ id: 'tx-3' });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await ids()).toEqual(['tx-1', 'tx-2']);

    const duplicate = await database.db
      .insert(customers)
      .values({ id: 'tx-1' })
      .catch((err: Error & { cause?: { code?: string } }) => err);
    expect((duplicate as { cause?: { code?: string } }).cause?.code).toBe('23505');
  });
});

describe('PGlite database on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its data and does not migrate again when reopened', async () => {
    const first = createDatabase({ kind: 'pglite', dataDir: dir });
    await first.migrate();
    const applied = await migrationCount(first);
    await first.db.insert(customers).values({ id: 'kept' });
    await first.close();

    const second = createDatabase({ kind: 'pglite', dataDir: dir });
    try {
      await second.migrate();
      expect(await migrationCount(second)).toBe(applied);
      expect(await second.db.select({ id: customers.id }).from(customers)).toEqual([{ id: 'kept' }]);
    } finally {
      await second.close();
    }
  });
});
