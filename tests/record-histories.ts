// Records histories of every workflow for the replay test: `npm run record:histories` (a group: `-- activation`).
// Run it after a deliberate, patched() change to workflow code, and commit the new files beside the old:
// old histories must keep replaying, which is the point.
// What the script does with the database outside an activity, it does in the default workspace (as the tests).
import './helpers/implicit-workspace.js';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import {
  activationWorkflowId,
  birthdayWorkflowId,
  campaignWorkflowId,
  cartRecoveryWorkflowId,
  flowWorkflowId,
  holidayCampaignRunWorkflowId,
  socialPostWorkflowId,
  tierUpgradeWorkflowId,
  welcomeWorkflowId,
} from '../src/temporal/workflow-ids.js';
import { createActivities } from '../src/worker/activities.js';
import { createEffectiveSettings } from '../src/workspaces/effective-settings.js';
import { DEFAULT_CHANNEL_COSTS } from '../src/campaigns/roi.js';
import { createCampaignService } from '../src/campaigns/service.js';
import { createEmailChannel } from '../src/channels/email.js';
import { createOutbound } from '../src/channels/outbound.js';
import { parseAllowList } from '../src/domain/outbound-address.js';
import { createDatabase } from '../src/db/client.js';
import { seedJourneyConfigs } from '../src/db/defaults.js';
import { customers, holidayCampaigns, holidays, orders, socialPosts, workspaces } from '../src/db/schema.js';
import { startMailCapture } from '../src/dev/mail-capture.js';
import { PACING_OFF, parseQuietHours } from '../src/delivery/pacing.js';
import { createFlowService } from '../src/flows/service.js';
import { createJourneyConfigService } from '../src/journeys/config.js';
import { createJourneys } from '../src/journeys/journeys.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { addSearchAttributes } from '../src/temporal/connection.js';
import { workflowsPath } from '../src/worker/create-worker.js';
import { pauseSignal, progressQuery, resumeSignal } from '../src/campaigns/campaign.workflow.js';
import { churnSweep } from '../src/journeys/churn-win-back.workflow.js';
import { createSegmentService } from '../src/segments/service.js';
import { createExperimentService } from '../src/experiments/service.js';
import { segmentsRefresh } from '../src/segments/segments-refresh.workflow.js';
import { recommendationsRefresh } from '../src/recommendations/recommendations-refresh.workflow.js';
import { flowRun } from '../src/flows/flow.workflow.js';
import { holidayCampaignRun } from '../src/holidays/holiday-campaign.workflow.js';
import { insightsRefresh } from '../src/intelligence/insights-refresh.workflow.js';
import { socialPost } from '../src/social/social-post.workflow.js';
import { exitSignal, journeyEventSignal, statusQuery } from '../src/steps/steps.js';
import { type TierStatus, tierUpgrade } from '../src/tiers/tier-upgrade.workflow.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
/** The flow's webhook receiver listens on loopback. */
const outbound = createOutbound({ allowList: parseAllowList('127.0.0.1') });
const out = new URL('./histories/', import.meta.url);
const database = createDatabase({ kind: 'pglite', dataDir: 'memory://' });
await database.migrate();
await seedJourneyConfigs(database.db);
const mail = await startMailCapture();
const email = createEmailChannel({ smtpUrl: mail.url, from: 'Touchpoint <hello@touchpoint.test>', poolSize: 1 });
const env = await TestWorkflowEnvironment.createTimeSkipping({
  server: { executable: { type: 'existing-path', path: resolveTemporalBinary('temporal-test-server') } },
});
await addSearchAttributes(env.connection, 'default');
const journeys = createJourneys(env.client, { journeys: 'record', maintenance: 'record' }, database.db);
const worker = await Worker.create({
  connection: env.nativeConnection,
  taskQueue: 'record',
  workflowsPath,
  // Quiet hours on (caps off): a customer whose zone puts a step at night records a deferral; everyone else
  // has no zone (UTC) and records whatever the hour of recording gives.
  activities: createActivities({
    db: database.db,
    channels: { email },
    settings: createEffectiveSettings(database.db, {
      brand: 'Touchpoint',
      pacing: { ...PACING_OFF, quietHours: parseQuietHours('21:00-08:00') },
      channelCosts: DEFAULT_CHANNEL_COSTS,
    }),
    config: {},
    journeys,
    outbound,
  }),
});

