import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../env.js';

/**
 * TRACKING_SECRET, or in embedded mode one generated on first start and kept in DATA_DIR, so links in mail
 * already sent keep working after a restart. Processes that scale out must share one (the worker signs the
 * links the API verifies), so outside embedded mode it must be set.
 */
export function trackingSecret(config: Pick<Config, 'tracking' | 'dataDir'>, embedded: boolean): string {
  if (config.tracking.secret) return config.tracking.secret;
  if (!embedded) throw new Error('TRACKING_SECRET is required outside embedded mode (the same value for the API and every worker)');
  const file = join(config.dataDir, 'tracking-secret');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  } catch {
    // Not there yet: made below.
  }
  const secret = randomBytes(32).toString('hex');
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
