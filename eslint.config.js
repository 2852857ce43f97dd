// The habits machines check (`npm run lint`); folder boundaries and cycles are checked by
// dependency-cruiser (.dependency-cruiser.cjs), formatting by Prettier.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** What workflow code may not import at run time: it runs in Temporal's deterministic sandbox. */
const notInWorkflows = [
  {
    group: ['**/*.activities.js', '**/worker/activities.js'],
    allowTypeImports: true,
    message: 'workflows import activities as types only (proxyActivities)',
  },
  {
    group: ['**/service.js', '**/db/*', '**/api/*', '**/channels/*', '**/worker/*', '**/templates/render.js'],
    allowTypeImports: true,
    message: 'workflow code is deterministic: no services, database, channels or rendering — call an activity',
  },
  {
    group: ['drizzle-orm', 'drizzle-orm/*', 'postgres', 'liquidjs', 'nodemailer', 'hono', 'hono/*', '@hono/*'],
    allowTypeImports: true,
    message: 'not in the workflow bundle: do it in an activity',
  },
  {
    group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'],
    allowTypeImports: true,
    message: 'workflow code uses @temporalio/workflow',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', 'data/', 'drizzle/', 'coverage/', 'src/db/pglite-thread.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Forgetting to await an activity, a query or a send is a bug.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Services and activity sets are objects of closures (no `this`): destructuring their methods is safe.
      '@typescript-eslint/unbound-method': 'off',
      // A caught error is rethrown as it came, whatever it is.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The environment is parsed once, in src/env.ts; everything else receives a Config.
    files: ['src/**/*.ts', 'worker.ts'],
    ignores: ['src/env.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration through src/env.ts' }],
    },
  },
  {
    files: ['src/**/*.workflow.ts', 'src/steps/steps.ts', 'src/worker/workflows.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'workflow code runs in a sandbox without Node built-ins' })),
          patterns: notInWorkflows,
        },
      ],
    },
  },
  {
    // Tests, benches and the CLI read JSON answers of the API, whose type is any by nature; tests and
    // benches are checked by their assertions, the CLI prints what it got.
    files: ['tests/**/*.ts', 'bench/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // A flow condition compares any JSON value as text, exactly as String() spells it (recorded runs depend on it).
    files: ['src/flows/flow-types.ts'],
    rules: { '@typescript-eslint/no-base-to-string': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The dashboard's modules run in the browser, as they are (no build step): its globals, not Node's.
    files: ['src/dashboard/static/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
