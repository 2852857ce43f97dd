// `touchpoint ab run` and `touchpoint ab report` as a marketer types them: a child process against the API
// over real HTTP, the campaign sent through the worker and SMTP.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { campaignWorkflowId } from '../src/temporal/workflow-ids.js';
import { customers, messages } from '../src/db/schema.js';
import { runTouchpoint } from './helpers/cli.js';
import { serveApp } from './helpers/serve-app.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
let server: Awaited<ReturnType<typeof serveApp>> | undefined;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: false });
  server = await serveApp(stack.app);
});
afterAll(async () => {
  await server?.close();
  await stack?.close();
});

const touchpoint = (...args: string[]) => runTouchpoint(server!.url, stack.key, ...args);

it('ab run creates a subject test on a campaign and sends it; ab report shows rates, CIs, lift, p-values and the leader', async () => {
  const tag = uid('cli-ab');
  await stack.database.db
    .insert(customers)
    .values(Array.from({ length: 60 }, (_, i) => ({ id: `${tag}-${i}`, email: `${tag}-${i}@example.com`, tags: [tag] })));
  const campaign = uid('CLI AB campaign');
  expect(
    (await stack.api('POST', '/api/marketing/campaigns', { name: campaign, type: 'email', target_tags: [tag], content: 'Hi' })).status,
  ).toBe(201);
  const test = uid('subject_line_test');

  const run = await touchpoint('ab', 'run', '--test', test, '--campaign', campaign, '--subject-a', 'Plain', '--subject-b', 'Fancy ✨');
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain(`experiment ${test} created (2 variants, goal open_rate)`);
  const executionId = run.stdout.match(/execution ([\w-]+)/)![1]!;
  const experiment = (await stack.api('GET', `/api/experiments/${test}`)).body;
  await stack.client.workflow.getHandle(campaignWorkflowId(experiment.target.campaign_id, executionId)).result();
  const subjects = stack.mail
    .list()
    .filter((m) => m.to[0]!.startsWith(tag))
    .map((m) => m.subject);
  expect(subjects).toHaveLength(60);
  expect(new Set(subjects)).toEqual(new Set(['Plain', 'Fancy ✨']));

  // Everyone who got B opens it; nobody who got A does.
  await stack.database.db
    .update(messages)
    .set({ openedAt: sql`now()`, openCount: 1 })
    .where(and(eq(messages.experimentId, experiment.id), eq(messages.variant, 'B')));
  const report = await touchpoint('ab', 'report', '--test', test);
  expect(report.code, report.stderr).toBe(0);
  const results = (await stack.api('GET', `/api/experiments/${test}/results`)).body;
  const [a, b] = results.analysis.arms;
  expect(report.stdout).toMatch(new RegExp(`A \\(control\\)\\s+${a.n}\\s+0\\s+0\\.00%`));
  expect(report.stdout).toMatch(new RegExp(`B\\s+${b.n}\\s+${b.n}\\s+100\\.00%.*${b.adjustedPValue.toFixed(4)}\\s+yes`));
  expect(report.stdout).toContain('sample ratio: ok');
  expect(report.stdout).toContain('leading significantly: B');

  const promoted = await touchpoint('ab', 'promote', '--test', test, '--variant', 'B');
  expect(promoted.stdout).toContain(`${test}: B is the winner`);
  expect((await touchpoint('ab', 'report', '--test', test)).stdout).toContain('winner: B (promoted)');
  expect((await touchpoint('ab', 'list')).stdout).toMatch(new RegExp(`${test}\\s+completed\\s+open_rate\\s+A,B\\s+campaign\\s+B`));

  const missing = await touchpoint('ab', 'report', '--test', 'no-such-test');
  expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/404 experiment_not_found/)]);
});
