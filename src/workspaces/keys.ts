// API keys: `tp_<8 characters>_<secret>`. The whole key is shown once, when it is created; the database keeps
// its SHA-256 (a key is 32 random bytes, so a plain hash is enough: there is nothing to guess) and its first
// eleven characters, which name it in lists and logs.
import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { apiKeys, type ApiKeyRow, workspaces } from '../db/schema.js';
import { isUuid } from '../db/sql-helpers.js';
import { asInstallation } from '../db/workspace.js';
import { DomainError } from '../domain/errors.js';
import type { ApiScope } from '../domain/scopes.js';

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

function newKey(): { key: string; prefix: string } {
  const bytes = randomBytes(8);
  const prefix = `tp_${Array.from(bytes, (b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join('')}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/** A key as lists show it: never the key itself, nor its hash. */
export const keyView = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  created_by: row.createdBy,
  created_at: row.createdAt.toISOString(),
  last_used_at: row.lastUsedAt?.toISOString() ?? null,
  revoked_at: row.revokedAt?.toISOString() ?? null,
});

export interface Caller {
  workspaceId: string;
  keyId: string;
  /** Who made a change, as created_by / updated_by keep it: `key:<name>`. */
  identity: string;
  scopes: ApiScope[];
}

/** How often a key's last_used_at is written at most (every request would write a row per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

export function createKeyService(db: Db) {
  return {
    /** Creates a key in the current workspace; the answer is the only time the key is shown. */
    async create(input: { name: string; scopes: ApiScope[] }, createdBy: string | null) {
      const { key, prefix } = newKey();
      const [row] = await db
        .insert(apiKeys)
        .values({ name: input.name, scopes: input.scopes, prefix, hash: hashKey(key), createdBy })
        .returning();
      return { ...keyView(row!), key };
    },

    async list() {
      const rows = await db.select().from(apiKeys).where(ownRows(apiKeys)).orderBy(desc(apiKeys.createdAt));
      return rows.map(keyView);
    },

    /** Revokes a key of the current workspace: the next request with it is refused. */
    async revoke(id: string) {
      if (!isUuid(id)) throw new DomainError('not_found', `no API key ${id}`, 'id', 404);
      const [row] = await db
        .update(apiKeys)
        .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
        .where(eq(apiKeys.id, id))
        .returning();
      if (!row) throw new DomainError('not_found', `no API key ${id}`, 'id', 404);
      return keyView(row);
    },

    /** The caller a presented key stands for, or null for an unknown or revoked key. */
    authenticate(key: string): Promise<Caller | null> {
      return asInstallation(async () => {
        const [row] = await db
          .select({ key: apiKeys })
          .from(apiKeys)
          .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
          .where(and(eq(apiKeys.hash, hashKey(key)), isNull(apiKeys.revokedAt)));
        if (!row) return null;
        const k = row.key;
        if (!k.lastUsedAt || Date.now() - k.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
          await db
            .update(apiKeys)
            .set({ lastUsedAt: sql`now()` })
            .where(and(eq(apiKeys.workspaceId, k.workspaceId), eq(apiKeys.id, k.id)));
        }
        return { workspaceId: k.workspaceId, keyId: k.id, identity: `key:${k.name}`, scopes: k.scopes };
      });
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
