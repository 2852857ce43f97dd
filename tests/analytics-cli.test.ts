// `touchpoint analytics funnel|channels` as a user runs it: a child process against the API over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../src/db/schema.js';
import { runTouchpoint } from './helpers/cli.js';
import { serveApp } from './helpers/serve-app.js';
import { type Stack, startStack, uid } from './helpers/stack.js';

let stack: Stack;
let server: Awaited<ReturnType<typeof serveApp>> | undefined;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: false, worker: false });
  server = await serveApp(stack.app);
});
afterAll(async () => {
  await server?.close();
  await stack?.close();
});

const touchpoint = (...args: string[]) => runTouchpoint(server!.url, stack.key, ...args);

describe('touchpoint analytics', () => {
  // Five emails sent in a week of 2022 (nobody else's), two clicked, no receipt; one SMS with a receipt.
  const campaignId = uid('cli-campaign');
  const sentAt = new Date('2022-05-03T10:00:00Z');
  beforeAll(async () => {
    await stack.database.db.insert(messages).values([
      ...Array.from({ length: 5 }, (_, i) => ({
        idempotencyKey: uid('cli'),
        customerId: uid('cust'),
        campaignId,
        stepKey: 'campaign',
        channel: 'email' as const,
        status: i < 2 ? ('clicked' as const) : ('sent' as const),
        sentAt,
        clickedAt: i < 2 ? sentAt : null,
      })),
      {
        idempotencyKey: uid('cli'),
        customerId: uid('cust'),
        stepKey: 'x',
        channel: 'sms' as const,
        status: 'delivered' as const,
        sentAt,
        deliveredAt: sentAt,
      },
    ]);
  });

  it('prints a campaign’s funnel with each rate’s base', async () => {
    const res = await touchpoint('analytics', 'funnel', '--campaign-id', campaignId);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^group\s+stage\s+count\s+of previous\s+of sent$/);
    expect(lines.find((l) => /\bdelivered\b/.test(l) && l.startsWith('all'))).toMatch(
      /^all\s+delivered\s+5\s+100% of sent\s+100% of sent$/,
    );
    expect(lines.find((l) => /\bclicked\b/.test(l))).toMatch(/^all\s+clicked\s+2\s+-\s+40% of sent$/);
    expect(res.stdout).toMatch(/all: revenue 0, delivered counted by sent_minus_bounces/);
  });

  it('prints the channels of a period, and refuses what it does not know', async () => {
    const res = await touchpoint('analytics', 'channels', '--from', '2022-05-02T00:00:00Z', '--to', '2022-05-09T00:00:00Z');
    expect(res.code, res.stderr).toBe(0);
    const [header, email, sms] = res.stdout.trim().split('\n');
    expect(header).toMatch(/^channel\s+sent\s+delivered\s+basis\s+open\s+click\s+conversion\s+revenue\s+cost\s+ROI$/);
    expect(email).toMatch(
      /^email\s+5\s+5\s+sent_minus_bounces\s+0% of delivered\s+40% of delivered\s+0% of delivered\s+0\s+0\.005\s+-100%$/,
    );
    expect(sms).toMatch(/^sms\s+1\s+1\s+receipts\s/);

    const bad = await touchpoint('analytics', 'funnel', '--from', 'yesterday');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/400 invalid_query: from/);
    const unknown = await touchpoint('analytics', 'funnel', '--colour', 'red');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option --colour/);
    expect((await touchpoint('analytics', 'cohort')).stderr).toMatch(/unknown analytics command "cohort"/);
    expect((await touchpoint('help')).stdout).toMatch(/analytics funnel/);
  });
});
