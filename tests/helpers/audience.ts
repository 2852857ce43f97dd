import { customers } from '../../src/db/schema.js';
import type { Db } from '../../src/db/client.js';
import { uid } from './stack.js';

/**
 * `n` customers sharing a tag of their own (ids `<tag>-000000`…, in id order), inserted a thousand per
 * statement, each with an email, a phone and the name `Customer <i>`; `extra` changes some of them.
 */
export async function seedAudience(db: Db, n: number, extra: (i: number) => Partial<typeof customers.$inferInsert> = () => ({})) {
  const tag = uid('tag');
  const rows = Array.from({ length: n }, (_, i) => ({
    id: `${tag}-${String(i).padStart(6, '0')}`,
    email: `${tag}-${i}@example.com`,
    phone: `+1555${String(i).padStart(7, '0')}`,
    name: `Customer ${i}`,
    tags: [tag],
    ...extra(i),
  }));
  for (let i = 0; i < rows.length; i += 1000) await db.insert(customers).values(rows.slice(i, i + 1000));
  return { tag, ids: rows.map((r) => r.id), emails: rows.map((r) => r.email) };
}
