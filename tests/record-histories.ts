// Records welcome-journey histories for the replay test: `npm run record:histories`.
// Run it after a deliberate, patched() change to workflow code, and commit the new files beside the old:
// old histories must keep replaying, which is the point.
import { writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities/index.js';
import { createEmailChannel } from '../src/channels/email.js';
import { createDatabase } from '../src/db/client.js';
import { seedJourneyConfigs } from '../src/db/defaults.js';
import { customers } from '../src/db/schema.js';
import { startMailCapture } from '../src/dev/mail-capture.js';
import { createJourneys, welcomeWorkflowId } from '../src/journeys/index.js';
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
const worker = await Worker.create({
  connection: env.nativeConnection,
  taskQueue: 'record',
  workflowsPath,
  activities: createActivities({ db: database.db, channels: { email }, config: { brand: 'Touchpoint' } }),
});
const journeys = createJourneys(env.client, 'record', database.db);

async function record(name: string, customer: { id: string; email?: string }, during?: (id: string) => Promise<void>) {
  await database.db.insert(customers).values({ ...customer, name: 'Replay' });
  await journeys.dispatch({ id: `evt-${customer.id}`, type: 'user_signup', customerId: customer.id });
  const handle = env.client.workflow.getHandle(welcomeWorkflowId(customer.id));
  await during?.(customer.id);
  await handle.result();
  writeFileSync(new URL(`welcome-${name}.json`, out), historyToJSON(await handle.fetchHistory()));
  console.log(`recorded welcome-${name}.json`);
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
});

email.close();
await mail.close();
await env.teardown();
await database.close();
