// Folder boundaries, checked by `npm run lint` (scripts/boundaries.mjs runs these rules and also
// refuses any import cycle between folders). Imports go one way: api → feature services → workflows
// (types only from activities) → activities → channels/db; domain imports nothing of the app.
const workflowFiles = '(\\.workflow\\.ts$|^src/steps/steps\\.ts$|^src/worker/workflows\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A module cycle hides which of two modules is the lower layer. Type-only imports are erased at run time and do not count: ' +
        'the composition roots describe what they pass down (AppEnv, ActivityDeps, Activities) and the modules they build name those types.',
      from: { path: '^(src|worker\\.ts)' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'domain-imports-nothing',
      severity: 'error',
      comment: 'src/domain/ is pure vocabulary shared by features: it imports no module of the app.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'services-never-import-activities',
      severity: 'error',
      comment: 'Activities are called by workflows; what a service and an activity share lives in a module of its own.',
      // Not bound: activity modules, the worker, workflow code (types only, checked below) and the composition
      // root. A type-only import (an activity's steps naming ActivityDeps) calls nothing.
      from: { path: '^src/', pathNot: ['\\.activities\\.ts$', '^src/worker/', workflowFiles, '^src/runtime\\.ts$'] },
      to: { path: ['\\.activities\\.ts$', '^src/worker/activities\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-import-only-domain-and-types',
      severity: 'error',
      comment: 'Workflow code is deterministic and bundled: it imports activities and services as types only, and no infrastructure.',
      from: { path: workflowFiles },
      to: {
        path: [
          '\\.activities\\.ts$',
          '/service\\.ts$',
          '^src/(db|api|channels|worker|events)/',
          '^src/templates/render\\.ts$',
          '^src/env\\.ts$',
          '^src/runtime\\.ts$',
          'node_modules/(drizzle-orm|postgres|liquidjs|nodemailer|hono|@hono)/',
          'node_modules/@temporalio/(client|worker|activity|testing)/',
        ],
        pathNot: '^src/worker/workflows\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'channels-are-adapters',
      severity: 'error',
      comment: 'src/channels/ holds adapters only: they know nothing of features.',
      from: { path: '^src/channels/' },
      to: { path: '^src/', pathNot: ['^src/(channels|domain)/'] },
    },
    {
      name: 'infrastructure-knows-no-feature',
      severity: 'error',
      comment: 'db/ and temporal/ are shared infrastructure; features build on them, not the reverse (types excepted).',
      from: { path: '^src/(db|temporal)/' },
      to: { path: '^src/', pathNot: ['^src/(db|temporal|domain)/', '^src/env\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(tests|bench|scripts|drizzle|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs'],
    },
  },
};
