// The tier upgrade journey through the real stack: orders through the API move the totals, the
// customer's tier run upgrades once per tier (tier, points, coupon, upgrade_history row, congratulation),
// and the ai-ops API evaluates and upgrades by the same rules.
import type { WorkflowHandle } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../src/worker/activities.js';
import { coupons, customers, journeyRuns, messages, upgradeHistory } from '../src/db/schema.js';
import { defaultJourneyConfigs } from '../src/domain/journey-config.js';
import { DEFAULT_TIER_RULES } from '../src/domain/tiers.js';
import { tierUpgradeWorkflowId } from '../src/temporal/workflow-ids.js';
import { CustomerIdKey, JourneyKeyKey, JourneyStepKey } from '../src/temporal/search-attributes.js';
import { statusQuery } from '../src/steps/steps.js';
import { type TierStatus, tierUpgrade } from '../src/tiers/tier-upgrade.workflow.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  // Its own database: one test changes the tier_upgrade configuration.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const db = () => stack.database.db;

async function customer(name = 'Ada') {
  const id = uid('tier');
  const email = `${id}@example.com`;
  expect((await stack.api('PUT', `/api/customers/${id}`, { email, name })).status).toBe(201);
  // Orders stamped from ten days ago, two hours apart: each one is a visit.
  let clock = Date.now() - 10 * DAY;
  return {
    id,
    email,
    nextAt: () => (clock += 2 * HOUR),
    run: (): WorkflowHandle<typeof tierUpgrade> => stack.client.workflow.getHandle(tierUpgradeWorkflowId(id)),
    mail: () => stack.mail.list().filter((m) => m.to.includes(email)),
    row: async () => (await db().select().from(customers).where(eq(customers.id, id)))[0]!,
    upgrades: () => db().select().from(upgradeHistory).where(eq(upgradeHistory.customerId, id)).orderBy(upgradeHistory.createdAt),
    messages: () => db().select().from(messages).where(eq(messages.customerId, id)),
    coupons: () => db().select().from(coupons).where(eq(coupons.customerId, id)),
  };
}
type Customer = Awaited<ReturnType<typeof customer>>;

function order(c: Customer, amount: number, options: { id?: string; orderId?: string; at?: number } = {}) {
  return {
    id: options.id ?? uid('evt'),
    type: 'order_completed',
    customerId: c.id,
    timestamp: new Date(options.at ?? c.nextAt()).toISOString(),
    properties: { order_id: options.orderId ?? uid('o'), amount, currency: 'EUR' },
  };
}

async function send(body: unknown) {
  const res = await stack.api('POST', '/api/events', body);
  expect(res.status).toBe(202);
  return res.body.results as Array<{ id: string; status: string; journeys?: Array<{ journey: string; result: string }> }>;
}

const status = (c: Customer) => c.run().query(statusQuery) as Promise<TierStatus>;

/** The run idle (waiting for orders) with the customer in `tier`, after at least `evaluations` evaluations. */
const settled = (c: Customer, tier: string, evaluations = 1) =>
  waitFor(async () => {
    const s = await status(c);
    if (s.tier === tier && s.currentStep === 'waiting_for_orders' && s.evaluations >= evaluations) return s;
    throw new Error(JSON.stringify(s));
  }, `${c.id}'s run settled in ${tier}`);

const mailCount = (c: Customer, n: number) => waitFor(() => c.mail().length === n, `${n} mails to ${c.email}`);
const evaluateApi = (customerId: string) => stack.api('POST', '/api/ai-ops/customer/upgrade/evaluate', { customer_id: customerId });
const executeApi = (customerId: string) => stack.api('POST', '/api/ai-ops/customer/upgrade/execute', { customer_id: customerId });

/** Totals written straight to the row, as if orders had been recorded while no event reached the journey. */
const setTotals = (c: Customer, orderCount: number, totalSpend: number, visitCount = 1) =>
  db()
    .update(customers)
    .set({ orderCount, totalSpend, visitCount, lastActivityAt: sql`now()` })
    .where(eq(customers.id, c.id));

