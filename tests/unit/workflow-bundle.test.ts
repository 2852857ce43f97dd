// The workflow bundle holds workflow code only: what the sandbox runs on every workflow task, and what each
// cached workflow keeps a copy of. A module that reaches a database client, a template engine, a web
// framework or a mailer from a workflow file would put it there (a type-only import does not).
import { bundleWorkflowCode } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowsPath } from '../../src/worker/create-worker.js';

let code = '';
beforeAll(async () => {
  ({ code } = await bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } }));
});

describe('the workflow bundle', () => {
  it('contains every workflow the worker registers', () => {
    for (const name of [
      'welcome',
      'cartRecovery',
      'churnWinBack',
      'churnSweep',
      'birthday',
      'tierUpgrade',
      'flowRun',
      'campaignExecution',
      'segmentsRefresh',
      'insightsRefresh',
      'recommendationsRefresh',
    ]) {
      expect(code, name).toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it.each(['liquidjs', 'drizzle-orm', 'postgres', 'nodemailer', 'hono', '@hono', '@electric-sql', 'smtp-server'])(
    'includes no module of %s',
    (pkg) => {
      expect(code).not.toContain(`node_modules/${pkg}/`);
    },
  );
});
