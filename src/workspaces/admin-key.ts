// The installation's first key: an admin key of the `default` workspace, made on the first start and kept in
// DATA_DIR/admin-key (readable by its owner only), so that `npm start` prints a key that works and a
// deployment has a way in without ever running keyless. A kept key that no longer works (revoked) is replaced.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyService } from './keys.js';

export async function installationAdminKey(keys: KeyService, dataDir: string) {
  const file = join(dataDir, 'admin-key');
  let kept: string | undefined;
  try {
    kept = readFileSync(file, 'utf8').trim();
  } catch {
    // First start: made below.
  }
  if (kept && (await keys.authenticate(kept))) return { key: kept, file, created: false };
  const { key } = await keys.create({ name: 'installation admin', scopes: ['admin'] }, 'start-up');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file, created: true };
}
