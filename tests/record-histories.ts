// Records welcome-journey histories for the replay test: `npm run record:histories`.
// Run it after a deliberate, patched() change to workflow code, and commit the new files beside the old:
// old histories must keep replaying, which is the point.
import { existsSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities/index.js';
import { createEmailChannel } from '../src/channels/email.js';
import { createDatabase } from '../src/db/client.js';
import { seedJourneyConfigs } from '../src/db/defaults.js';
import { customers } from '../src/db/schema.js';
import { startMailCapture } from '../src/dev/mail-capture.js';
import { birthdayWorkflowId, cartRecoveryWorkflowId, createJourneys, welcomeWorkflowId } from '../src/journeys/index.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { addSearchAttributes } from '../src/temporal/connection.js';
import { workflowsPath } from '../src/worker/create-worker.js';
import { exitSignal, statusQuery } from '../src/workflows/steps.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
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
const journeys = createJourneys(env.client, 'record', database.db);
const worker = await Worker.create({
  connection: env.nativeConnection,
  taskQueue: 'record',
  workflowsPath,
  activities: createActivities({ db: database.db, channels: { email }, config: { brand: 'Touchpoint' }, journeys }),
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

await worker.runUntil(async () => {
  await record('completed', { id: 'replay-completed', email: 'completed@example.com' });
  await record('unsubscribed', { id: 'replay-unsubscribed', email: 'unsub@example.com' }, async (id) => {
    const handle = env.client.workflow.getHandle(welcomeWorkflowId(id));
    await mail.waitFor((m) => m.to.includes('unsub@example.com'));
    while ((await handle.query(statusQuery)).nextWakeUp === null) await new Promise((r) => setTimeout(r, 50));
    await handle.signal(exitSignal, { reason: 'unsubscribed' });
  });
  await record('no-email', { id: 'replay-no-email' });
  await recordCart('completed', 'replay-cart-completed');
  await recordCart('purchased', 'replay-cart-purchased', async (workflowId) => {
    await asleep(workflowId);
    await env.sleep('2 hours');
    await asleep(workflowId);
    await journeys.dispatch({ id: 'order-1', type: 'order_completed', customerId: 'replay-cart-purchased', properties: { cart_id: cart.cart_id } });
  });
  await recordCart('updated', 'replay-cart-updated', async (workflowId) => {
    await asleep(workflowId);
    await env.sleep('2 hours');
    await asleep(workflowId);
    const properties = { ...cart, items: [{ sku: 'POT', name: 'Pot', price: 30, quantity: 1 }] };
    await journeys.dispatch({ id: 'upd-1', type: 'cart_updated', customerId: 'replay-cart-updated', properties });
    await journeys.dispatch({ id: 'upd-1', type: 'cart_updated', customerId: 'replay-cart-updated', properties });
  });
  // Greeted on the birthday, then continued as new (the next run is ended, and not saved).
  await recordBirthday('greeting', 'replay-birthday-greeting', async (workflowId) => {
    await env.sleep('4 days');
    await mail.waitFor((m) => m.to.includes('replay-birthday-greeting@example.com'));
    const handle = env.client.workflow.getHandle(workflowId);
    while ((await handle.query(statusQuery)).completed.length > 0 || (await handle.query(statusQuery)).nextWakeUp === null) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await handle.signal(exitSignal, { reason: 'cancelled' });
    await handle.result();
  });
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

email.close();
await mail.close();
await env.teardown();
await database.close();