async function record(name: string, customer: { id: string; email?: string }, during?: (id: string) => Promise<void>) {
  await database.db.insert(customers).values({ ...customer, name: 'Replay' });
  await journeys.dispatch({ id: `evt-${customer.id}`, type: 'user_signup', customerId: customer.id });
  const handle = env.client.workflow.getHandle(welcomeWorkflowId(customer.id));
  await during?.(customer.id);
  await handle.result();
  save(`welcome-${name}`, await handle.fetchHistory());
}

/** Never overwrites: a history recorded by older code must keep replaying on newer code. */
function save(name: string, history: Parameters<typeof historyToJSON>[0]) {
  const file = new URL(`${name}.json`, out);
  if (existsSync(file)) return console.log(`kept ${name}.json (delete it to record it again)`);
  writeFileSync(file, historyToJSON(history));
  console.log(`recorded ${name}.json`);
}

const cart = { cart_id: 'cart-1', items: [{ sku: 'MUG', name: 'Mug', price: 12, quantity: 1 }], currency: 'EUR' };
const asleep = async (workflowId: string) => {
  const handle = env.client.workflow.getHandle(workflowId);
  while ((await handle.query(statusQuery)).nextWakeUp === null) await new Promise((r) => setTimeout(r, 50));
};

async function recordCart(name: string, customerId: string, during?: (workflowId: string) => Promise<void>) {
  await database.db.insert(customers).values({ id: customerId, email: `${customerId}@example.com`, name: 'Replay' });
  await journeys.dispatch({ id: `evt-${customerId}`, type: 'cart_abandoned', customerId, properties: cart });
  const workflowId = cartRecoveryWorkflowId(customerId, cart.cart_id);
  await during?.(workflowId);
  const handle = env.client.workflow.getHandle(workflowId);
  await handle.result();
  save(`cart-recovery-${name}`, await handle.fetchHistory());
}

/** A birthday run three days ahead (Berlin); `during` drives it, and the history saved is its first run's. */
async function recordBirthday(name: string, customerId: string, during: (workflowId: string) => Promise<void>) {
  const birthday = `1990${new Date((await env.currentTimeMs()) + 3 * 86_400_000).toISOString().slice(4, 10)}`;
  const values = { id: customerId, email: `${customerId}@example.com`, name: 'Replay', birthday, timezone: 'Europe/Berlin' };
  const [customer] = await database.db.insert(customers).values(values).returning();
  await journeys.profileChanged(customer!);
  const workflowId = birthdayWorkflowId(customerId);
  const { runId } = await env.client.workflow.getHandle(workflowId).describe();
  await asleep(workflowId);
  await during(workflowId);
  save(`birthday-${name}`, await env.client.workflow.getHandle(workflowId, runId).fetchHistory());
}

/**
 * Recorders by group: `npm run record:histories -- cart` runs only the groups whose name contains "cart"
 * (every group without an argument). Files that exist are kept either way.
 */
const groups: Array<[string, () => Promise<void>]> = [];
const group = (name: string, recordAll: () => Promise<void>) => groups.push([name, recordAll]);

group('welcome', async () => {
  await record('completed', { id: 'replay-completed', email: 'completed@example.com' });
  await record('unsubscribed', { id: 'replay-unsubscribed', email: 'unsub@example.com' }, async (id) => {
    const handle = env.client.workflow.getHandle(welcomeWorkflowId(id));
    await mail.waitFor((m) => m.to.includes('unsub@example.com'));
    while ((await handle.query(statusQuery)).nextWakeUp === null) await new Promise((r) => setTimeout(r, 50));
    await handle.signal(exitSignal, { reason: 'unsubscribed' });
  });
  await record('no-email', { id: 'replay-no-email' });
});