describe('tier upgrade', () => {
  it('moves a customer new → regular → potential → loyal, each upgrade once with its rewards and one congratulation', async () => {
    const c = await customer();
    const [first] = await send(order(c, 60));
    expect(first!.journeys).toEqual([{ journey: 'tier_upgrade', workflowId: tierUpgradeWorkflowId(c.id), result: 'queued' }]);
    expect(await settled(c, 'new')).toMatchObject({
      journey: 'tier_upgrade',
      customerId: c.id,
      version: 1,
      qualifiedTier: 'new',
      nextTier: 'regular',
      // (60/100 + 1/2 orders + 1/1 visit) / 3
      progress: 70,
      eligible: false,
      exited: null,
    });
    expect(c.mail()).toHaveLength(0);

    // Second order: 120 spent, 2 orders, 2 visits → regular (100 points, no coupon).
    await send(order(c, 60));
    await mailCount(c, 1);
    expect(await c.row()).toMatchObject({ tier: 'regular', points: 100, orderCount: 2, totalSpend: 120, visitCount: 2 });
    const [regular] = c.mail();
    expect(regular!.subject).toBe('Congratulations, Ada: you are now Regular');
    expect(regular!.text).toContain('you are now Regular and earned 100 points (now 100).');
    expect(regular!.text).not.toContain('code');

    // A big order: 1020 spent → potential (200 points and a 10 % coupon).
    await send(order(c, 900));
    await mailCount(c, 2);
    expect(await c.row()).toMatchObject({ tier: 'potential', points: 300 });
    const [potentialCoupon] = await c.coupons();
    expect(potentialCoupon).toMatchObject({ percentOff: 10, journeyKey: 'tier_upgrade' });
    expect(c.mail()[1]!.subject).toBe('Congratulations, Ada: you are now Potential');
    expect(c.mail()[1]!.text).toContain(`code ${potentialCoupon!.code} for 10% off`);
    await settled(c, 'potential');

    // Seven more orders, each a visit: 10 orders, 10 visits, 2070 spent → loyal (500 points, 15 %).
    for (let i = 0; i < 7; i++) await send(order(c, 150));
    await mailCount(c, 3);
    const s = await settled(c, 'loyal');
    expect(s).toMatchObject({ nextTier: 'vip', eligible: false, qualifiedTier: 'loyal' });
    expect(await c.row()).toMatchObject({ tier: 'loyal', points: 800, orderCount: 10, visitCount: 10, totalSpend: 2070 });
    expect(c.mail()[2]!.subject).toBe('Congratulations, Ada: you are now Loyal');

    const upgrades = await c.upgrades();
    expect(upgrades.map((u) => [u.fromTier, u.toTier, u.source])).toEqual([
      ['new', 'regular', 'automatic'],
      ['regular', 'potential', 'automatic'],
      ['potential', 'loyal', 'automatic'],
    ]);
    expect(upgrades[0]!.rewards).toEqual({ points: 100, coupon: null });
    expect(upgrades[1]!.rewards).toEqual({
      points: 200,
      coupon: { code: potentialCoupon!.code, percent_off: 10, expires_on: expect.any(String) },
    });
    expect(upgrades[0]!.idempotencyKey).toBe(`${c.id}/new@signup->regular`);
    expect(upgrades[1]!.idempotencyKey).toMatch(new RegExp(`^${c.id}/regular@\\d{4}-.*->potential$`));
    expect((await c.coupons()).map((x) => x.percentOff).sort()).toEqual([10, 15]);
    const rows = await c.messages();
    expect(rows.map((m) => [m.idempotencyKey, m.status, m.journeyVersion]).sort()).toEqual(
      ['loyal', 'potential', 'regular'].map((t) => [`${tierUpgradeWorkflowId(c.id)}/congratulation-${t}`, 'sent', 1]),
    );
    expect(c.mail()).toHaveLength(3);

    // Visible to the Temporal UI and the journeys API, and recorded for erasure.
    const { typedSearchAttributes } = await c.run().describe();
    expect(typedSearchAttributes.get(CustomerIdKey)).toBe(c.id);
    expect(typedSearchAttributes.get(JourneyKeyKey)).toBe('tier_upgrade');
    expect(typedSearchAttributes.get(JourneyStepKey)).toBe('waiting_for_orders');
    const one = await stack.api('GET', `/api/journeys/runs/${encodeURIComponent(tierUpgradeWorkflowId(c.id))}`);
    expect(one.body.run).toMatchObject({
      journey: 'tier_upgrade',
      customerId: c.id,
      status: 'RUNNING',
      state: { tier: 'loyal', nextTier: 'vip' },
    });
    expect(one.body.run.state.completed).toHaveLength(3);
    const list = await stack.api('GET', '/api/journeys/tier_upgrade/runs?page_size=100');
    expect(list.body.runs.map((r: { workflowId: string }) => r.workflowId)).toContain(tierUpgradeWorkflowId(c.id));
    const registry = await db().select().from(journeyRuns).where(eq(journeyRuns.customerId, c.id));
    expect(registry.map((r) => r.journeyKey)).toEqual(['tier_upgrade']);
  });

  it('upgrades once for two orders in one batch, and once for two orders sent at the same moment', async () => {
    const a = await customer('Grace');
    const batch = await send([order(a, 60), order(a, 60)]);
    expect(batch.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    await mailCount(a, 1);

    const b = await customer('Joan');
    await Promise.all([send(order(b, 60)), send(order(b, 60))]);
    await mailCount(b, 1);

    for (const c of [a, b]) {
      await settled(c, 'regular');
      expect(await c.row()).toMatchObject({ tier: 'regular', points: 100, orderCount: 2 });
      expect((await c.upgrades()).map((u) => u.toTier)).toEqual(['regular']);
      expect(await c.messages()).toHaveLength(1);
      expect(c.mail()).toHaveLength(1);
    }
  });

  it('counts a repeated order once and takes an order that arrives late (older timestamp)', async () => {
    const c = await customer();
    const first = order(c, 60);
    await send(first);
    expect((await send(first))[0]!.status).toBe('duplicate');
    // The same order again under a new event id (a producer retrying with a fresh id).
    await send({ ...first, id: uid('evt') });
    await settled(c, 'new');
    expect(await c.row()).toMatchObject({ orderCount: 1, totalSpend: 60, tier: 'new' });

    // An older order arriving last still counts: the run reads totals, it does not replay events in order.
    await send(order(c, 60, { at: Date.now() - 20 * DAY }));
    await mailCount(c, 1);
    expect(await c.row()).toMatchObject({ orderCount: 2, totalSpend: 120, tier: 'regular' });
    await settled(c, 'regular');
    expect(await c.upgrades()).toHaveLength(1);
  });

  it('upgrades once when the API execute races the automatic upgrade', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await customer();
      await send(order(c, 60));
      await settled(c, 'new');
      // Eligible now, and both paths are asked at once.
      await setTotals(c, 2, 200, 2);
      const [, executed] = await Promise.all([send(order(c, 10)), executeApi(c.id)]);
      expect([200, 409]).toContain(executed.status);
      await mailCount(c, 1);
      await settled(c, 'regular');
      const upgrades = await c.upgrades();
      expect(upgrades).toHaveLength(1);
      expect(upgrades[0]!.source).toBe(executed.status === 200 ? 'api' : 'automatic');
      expect(await c.row()).toMatchObject({ tier: 'regular', points: 100 });
      expect(await c.messages()).toHaveLength(1);
    }

    // Two executes at once: one upgrades, the other finds nothing left to do.
    const c = await customer();
    await setTotals(c, 2, 200);
    const both = await Promise.all([executeApi(c.id), executeApi(c.id)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await c.upgrades()).toHaveLength(1);
    await mailCount(c, 1);

    // The journey's activity and the API in the same instant, several of each: the row lock lets one
    // transaction upgrade, and the others read the tier it wrote.
    const { applyTierUpgrade } = createActivities({
      db: db(),
      channels: { email: stack.email },
      settings: stack.services.effectiveSettings,
      config: {},
      journeys: stack.journeys,
    });
    const d = await customer();
    await setTotals(d, 2, 1200);
    const outcomes = await Promise.all([
      ...[1, 2, 3].map(() => applyTierUpgrade({ customerId: d.id, settings: null })),
      ...[1, 2, 3].map(() => executeApi(d.id)),
    ]);
    expect(outcomes.map((o) => o.status).filter((x) => x === 'upgraded' || x === 200)).toHaveLength(1);
    expect((await d.upgrades()).map((u) => [u.fromTier, u.toTier])).toEqual([['new', 'potential']]);
    expect(await d.row()).toMatchObject({ tier: 'potential', points: 200 });
    expect(await d.coupons()).toHaveLength(1);
  });

  it('evaluates and executes through the API, with its errors', async () => {
    const c = await customer('Ada');
    await setTotals(c, 1, 40);
    const evaluated = await evaluateApi(c.id);
    expect(evaluated).toMatchObject({
      status: 200,
      body: {
        evaluation: {
          customerId: c.id,
          currentTier: 'new',
          qualifiedTier: 'new',
          nextTier: 'regular',
          // (40/100 + 1/2 + 1/1) / 3
          progress: 63,
          eligible: false,
          missing: { spend: 60, orders: 1, visits: 0 },
          totals: { totalSpend: 40, orderCount: 1, visitCount: 1, daysSinceActivity: 0, points: 0 },
          rulesVersion: expect.any(Number),
        },
      },
    });
    const refused = await executeApi(c.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'not_eligible', message: expect.stringContaining('no tier above new') });
    expect(refused.body.evaluation).toMatchObject({ currentTier: 'new', eligible: false });
    expect(await c.upgrades()).toHaveLength(0);

    await setTotals(c, 3, 1500);
    expect((await evaluateApi(c.id)).body.evaluation).toMatchObject({
      eligible: true,
      qualifiedTier: 'potential',
      nextTier: 'potential',
      progress: 100,
    });
    const executed = await executeApi(c.id);
    expect(executed.status).toBe(200);
    expect(executed.body).toMatchObject({
      upgraded: true,
      upgrade: { fromTier: 'new', toTier: 'potential', source: 'api', rewards: { points: 200, coupon: { percent_off: 10 } } },
      evaluation: { currentTier: 'potential', eligible: false, nextTier: 'loyal', totals: { points: 200 } },
      message: expect.stringMatching(/^Upgraded New → Potential: 200 points and a 10% coupon \([A-Z2-9]{10}\)$/),
      congratulation: { journey: 'tier_upgrade', workflowId: tierUpgradeWorkflowId(c.id), result: 'dispatched' },
    });
    // The congratulation comes from the customer's tier run, once.
    await mailCount(c, 1);
    expect(c.mail()[0]!.text).toContain(executed.body.upgrade.rewards.coupon.code);
    await settled(c, 'potential');
    expect(await c.messages()).toHaveLength(1);
    expect((await executeApi(c.id)).status).toBe(409);

    // Unknown, erased, malformed.
    expect(await evaluateApi('nobody-' + c.id)).toMatchObject({ status: 404, body: { error: { code: 'customer_not_found' } } });
    expect(await executeApi('nobody-' + c.id)).toMatchObject({ status: 404, body: { error: { code: 'customer_not_found' } } });
    const gone = await customer();
    await stack.api('DELETE', `/api/customers/${gone.id}`);
    expect(await evaluateApi(gone.id)).toMatchObject({ status: 410, body: { error: { code: 'customer_erased' } } });
    expect(await executeApi(gone.id)).toMatchObject({ status: 410, body: { error: { code: 'customer_erased' } } });
    const path = '/api/ai-ops/customer/upgrade/execute';
    expect(await stack.api('POST', path, {})).toMatchObject({ status: 422, body: { error: { field: 'customer_id' } } });
    expect(await stack.api('POST', path, { customer_id: '' })).toMatchObject({ status: 422, body: { error: { field: 'customer_id' } } });
    expect(await stack.api('POST', path, { customer_id: c.id, tier: 'vip' })).toMatchObject({
      status: 422,
      body: { error: { field: 'tier' } },
    });
    expect(await stack.api('POST', path, '{"customer_id":')).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    expect(await stack.api('POST', path, 'x', { 'content-type': 'text/plain' })).toMatchObject({ status: 415 });
    const doc = await stack.api('GET', '/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/ai-ops/customer/upgrade/evaluate', path]));
    // The route's own refusals beside the API key's, the body's, the database's and a bug's (tests/api-contract.test.ts).
    expect(Object.keys(doc.body.paths[path].post.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '410',
      '413',
      '415',
      '422',
      '429',
      '500',
      '503',
    ]);
  });

  it('upgrades a customer who opted out of email without congratulating them, then or after they opt back in', async () => {
    const c = await customer();
    await send([order(c, 60), order(c, 60)]);
    await mailCount(c, 1);
    await settled(c, 'regular');
    const firstRun = (await c.run().describe()).runId;
    expect((await stack.api('PUT', `/api/customers/${c.id}`, { consent: { email: false } })).status).toBe(200);
    expect(await stack.client.workflow.getHandle(tierUpgradeWorkflowId(c.id), firstRun).result()).toMatchObject({
      outcome: 'exited',
      reason: 'unsubscribed',
    });

    // Loyalty still counts: the next order starts a run that upgrades (points, coupon), and sends nothing.
    await send(order(c, 900));
    const upgraded = await waitFor(async () => ((await c.row()).tier === 'potential' ? c.row() : null), 'the upgrade to potential');
    expect(upgraded.points).toBe(300);
    expect(await c.run().result()).toEqual({
      outcome: 'exited',
      reason: 'unsubscribed',
      steps: [{ step: 'congratulation-potential', status: 'skipped', reason: 'unsubscribed' }],
    });

    // Back in: the next run does not congratulate the upgrade made while they were out.
    expect((await stack.api('PUT', `/api/customers/${c.id}`, { consent: { email: true } })).status).toBe(200);
    await send(order(c, 10));
    expect(await settled(c, 'potential')).toMatchObject({ exited: null, completed: [] });
    expect(c.mail()).toHaveLength(1);
    expect((await c.upgrades()).map((u) => u.toTier)).toEqual(['regular', 'potential']);
  });

  it('ends the run on erasure', async () => {
    const c = await customer();
    await send(order(c, 60));
    await settled(c, 'new');
    const del = await stack.api('DELETE', `/api/customers/${c.id}`);
    expect(del).toMatchObject({ status: 200, body: { erased: true, journeysEnded: 1 } });
    expect(await c.run().result()).toEqual({ outcome: 'exited', reason: 'erased', steps: [] });
    // Orders of an erased customer are refused: nothing stored, nothing started.
    const late = await stack.api('POST', '/api/events', order(c, 500));
    expect(late).toMatchObject({ status: 410, body: { error: { code: 'customer_erased' } } });
    expect(await c.upgrades()).toHaveLength(0);
    expect((await c.row()).orderCount).toBe(1);
  });

  it('continues as new after its evaluations, keeping the tier and what it congratulated', async () => {
    const c = await customer();
    // Started directly with a low bound, so a few orders reach continue-as-new.
    await stack.client.workflow.start(tierUpgrade, {
      workflowId: tierUpgradeWorkflowId(c.id),
      taskQueue: stack.taskQueue,
      args: [{ customerId: c.id, maxEvaluations: 2 }],
    });
    const { runId: firstRun } = await c.run().describe();
    await send(order(c, 60));
    await settled(c, 'new');
    await send(order(c, 60));
    await mailCount(c, 1);
    await settled(c, 'regular', 2);
    // The third order finds the bound reached: the next run (same id) evaluates it.
    await send(order(c, 10));
    const next = await waitFor(async () => {
      const d = await c.run().describe();
      return d.runId !== firstRun ? d : null;
    }, 'a new run');
    expect(next.status.name).toBe('RUNNING');
    const s = await settled(c, 'regular');
    expect(s.evaluations).toBe(1);
    expect(await stack.client.workflow.getHandle(tierUpgradeWorkflowId(c.id), firstRun).describe()).toMatchObject({
      status: { name: 'CONTINUED_AS_NEW' },
    });
    // Nothing sent twice across runs.
    expect(c.mail()).toHaveLength(1);
    expect(await c.upgrades()).toHaveLength(1);
  });

  it('keeps the rules and template a run started with when the configuration changes; new runs take the new ones', async () => {
    const put = (body: unknown) => stack.api('PUT', '/api/journeys/tier_upgrade', body);
    // Bad settings are refused, naming the field.
    const strict = structuredClone(DEFAULT_TIER_RULES);
    strict.rules[1]!.minSpend = -5;
    expect(await put({ settings: strict })).toMatchObject({ status: 422, body: { error: { field: 'settings.rules[1].minSpend' } } });
    expect(await put({ settings: { ...DEFAULT_TIER_RULES, churnRisk: {} } })).toMatchObject({
      status: 422,
      body: { error: { field: 'settings.churnRisk.inactiveDays' } },
    });
    expect(await stack.api('PUT', '/api/journeys/welcome', { settings: DEFAULT_TIER_RULES })).toMatchObject({
      status: 422,
      body: { error: { field: 'settings' } },
    });

    // A run in flight on the current version.
    const old = await customer('Old');
    await send(order(old, 60));
    const before = await settled(old, 'new');

    // New rules (regular needs 500 spent) and a new subject.
    const rules = structuredClone(DEFAULT_TIER_RULES);
    rules.rules[0]!.minSpend = 500;
    const [congratulation] = defaultJourneyConfigs.tier_upgrade!;
    const steps = [
      {
        ...congratulation!,
        template: { ...(congratulation as { template: object }).template, subject: 'Level up: {{ upgrade.to_label }}' },
      },
    ];
    const changed = await put({ settings: rules, steps });
    expect(changed.status).toBe(200);
    expect(changed.body.journey).toMatchObject({ version: before.version! + 1, settings: { rules: expect.any(Array) } });
    expect(changed.body.journey.settings.rules[0].minSpend).toBe(500);
    expect((await stack.api('GET', '/api/journeys/tier_upgrade')).body.journey.version).toBe(before.version! + 1);

    try {
      // The old run keeps its rules and template: 120 spent is regular there.
      await send(order(old, 60));
      await mailCount(old, 1);
      expect(old.mail()[0]!.subject).toBe('Congratulations, Old: you are now Regular');
      expect(await settled(old, 'regular')).toMatchObject({ version: before.version });

      // A new customer's run takes the new version: 120 is not enough, 520 is.
      const fresh = await customer('New');
      await send(order(fresh, 60));
      await send(order(fresh, 60));
      expect(await settled(fresh, 'new', 1)).toMatchObject({ version: before.version! + 1, nextTier: 'regular' });
      expect((await evaluateApi(fresh.id)).body.evaluation).toMatchObject({ eligible: false, missing: { spend: 380 } });
      await send(order(fresh, 400));
      await mailCount(fresh, 1);
      expect(fresh.mail()[0]!.subject).toBe('Level up: Regular');
      expect(await fresh.upgrades()).toHaveLength(1);
      expect((await fresh.messages())[0]!.journeyVersion).toBe(before.version! + 1);
      expect(old.mail()).toHaveLength(1);
    } finally {
      const restored = await put({ settings: DEFAULT_TIER_RULES, steps: defaultJourneyConfigs.tier_upgrade });
      expect(restored.status).toBe(200);
    }
  });
});
