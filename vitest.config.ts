import { defineConfig } from 'vitest/config';

// Two projects: unit tests run with no servers at all; integration tests share the real stack that
// the global setup starts once per run (a migrated PostgreSQL database, the workflow bundle).
export default defineConfig({
  test: {
    // Worker threads crash Temporal's native bridge; forks do not (TEMPORAL-NOTES.md).
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], setupFiles: ['tests/helpers/implicit-workspace.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/*.test.ts'],
          globalSetup: ['tests/helpers/global-setup.ts'],
          setupFiles: ['tests/helpers/implicit-workspace.ts'],
        },
      },
    ],
  },
});
