// Campaign experiments through the real stack (API → Temporal → a worker process → SMTP + PostgreSQL): every
// customer in one arm by hash, one message each, the holdout none; results that scipy agrees with for the
// counts the test sets up; an SRM flag that holds back the winner; and the auto-winner — a test sample, a
// durable wait, the winner chosen and sent to the rest exactly once, with the worker SIGKILLed in the wait.
// The worker keeps no workflow cached, so every workflow task replays the history so far.
import { readFileSync } from 'node:fs';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignProgress } from '../src/campaigns/campaign.workflow.js';
import { customers, experimentAssignments, messages } from '../src/db/schema.js';
import { type Arms, armOf } from '../src/experiments/assignment.js';
import { idsByArm } from './helpers/arms.js';
import { campaignWorkflowId } from '../src/temporal/workflow-ids.js';
import { expectMatch } from './helpers/reference-match.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process.js';

const reference = JSON.parse(readFileSync(new URL('./fixtures/experiment-e2e-reference.json', import.meta.url), 'utf8'));
const fixture = (name: string) => reference.cases.find((c: { name: string }) => c.name === name).expected;

let stack: Stack;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: false, worker: false, campaigns: { batchSize: 50, batchesPerRun: 3 } });
  worker = await startWorkerProcess(stack);
});
afterAll(async () => {
  await worker?.kill();
  await stack?.close();
});

