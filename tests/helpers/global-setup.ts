import type {} from 'vitest';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../../src/db/client.js';
import { seedJourneyConfigs } from '../../src/db/defaults.js';
import { DEFAULT_WORKSPACE, inWorkspace } from '../../src/db/workspace.js';
import { writeWorkflowBundle } from '../../src/worker/bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A database created for this run, migrated and seeded. */
    databaseUrl: string;
    /** `create database x template <template>` gives a test file a migrated, seeded database of its own. */
    databaseTemplate: { adminUrl: string; template: string };
    workflowBundlePath: string;
  }
}

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export default async function setup(project: TestProject) {
  // A fresh database per run: tests never see another run's rows.
  const name = `touchpoint_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    // The suite runs worker *processes* against one database, so it needs a server: PGlite lives inside
    // a single process (it has its own tests in tests/unit/database.test.ts and tests/embedded.test.ts).
    if (!process.env.TEST_POSTGRES_URL && startLocalCluster()) {
      await admin.unsafe(`create database ${name}`);
    } else {
      await admin.end();
      throw new Error(
        `PostgreSQL at ${ADMIN_URL} did not answer (${(err as Error).message}). Start it ` +
          '(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set TEST_POSTGRES_URL.',
        { cause: err },
      );
    }
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const database = createDatabase({ kind: 'postgres', url: url.toString(), poolSize: 2 });
  await database.migrate();
  await inWorkspace(DEFAULT_WORKSPACE, () => seedJourneyConfigs(database.db));
  await database.close();
  project.provide('databaseUrl', url.toString());
  // A pristine copy nobody connects to, for test files that need a database of their own (they change
  // journey configuration, which every run of that journey would otherwise see).
  await admin.unsafe(`create database ${name}_tpl template ${name}`);
  project.provide('databaseTemplate', { adminUrl: ADMIN_URL, template: `${name}_tpl` });

  // Bundling the workflows takes seconds; do it once and let every worker load the bundle.
  const bundlePath = await writeWorkflowBundle(join(mkdtempSync(join(tmpdir(), 'touchpoint-bundle-')), 'workflows.js'));
  project.provide('workflowBundlePath', bundlePath);

  return async () => {
    const dbs = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`${name}%`}`;
    for (const { datname } of dbs) await admin.unsafe(`drop database if exists ${datname} with (force)`);
    await admin.end();
  };
}

/** Starts the machine's own PostgreSQL cluster, as .ci/run does; false when there is none to start. */
function startLocalCluster(): boolean {
  try {
    const [version] = readdirSync('/etc/postgresql');
    if (!version) return false;
    console.warn(`[tests] PostgreSQL did not answer; starting the local cluster ${version}/main`);
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
    return true;
  } catch {
    return false;
  }
}