group('cart-recovery', async () => {
  await recordCart('completed', 'replay-cart-completed');
  {
    // The reminder falls at 23:xx in the customer's zone: pacing defers it to 08:00 with a timer.
    const id = 'replay-cart-quiet-hours';
    const hour = new Date((await env.currentTimeMs()) + 3_600_000).getUTCHours();
    let offset = (23 - hour + 24) % 24;
    if (offset > 14) offset -= 24;
    const timezone = offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    await database.db.insert(customers).values({ id, email: `${id}@example.com`, name: 'Replay', timezone });
    await journeys.dispatch({ id: `evt-${id}`, type: 'cart_abandoned', customerId: id, properties: cart });
    const handle = env.client.workflow.getHandle(cartRecoveryWorkflowId(id, cart.cart_id));
    await handle.result();
    save('cart-recovery-quiet-hours', await handle.fetchHistory());
  }
  await recordCart('purchased', 'replay-cart-purchased', async (workflowId) => {
    await asleep(workflowId);
    await env.sleep('2 hours');
    await asleep(workflowId);
    await journeys.dispatch({
      id: 'order-1',
      type: 'order_completed',
      customerId: 'replay-cart-purchased',
      properties: { cart_id: cart.cart_id },
    });
  });
  await recordCart('updated', 'replay-cart-updated', async (workflowId) => {
    await asleep(workflowId);
    await env.sleep('2 hours');
    await asleep(workflowId);
    const properties = { ...cart, items: [{ sku: 'POT', name: 'Pot', price: 30, quantity: 1 }] };
    await journeys.dispatch({ id: 'upd-1', type: 'cart_updated', customerId: 'replay-cart-updated', properties });
    await journeys.dispatch({ id: 'upd-1', type: 'cart_updated', customerId: 'replay-cart-updated', properties });
  });
});