/** A draft email campaign to a tag of its own. */
async function campaign(tag: string): Promise<string> {
  const res = await stack.api('POST', '/api/marketing/campaigns', {
    name: uid('ab'),
    type: 'email',
    target_tags: [tag],
    content: { subject: 'Original', text: 'Hello {{ customer.id }}' },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/**
 * Customer ids (`<tag>-<i>`) chosen by the experiment's own hash so that each arm (and, for an auto-winner,
 * the test sample) gets exactly `want` customers; inserted with the tag.
 */
async function customersFor(experimentId: string, tag: string, arms: Arms, want: Record<string, number>, sample?: number) {
  const byArm = idsByArm(experimentId, tag, arms, want, sample);
  const ids = Object.values(byArm).flat();
  await stack.database.db.insert(customers).values(ids.map((id) => ({ id, email: `${id}@example.com`, name: `名前 ${id}`, tags: [tag] })));
  return byArm;
}

async function runToEnd(campaignId: string): Promise<{ executionId: string; done: CampaignProgress }> {
  const trig = await stack.api('POST', `/api/marketing/campaigns/${campaignId}/trigger`, { execution_type: 'actual' });
  expect(trig.status, JSON.stringify(trig.body)).toBe(202);
  const done = (await stack.client.workflow.getHandle(campaignWorkflowId(campaignId, trig.body.execution_id)).result()) as CampaignProgress;
  return { executionId: trig.body.execution_id, done };
}

/** The emails each address received. */
function mailByAddress(tag: string): Map<string, string[]> {
  const got = new Map<string, string[]>();
  for (const m of stack.mail.list()) for (const to of m.to) if (to.startsWith(tag)) got.set(to, [...(got.get(to) ?? []), m.subject]);
  return got;
}

const openBy = (experimentId: string, ids: string[]) =>
  stack.database.db
    .update(messages)
    .set({ openedAt: sql`now()`, openCount: 1 })
    .where(and(eq(messages.experimentId, experimentId), inArray(messages.customerId, ids)));

describe('a campaign experiment', () => {
  it('splits customers by hash into three subjects and a holdout: one message each, none to the holdout, results as scipy', async () => {
    const tag = uid('ab3');
    const id = await campaign(tag);
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('subject_test'),
      campaign_id: id,
      variants: [
        { key: 'A', subject: 'Subject A' },
        { key: 'B', subject: 'Subject B ✨ {{ customer.name }}' },
        { key: 'C', subject: '主题 C' },
      ],
      holdout: 0.1,
      goal: 'open_rate',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const e = created.body;
    expect(e).toMatchObject({ status: 'running', control: 'A', holdout: 0.1, target: { type: 'campaign', campaign_id: id } });
    const arms: Arms = { variants: e.variants, holdout: 0.1 };
    const byArm = await customersFor(e.id, tag, arms, { A: 90, B: 90, C: 90, holdout: 30 });

    const { done } = await runToEnd(id);
    expect(done).toMatchObject({ state: 'completed', processed: 300, sent: 270, skipped: 30, reasons: { holdout: 30 } });

    // Stored once per customer, as the hash says.
    const assigned = await stack.database.db.select().from(experimentAssignments).where(eq(experimentAssignments.experimentId, e.id));
    expect(assigned).toHaveLength(300);
    for (const a of assigned) expect([a.variant, a.phase]).toEqual([armOf(e.id, a.customerId, arms), 'test']);
    // One record each, carrying its arm; the holdout's skipped.
    const records = await stack.database.db.select().from(messages).where(eq(messages.campaignId, id));
    expect(records).toHaveLength(300);
    for (const r of records) {
      expect(r.experimentId).toBe(e.id);
      expect(r.variant).toBe(armOf(e.id, r.customerId, arms));
      expect([r.status, r.errorMessage]).toEqual(r.variant === 'holdout' ? ['skipped', 'holdout'] : ['sent', null]);
    }
    // Exactly one email to each variant's customers, with its subject; none to the holdout.
    const mail = mailByAddress(tag);
    const subject = { A: () => 'Subject A', B: (cid: string) => `Subject B ✨ 名前 ${cid}`, C: () => '主题 C' };
    for (const key of ['A', 'B', 'C'] as const)
      for (const cid of byArm[key]!) expect(mail.get(`${cid}@example.com`)).toEqual([subject[key](cid)]);
    for (const cid of byArm.holdout!) expect(mail.get(`${cid}@example.com`)).toBeUndefined();
    expect([...mail.values()].flat()).toHaveLength(270);

    // Opens: 18 of A's 90, 30 of B's, 27 of C's.
    await openBy(e.id, [...byArm.A!.slice(0, 18), ...byArm.B!.slice(0, 30), ...byArm.C!.slice(0, 27)]);
    const results = await stack.api('GET', `/api/experiments/${e.name}/results`);
    expect(results.status, JSON.stringify(results.body)).toBe(200);
    expect(results.body).toMatchObject({ base: 'sent', goal: 'open_rate', winner: null });
    expectMatch(results.body.analysis, fixture('subject-3-arms-holdout'), 'analysis');
    expect(results.body.arms.find((a: { variant: string }) => a.variant === 'holdout')).toMatchObject({ assigned: 30, sent: 0 });
  });

  it('flags a sample-ratio mismatch and declares no winner while it stands', async () => {
    const tag = uid('srm');
    const id = await campaign(tag);
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('srm_test'),
      campaign_id: id,
      variants: [
        { key: 'A', subject: 'A' },
        { key: 'B', subject: 'B' },
      ],
      goal: 'open_rate',
    });
    expect(created.status).toBe(201);
    const e = created.body;
    // Equal weights, but the audience the test builds is 150 against 50.
    const byArm = await customersFor(e.id, tag, { variants: e.variants, holdout: 0 }, { A: 150, B: 50 });
    await runToEnd(id);
    await openBy(e.id, [...byArm.A!.slice(0, 30), ...byArm.B!.slice(0, 40)]);
    const results = await stack.api('GET', `/api/experiments/${e.id}/results`);
    expect(results.status).toBe(200);
    expectMatch(results.body.analysis, fixture('srm-skewed'), 'analysis');
    expect(results.body.analysis).toMatchObject({ decision: 'srm', winner: null, srm: { flagged: true } });
  });

  it('auto-winner: sends the test sample, waits, picks the significant winner and sends it to the rest exactly once, across a worker SIGKILL', async () => {
    const tag = uid('auto');
    const id = await campaign(tag);
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('auto_test'),
      campaign_id: id,
      variants: [
        { key: 'A', subject: 'Plain subject' },
        { key: 'B', subject: 'Better subject' },
      ],
      goal: 'open_rate',
      test_fraction: 0.2,
      winner_wait_seconds: 8,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const e = created.body;
    const byArm = await customersFor(e.id, tag, { variants: e.variants, holdout: 0 }, { A: 20, B: 20, rest: 160 }, 0.2);

    const trig = await stack.api('POST', `/api/marketing/campaigns/${id}/trigger`, { execution_type: 'actual' });
    expect(trig.status).toBe(202);
    const handle = stack.client.workflow.getHandle(campaignWorkflowId(id, trig.body.execution_id));
    // The test sample is out and the workflow waits for the winner.
    const waiting = await waitFor(async () => {
      const p = await handle.query<CampaignProgress>('progress');
      return p.experiment?.decidesAt ? p : null;
    }, 'the test to wait for its winner');
    expect(waiting.experiment).toMatchObject({ phase: 'test', winner: null });
    expect(waiting.sent).toBe(40);
    expect([...mailByAddress(tag).values()].flat()).toHaveLength(40);

    // Opens come in during the wait: 2 of A's 20, 12 of B's. The worker dies; another takes over.
    await openBy(e.id, [...byArm.A!.slice(0, 2), ...byArm.B!.slice(0, 12)]);
    await worker!.kill();
    worker = await startWorkerProcess(stack);

    const done = (await handle.result()) as CampaignProgress;
    expect(done).toMatchObject({
      state: 'completed',
      processed: 200,
      sent: 200,
      experiment: { phase: 'rollout', winner: 'B', reason: 'significant' },
    });
    const mail = mailByAddress(tag);
    expect(mail.size).toBe(200);
    for (const cid of byArm.A!) expect(mail.get(`${cid}@example.com`)).toEqual(['Plain subject']);
    for (const cid of [...byArm.B!, ...byArm.rest!]) expect(mail.get(`${cid}@example.com`)).toEqual(['Better subject']);

    const experiment = await stack.api('GET', `/api/experiments/${e.id}`);
    expect(experiment.body).toMatchObject({ status: 'completed', winner: 'B', winner_reason: 'significant' });
    const assigned = await stack.database.db.select().from(experimentAssignments).where(eq(experimentAssignments.experimentId, e.id));
    expect(assigned.filter((a) => a.phase === 'test')).toHaveLength(40);
    expect(assigned.filter((a) => a.phase === 'rollout').every((a) => a.variant === 'B')).toBe(true);
    expect(assigned.filter((a) => a.phase === 'rollout')).toHaveLength(160);
    // The results are the test sample's only, and scipy's.
    const results = await stack.api('GET', `/api/experiments/${e.id}/results`);
    expectMatch(results.body.analysis, fixture('auto-winner-test'), 'analysis');
  });
});

describe('POST /api/experiments refuses what cannot run', () => {
  it('names the field: too few variants, a duplicate key, a holdout too large, a test fraction outside a campaign, a triggered campaign', async () => {
    const id = await campaign(uid('bad'));
    const base = { name: uid('bad'), campaign_id: id, goal: 'open_rate', variants: [{ key: 'A' }, { key: 'B' }] };
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ variants: [{ key: 'A' }] }, 422, 'validation_error', 'variants'],
      [{ variants: [{ key: 'A' }, { key: 'A' }] }, 422, 'validation_error', 'variants[1].key'],
      [{ variants: [{ key: 'A' }, { key: 'holdout' }] }, 422, 'validation_error', 'variants[1].key'],
      [{ holdout: 0.7 }, 422, 'validation_error', 'holdout'],
      [
        { campaign_id: undefined, journey_key: 'welcome', step_key: 'welcome', test_fraction: 0.2 },
        422,
        'validation_error',
        'test_fraction',
      ],
      [
        { variants: [{ key: 'A' }, { key: 'B', send_at: { local_time: '25:00' } }] },
        422,
        'validation_error',
        'variants[1].send_at.local_time',
      ],
      [
        { variants: [{ key: 'A' }, { key: 'B', content: { subject: 'x', nonsense: 'y' } }] },
        422,
        'validation_error',
        'variants[1].content.nonsense',
      ],
      [{ campaign_id: '00000000-0000-0000-0000-000000000000' }, 404, 'campaign_not_found', 'campaign_id'],
    ];
    for (const [change, status, code, field] of cases) {
      const res = await stack.api('POST', '/api/experiments', { ...base, ...change });
      expect([res.status, res.body.error?.code, res.body.error?.field], JSON.stringify(change)).toEqual([status, code, field]);
    }
    const ok = await stack.api('POST', '/api/experiments', base);
    expect(ok.status).toBe(201);
    const again = await stack.api('POST', '/api/experiments', { ...base, name: uid('other') });
    expect([again.status, again.body.error.code]).toEqual([409, 'experiment_exists']);
    const sameName = await stack.api('POST', '/api/experiments', { ...base, campaign_id: await campaign(uid('bad')) });
    expect([sameName.status, sameName.body.error.code, sameName.body.error.field]).toEqual([409, 'experiment_name_taken', 'name']);
    expect((await stack.api('GET', '/api/experiments/nope')).status).toBe(404);
  });

  it('sample size: customers per arm for a difference at α and power', async () => {
    const res = await stack.api('GET', '/api/experiments/sample-size?baseline=0.2&mde=0.05&alpha=0.05&power=0.8');
    expect(res.status).toBe(200);
    // statsmodels: NormalIndPower().solve_power(proportion_effectsize(0.25, 0.2), alpha=0.05, power=0.8) = 1091.9
    expect(res.body.per_arm).toBe(1092);
    const bad = await stack.api('GET', '/api/experiments/sample-size?baseline=0.2&mde=2');
    expect([bad.status, bad.body.error.code, bad.body.error.field]).toEqual([400, 'invalid_query', 'mde']);
    // A significance level no test could reach (the fuzzer's 5e-324) is refused, not answered with no number.
    const tiny = await stack.api('GET', '/api/experiments/sample-size?baseline=0.2&mde=0.02&alpha=5e-324');
    expect([tiny.status, tiny.body.error.code, tiny.body.error.field]).toEqual([400, 'invalid_query', 'alpha']);
  });
});