/** Greeted on the birthday, then continued as new; the next run is ended. */
const greetedOnce = (customerId: string) => async (workflowId: string) => {
  await env.sleep('4 days');
  await mail.waitFor((m) => m.to.includes(`${customerId}@example.com`));
  const handle = env.client.workflow.getHandle(workflowId);
  while ((await handle.query(statusQuery)).completed.length > 0 || (await handle.query(statusQuery)).nextWakeUp === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await handle.signal(exitSignal, { reason: 'cancelled' });
  await handle.result();
};

group('birthday', async () => {
  // Greeted on the birthday, then continued as new (the next run is ended, and not saved).
  await recordBirthday('greeting', 'replay-birthday-greeting', greetedOnce('replay-birthday-greeting'));
  // The birthday moved (and the same move again, a no-op), then removed.
  await recordBirthday('removed', 'replay-birthday-removed', async (workflowId) => {
    const handle = env.client.workflow.getHandle(workflowId);
    const before = (await handle.query(statusQuery)).nextWakeUp;
    const moved = { id: 'replay-birthday-removed', consent: {}, birthday: '1990-01-15', timezone: 'America/New_York' };
    await journeys.profileChanged(moved);
    await journeys.profileChanged(moved);
    while ([null, before].includes((await handle.query(statusQuery)).nextWakeUp)) await new Promise((r) => setTimeout(r, 50));
    await journeys.profileChanged({ ...moved, birthday: null });
    await handle.result();
  });
});

/** A customer quiet since 30 days ago (the test server's clock), and their churn win-back run. */
async function recordChurn(name: string, customerId: string, during: (workflowId: string) => Promise<void>) {
  const lastActivityAt = new Date((await env.currentTimeMs()) - 30 * 86_400_000);
  await database.db.insert(customers).values({ id: customerId, email: `${customerId}@example.com`, name: 'Replay', lastActivityAt });
  const { workflowId } = await journeys.startChurnWinBack(customerId, lastActivityAt.getTime());
  await during(workflowId);
  await env.client.workflow.getHandle(workflowId).result();
  save(`churn-win-back-${name}`, await env.client.workflow.getHandle(workflowId).fetchHistory());
}

/** The first message, then the customer comes back. */
const reactivatedAfterFirst = (customerId: string) => async (workflowId: string) => {
  await mail.waitFor((m) => m.to.includes(`${customerId}@example.com`));
  await asleep(workflowId);
  await journeys.endRun('churn_win_back', workflowId, 'reactivated');
};

group('churn', async () => {
  await recordChurn('completed', 'replay-churn-completed', async (workflowId) => {
    await mail.waitFor((m) => m.to.includes('replay-churn-completed@example.com'));
    await asleep(workflowId);
    await env.sleep('15 days');
    await asleep(workflowId);
    await env.sleep('15 days');
  });
  await recordChurn('reactivated', 'replay-churn-reactivated', reactivatedAfterFirst('replay-churn-reactivated'));
  // A sweep that finds one quiet customer and starts their run.
  await database.db.insert(customers).values({
    id: 'replay-churn-swept',
    email: 'replay-churn-swept@example.com',
    lastActivityAt: new Date((await env.currentTimeMs()) - 40 * 86_400_000),
  });
  const sweep = await env.client.workflow.start(churnSweep, { workflowId: 'churn-sweep/replay', taskQueue: 'record', args: [{}] });
  await sweep.result();
  save('churn-sweep', await sweep.fetchHistory());
  const [swept] = await database.db.select().from(customers).where(eq(customers.id, 'replay-churn-swept'));
  await journeys.endRun('churn_win_back', swept!.churnRunId!, 'cancelled');
});

/** A customer whose totals already qualify for regular; `during` drives their tier run, whose first run is saved. */
async function recordTier(name: string, customerId: string, during: (workflowId: string) => Promise<void>) {
  await database.db.insert(customers).values({
    id: customerId,
    email: `${customerId}@example.com`,
    name: 'Replay',
    orderCount: 2,
    totalSpend: 150,
    visitCount: 1,
    lastActivityAt: new Date(),
  });
  const workflowId = tierUpgradeWorkflowId(customerId);
  await during(workflowId);
  const { runId } = await env.client.workflow.getHandle(workflowId).describe();
  await env.client.workflow.getHandle(workflowId).signal(exitSignal, { reason: 'cancelled' });
  await env.client.workflow.getHandle(workflowId).result();
  save(`tier-upgrade-${name}`, await env.client.workflow.getHandle(workflowId, runId).fetchHistory());
}

const tierStatus = (workflowId: string) => env.client.workflow.getHandle(workflowId).query(statusQuery) as Promise<TierStatus>;
const order = (id: string, customerId: string) => ({ id, type: 'order_completed', customerId, properties: { order_id: id, amount: 10 } });

group('tier', async () => {
  // An order → upgraded to regular and congratulated; the same event again (dropped), and another order.
  await recordTier('upgraded', 'replay-tier-upgraded', async (workflowId) => {
    await journeys.dispatch(order('tier-o1', 'replay-tier-upgraded'));
    await mail.waitFor((m) => m.to.includes('replay-tier-upgraded@example.com'));
    await journeys.dispatch(order('tier-o1', 'replay-tier-upgraded'));
    await journeys.dispatch(order('tier-o2', 'replay-tier-upgraded'));
    while ((await tierStatus(workflowId)).evaluations < 2) await new Promise((r) => setTimeout(r, 50));
  });
  // One evaluation per run: the second order continues the run as new (the saved history ends there).
  const continued = 'replay-tier-continued';
  await database.db.insert(customers).values({ id: continued, email: `${continued}@example.com`, name: 'Replay' });
  const workflowId = tierUpgradeWorkflowId(continued);
  const first = await env.client.workflow.start(tierUpgrade, {
    workflowId,
    taskQueue: 'record',
    args: [{ customerId: continued, maxEvaluations: 1 }],
  });
  await journeys.dispatch(order('tier-c1', continued));
  while ((await tierStatus(workflowId)).evaluations < 1) await new Promise((r) => setTimeout(r, 50));
  await journeys.dispatch(order('tier-c2', continued));
  while ((await env.client.workflow.getHandle(workflowId).describe()).runId === first.firstExecutionRunId)
    await new Promise((r) => setTimeout(r, 50));
  save('tier-upgrade-continued', await env.client.workflow.getHandle(workflowId, first.firstExecutionRunId).fetchHistory());
  await env.client.workflow.getHandle(workflowId).signal(exitSignal, { reason: 'cancelled' });
});

group('flow', async () => {
  // A webhook receiver on loopback (SMS has no provider here: those steps record channel_not_configured).
  const hooks = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  const flows = createFlowService(database.db, journeys, outbound);
  const flow = await flows.create({
    name: 'Replay flow',
    trigger_event: 'replay_signup',
    exit_on: ['account_closed'],
    actions: [
      { type: 'send_email', template: { subject: 'Hi {{ customer.name }}', html: '<p>Hi</p>', text: 'Hi' } },
      { type: 'send_sms', delay_hours: 2, template: { text: 'Hi {{ customer.first_name }}' } },
      { type: 'wait_for_event', event: 'clicked', timeout: '1 day', on_timeout: 'continue' },
      { type: 'branch', attribute: 'plan', op: 'eq', value: 'pro', if_false: { skip: 1 } },
      {
        type: 'send_webhook',
        delay_days: 1,
        url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`,
        template: '{{ customer.id }}',
      },
      { type: 'add_tag', tag: 'replayed' },
    ],
  });
  await flows.setActive(flow.id, true);

  async function recordFlow(name: string, plan: string, during?: (workflowId: string, customerId: string) => Promise<void>) {
    const customerId = `replay-flow-${name}`;
    await database.db
      .insert(customers)
      .values({ id: customerId, email: `${customerId}@example.com`, name: 'Replay', attributes: { plan } });
    await journeys.dispatch({ id: `evt-${customerId}`, type: 'replay_signup', customerId });
    const workflowId = flowWorkflowId(flow.id, customerId);
    await during?.(workflowId, customerId);
    const handle = env.client.workflow.getHandle(workflowId);
    await handle.result();
    save(`flow-${name}`, await handle.fetchHistory());
  }
  // Every action: email, SMS after 2 h, the awaited event, the branch taken, a webhook a day later, a tag.
  await recordFlow('completed', 'pro', async (workflowId, customerId) => {
    await asleep(workflowId);
    await env.sleep('2 hours');
    await asleep(workflowId);
    await journeys.dispatch({ id: 'clicked-1', type: 'clicked', customerId });
    await journeys.dispatch({ id: 'clicked-1', type: 'clicked', customerId });
  });
  // The wait times out and goes on; the branch skips the webhook.
  await recordFlow('timed-out', 'free');
  // An exit event while the SMS is due.
  await recordFlow('exited', 'pro', async (workflowId, customerId) => {
    await asleep(workflowId);
    await journeys.dispatch({ id: 'closed-1', type: 'account_closed', customerId });
  });
  // Events piling up while the SMS is due: the run continues as new (the first run's history is saved).
  const customerId = 'replay-flow-continued';
  await database.db
    .insert(customers)
    .values({ id: customerId, email: `${customerId}@example.com`, name: 'Replay', attributes: { plan: 'pro' } });
  const first = await env.client.workflow.start(flowRun, {
    workflowId: flowWorkflowId(flow.id, customerId),
    taskQueue: 'record',
    args: [{ flowId: flow.id, version: 1, customerId, trigger: { id: `evt-${customerId}`, type: 'replay_signup' }, maxEventsPerRun: 2 }],
  });
  await asleep(first.workflowId);
  await first.signal(journeyEventSignal, { id: 'noise-1', type: 'page_view' });
  await first.signal(journeyEventSignal, { id: 'noise-2', type: 'page_view' });
  const firstRun = env.client.workflow.getHandle(first.workflowId, first.firstExecutionRunId);
  while ((await firstRun.describe()).status.name === 'RUNNING') await new Promise((r) => setTimeout(r, 50));
  save('flow-continued', await firstRun.fetchHistory());
  await journeys.endRun(`flow:${flow.id}`, first.workflowId, 'cancelled');
  hooks.close();
});

group('campaign', async () => {
  const campaigns = createCampaignService(database.db, env.client, 'record', { batchSize: 2, batchesPerRun: 2 }, outbound);
  const tag = 'replay-campaign';
  await database.db.insert(customers).values(
    Array.from({ length: 5 }, (_, i) => ({
      id: `replay-campaign-${i}`,
      email: `replay-campaign-${i}@example.com`,
      name: 'Replay',
      tags: [tag],
    })),
  );
  const create = (name: string, extra: Record<string, unknown> = {}) =>
    campaigns.create(
      { name, type: 'email', target_tags: [tag], content: { subject: 'Hi {{ customer.first_name }}', text: 'June news' }, ...extra },
      null,
    );

  // Three batches of two, two a run: the first run continues as new, the second completes.
  const actual = await create('Replay broadcast');
  const { executionId } = await campaigns.trigger(actual.id, 'actual');
  const workflowId = campaignWorkflowId(actual.id, executionId);
  await env.client.workflow.getHandle(workflowId).result();
  const last = await env.client.workflow.getHandle(workflowId).fetchHistory();
  // The test server lists no workflows: the last run's start names the run it continued.
  const firstRun = last.events![0]!.workflowExecutionStartedEventAttributes!.continuedExecutionRunId!;
  save('campaign-continued', await env.client.workflow.getHandle(workflowId, firstRun).fetchHistory());
  save('campaign-completed', last);

  const sim = await campaigns.trigger(actual.id, 'simulation');
  await env.client.workflow.getHandle(campaignWorkflowId(actual.id, sim.executionId)).result();
  save('campaign-simulation', await env.client.workflow.getHandle(campaignWorkflowId(actual.id, sim.executionId)).fetchHistory());

  // Scheduled an hour ahead, then cancelled before it begins.
  // By the test server's clock, which earlier waits moved far ahead of the machine's.
  const later = async () => new Date((await env.currentTimeMs()) + 3600_000).toISOString();
  const cancelled = await create('Replay cancelled', { start_time: await later() });
  await campaigns.control(cancelled.id, 'cancel');
  await env.client.workflow.getHandle(campaignWorkflowId(cancelled.id, cancelled.execution_id!)).result();
  save('campaign-cancelled', await env.client.workflow.getHandle(campaignWorkflowId(cancelled.id, cancelled.execution_id!)).fetchHistory());

  // Scheduled, rescheduled, paused before it begins, resumed once it has begun.
  const paused = await create('Replay paused', { start_time: await later() });
  const handle = env.client.workflow.getHandle(campaignWorkflowId(paused.id, paused.execution_id!));
  await campaigns.update(paused.id, { start_time: await later() }, null);
  await handle.signal(pauseSignal);
  await env.sleep('2 hours');
  while ((await handle.query(progressQuery)).state !== 'paused') await new Promise((r) => setTimeout(r, 50));
  await handle.signal(resumeSignal);
  await handle.result();
  // The run that was paused and resumed is the first; it continued as new after two batches.
  const lastPaused = await handle.fetchHistory();
  const pausedRun = lastPaused.events![0]!.workflowExecutionStartedEventAttributes!.continuedExecutionRunId!;
  save('campaign-paused', await env.client.workflow.getHandle(handle.workflowId, pausedRun).fetchHistory());
});

group('segments', async () => {
  const segments = createSegmentService(database.db);
  await database.db.insert(customers).values([
    { id: 'replay-segment-1', email: 'replay-segment-1@example.com', name: 'Replay', tags: ['replay-segment'] },
    { id: 'replay-segment-2', email: 'replay-segment-2@example.com', name: 'Replay', totalSpend: 500 },
  ]);
  await segments.create({ name: 'Replay tagged', rules: { has_tag: 'replay-segment' } });
  await segments.create({
    name: 'Replay spenders',
    rules: { any: [{ attribute: 'total_spend', op: 'gte', value: 100 }, { not: { has_tag: 'replay-segment' } }] },
  });
  // Every segment in one page, then the run ends.
  const whole = await env.client.workflow.start(segmentsRefresh, {
    workflowId: 'replay-segments-refresh',
    taskQueue: 'record',
    args: [{}],
  });
  await whole.result();
  save('segments-refresh', await whole.fetchHistory());
  // A page of one segment per run: the first run continues as new (its history is saved).
  const paged = await env.client.workflow.start(segmentsRefresh, {
    workflowId: 'replay-segments-refresh-continued',
    taskQueue: 'record',
    args: [{ pageSize: 1, pagesPerRun: 1 }],
  });
  await paged.result();
  save('segments-refresh-continued', await env.client.workflow.getHandle(paged.workflowId, paged.firstExecutionRunId).fetchHistory());
});

group('recommendations', async () => {
  // Two customers who bought the same two items: one refresh over their orders.
  const items = [
    { sku: 'REPLAY-TEA', name: 'Tea', price: 3, quantity: 1 },
    { sku: 'REPLAY-CUP', name: 'Cup', price: 6, quantity: 1 },
  ];
  for (const id of ['replay-rec-a', 'replay-rec-b']) {
    await database.db.insert(customers).values({ id, email: `${id}@example.com`, name: 'Replay' });
    await database.db.insert(orders).values({ id: `${id}-order`, customerId: id, amount: 9, items, occurredAt: new Date() });
  }
  const refresh = await env.client.workflow.start(recommendationsRefresh, {
    workflowId: 'recommendations-refresh/replay',
    taskQueue: 'record',
  });
  await refresh.result();
  save('recommendations-refresh', await refresh.fetchHistory());
});

group('insights', async () => {
  // The scheduled full refresh of customer insights, over a customer with an order.
  await database.db.insert(customers).values({ id: 'replay-insights', email: 'replay-insights@example.com', name: 'Replay' });
  await database.db.execute(sql`insert into orders (id, customer_id, amount, items, occurred_at)
    values ('replay-insights-o1', 'replay-insights', 120, '[{"sku": "IPA", "category": "beer", "price": 40, "quantity": 3}]', now())`);
  const run = await env.client.workflow.start(insightsRefresh, { workflowId: 'insights-refresh/replay', taskQueue: 'record', args: [] });
  await run.result();
  save('insights-refresh', await run.fetchHistory());
});

group('campaign-quiet-hours', async () => {
  // One recipient in their afternoon, one at 23:xx: the second waits for 08:00 there (the deferred pass).
  const campaigns = createCampaignService(database.db, env.client, 'record', { batchSize: 2, batchesPerRun: 5 }, outbound);
  const now = await env.currentTimeMs();
  const zoneAt = (hour: number) => {
    let offset = (hour - new Date(now).getUTCHours() + 24) % 24;
    if (offset > 14) offset -= 24;
    return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  };
  const tag = 'replay-quiet';
  await database.db.insert(customers).values([
    { id: 'replay-quiet-day', email: 'replay-quiet-day@example.com', name: 'Replay', tags: [tag], timezone: zoneAt(14) },
    { id: 'replay-quiet-night', email: 'replay-quiet-night@example.com', name: 'Replay', tags: [tag], timezone: zoneAt(23) },
  ]);
  const campaign = await campaigns.create({ name: 'Replay quiet hours', type: 'email', target_tags: [tag], content: 'Good morning' }, null);
  const { executionId } = await campaigns.trigger(campaign.id, 'actual');
  const handle = env.client.workflow.getHandle(campaignWorkflowId(campaign.id, executionId));
  let progress = await handle.query(progressQuery);
  while (!(progress.deferred === 1 && progress.deferredUntil)) {
    await new Promise((r) => setTimeout(r, 50));
    progress = await handle.query(progressQuery);
  }
  await env.sleep(progress.deferredUntil - (await env.currentTimeMs()) + 60_000);
  await handle.result();
  save('campaign-quiet-hours', await handle.fetchHistory());
});

group('campaign-auto-winner', async () => {
  // An auto-winner subject test: half the audience first (B at 09:00 their time), a day's wait, the winner to the rest.
  const campaigns = createCampaignService(database.db, env.client, 'record', { batchSize: 3, batchesPerRun: 5 }, outbound);
  const tag = 'replay-ab';
  await database.db
    .insert(customers)
    .values(
      Array.from({ length: 8 }, (_, i) => ({ id: `replay-ab-${i}`, email: `replay-ab-${i}@example.com`, name: 'Replay', tags: [tag] })),
    );
  const campaign = await campaigns.create({ name: 'Replay auto-winner', type: 'email', target_tags: [tag], content: 'Hello' }, null);
  await createExperimentService(database.db, { attributionWindowDays: 7 }).create({
    name: 'replay-auto-winner',
    campaign_id: campaign.id,
    variants: [
      { key: 'A', subject: 'A' },
      { key: 'B', subject: 'B', send_at: { local_time: '09:00' } },
    ],
    goal: 'open_rate',
    test_fraction: 0.5,
    winner_wait_seconds: 86_400,
  });
  const { executionId } = await campaigns.trigger(campaign.id, 'actual');
  const handle = env.client.workflow.getHandle(campaignWorkflowId(campaign.id, executionId));
  await handle.result();
  save('campaign-auto-winner', await handle.fetchHistory());
});

group('holiday-campaign-run', async () => {
  // A workspace holiday two days ahead; the schedule's firing the day before sends the year's campaign at 10:00 local.
  const now = await env.currentTimeMs();
  const day = new Date(now + 2 * 86_400_000).toISOString().slice(0, 10);
  const [holiday] = await database.db
    .insert(holidays)
    .values({ name: 'Replay 店庆日', dates: { [day.slice(0, 4)]: day } })
    .returning();
  await database.db.insert(customers).values({ id: 'replay-holiday', email: 'replay-holiday@example.com', tags: ['replay-holiday'] });
  const [hc] = await database.db
    .insert(holidayCampaigns)
    .values({
      name: 'Replay holiday',
      holidayId: holiday!.id,
      type: 'email',
      targetTags: ['replay-holiday'],
      content: { subject: '店庆快乐', text: 'Hi' },
      sendTime: '10:00',
    })
    .returning();
  await env.sleep(Date.parse(`${day}T00:00:00Z`) - 86_400_000 - (await env.currentTimeMs()));
  const run = await env.client.workflow.start(holidayCampaignRun, {
    workflowId: `${holidayCampaignRunWorkflowId(hc!.id)}-replay`,
    taskQueue: 'record',
    args: [{ holidayCampaignId: hc!.id, batchSize: 10, batchesPerRun: 5 }],
  });
  await run.result();
  save('holiday-campaign-run', await run.fetchHistory());
});

group('social-post', async () => {
  // A social provider on loopback answering 200; the post a day ahead, published once at its time.
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"replay-post"}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/social`;
  await database.db
    .update(workspaces)
    .set({ settings: { providers: { social: { url, secret: 'replay-social-secret-0123' } } } })
    .where(eq(workspaces.id, 'default'));
  const at = (await env.currentTimeMs()) + 86_400_000;
  const [post] = await database.db
    .insert(socialPosts)
    .values({ account: 'weibo:@replay', text: '重放', scheduledAt: new Date(at) })
    .returning();
  const run = await env.client.workflow.start(socialPost, {
    workflowId: socialPostWorkflowId(post!.id),
    taskQueue: 'record',
    args: [{ postId: post!.id, at }],
  });
  await run.result();
  save('social-post-published', await run.fetchHistory());
  await database.db.update(workspaces).set({ settings: {} }).where(eq(workspaces.id, 'default'));
  server.close();
});

/** Switched on (it ships off); the routing of this process sees it at once. */
async function activationOn() {
  await createJourneyConfigService(database.db, outbound).update('activation', { enabled: true });
  journeys.configChanged('activation');
}

async function recordActivation(name: string, during?: (workflowId: string, customerId: string) => Promise<void>) {
  const customerId = `replay-activation-${name}`;
  await database.db.insert(customers).values({ id: customerId, email: `${customerId}@example.com`, name: 'Replay' });
  await journeys.dispatch({ id: `evt-${customerId}`, type: 'user_signup', customerId });
  const workflowId = activationWorkflowId(customerId);
  await during?.(workflowId, customerId);
  const handle = env.client.workflow.getHandle(workflowId);
  await handle.result();
  save(`activation-${name}`, await handle.fetchHistory());
}

group('activation', async () => {
  await activationOn();
  // The nudge at 3 d, the coupon at 10 d.
  await recordActivation('completed');
  // The first order between the nudge and the coupon (and the same order again, a no-op).
  await recordActivation('activated', async (workflowId, customerId) => {
    await asleep(workflowId);
    await env.sleep('3 days');
    while ((await env.client.workflow.getHandle(workflowId).query(statusQuery)).currentStep !== 'coupon')
      await new Promise((r) => setTimeout(r, 50));
    await asleep(workflowId);
    const order = { id: 'act-order-1', type: 'order_completed', customerId, properties: { order_id: 'act-order-1', amount: 20 } };
    await journeys.dispatch(order);
    await journeys.dispatch(order);
  });
});

group('touch', async () => {
  // One activity per email touch (pacing, coupon and send together): a welcome series and a cart recovery.
  await record('touch-completed', { id: 'replay-touch-completed', email: 'touch-completed@example.com' });
  await recordCart('touch-completed', 'replay-cart-touch-completed');
});

group('configured', async () => {
  // Each journey's configuration carried in its start (no getJourneyConfig activity).
  await record('configured-completed', { id: 'replay-configured-completed', email: 'configured-completed@example.com' });
  await recordCart('configured-completed', 'replay-cart-configured-completed');
  await recordChurn('configured-reactivated', 'replay-churn-configured', reactivatedAfterFirst('replay-churn-configured'));
  await recordBirthday('configured-greeting', 'replay-birthday-configured', greetedOnce('replay-birthday-configured'));
  await recordTier('configured-upgraded', 'replay-tier-configured', async (workflowId) => {
    await journeys.dispatch(order('tier-cfg-1', 'replay-tier-configured'));
    await mail.waitFor((m) => m.to.includes('replay-tier-configured@example.com'));
    while ((await tierStatus(workflowId)).evaluations < 1) await new Promise((r) => setTimeout(r, 50));
  });
  await activationOn();
  await recordActivation('configured-completed');
});

// New groups go above this line.
const only = process.argv[2];
await worker.runUntil(async () => {
  for (const [name, recordAll] of groups) if (!only || name.includes(only)) await recordAll();
});

email.close();
await mail.close();
await env.teardown();
await database.close();
