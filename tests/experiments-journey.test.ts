// An experiment on a journey's send step, through the time-skipping server: the welcome email's subject A/B
// with a holdout. Each customer's arm comes from the hash and is stored by the send activity; the message
// carries it; the holdout's welcome is skipped; a promoted winner is what later signups get. And a campaign's
// send-time variant, held for its offset in the deferred pass while time skips.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignProgress } from '../src/campaigns/campaign.workflow.js';
import { customers, experimentAssignments, messages } from '../src/db/schema.js';
import { campaignWorkflowId, flowWorkflowId } from '../src/temporal/workflow-ids.js';
import { localParts } from '../src/domain/local-time.js';
import { statusQuery } from '../src/steps/steps.js';
import { type Arms } from '../src/experiments/assignment.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { type ProviderServer, startProvider } from './helpers/http-provider.js';
import { idsByArm } from './helpers/arms.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
let provider: ProviderServer;
beforeAll(async () => {
  provider = await startProvider();
  // A database of its own: the welcome step's experiment (and its promoted winner) would change other files' welcome emails.
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true, providers: { smsUrl: `${provider.url}/sms` } });
});
afterAll(async () => {
  await stack?.close();
  await provider?.close();
});

async function signUp(id: string) {
  const put = await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com`, name: 'Ada' });
  expect(put.status).toBe(201);
  const res = await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
  expect(res.status).toBe(202);
}

const welcomeRecord = (customerId: string) =>
  waitFor(async () => {
    const rows = await stack.database.db.select().from(messages).where(eq(messages.customerId, customerId));
    const row = rows.find((r) => r.stepKey === 'welcome');
    return row && row.status !== 'pending' ? row : null;
  }, `the welcome record of ${customerId}`);

/** An active flow of one email action (its step key `0-send_email`), triggered by an event type of its own. */
async function activeFlow(subject: string, text: string) {
  const trigger = `evt_${uid('f').replace(/-/g, '_')}`.toLowerCase();
  const flow = await stack.api('POST', '/api/flows', {
    name: uid('experiment flow'),
    trigger_event: trigger,
    actions: [{ type: 'send_email', template: { subject, html: '<p>Hi</p>', text } }],
  });
  expect(flow.status, JSON.stringify(flow.body)).toBe(201);
  const flowId = flow.body.flow.id as string;
  expect((await stack.api('POST', `/api/flows/${flowId}/activate`)).status).toBe(200);
  return { trigger, flowId };
}

describe('a journey step experiment', () => {
  it("splits the welcome email's subject between two variants and a holdout, by hash, once per customer", async () => {
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('welcome_subject'),
      journey_key: 'welcome',
      step_key: 'welcome',
      variants: [
        { key: 'A', subject: 'Welcome aboard, {{ customer.name }}' },
        { key: 'B', subject: '欢迎, {{ customer.name }} 🎉' },
      ],
      holdout: 0.2,
      goal: 'open_rate',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const e = created.body;
    expect(e.target).toEqual({ type: 'journey_step', journey_key: 'welcome', step_key: 'welcome' });
    const arms: Arms = { variants: e.variants, holdout: 0.2 };

    // Customers chosen so each arm has two.
    const want = idsByArm(e.id, uid('jx'), arms, { A: 2, B: 2, holdout: 2 });
    for (const id of Object.values(want).flat()) await signUp(id);

    const subjects = { A: 'Welcome aboard, Ada', B: '欢迎, Ada 🎉' } as const;
    for (const key of ['A', 'B'] as const) {
      for (const id of want[key]!) {
        const mail = await stack.mail.waitFor((m) => m.to.includes(`${id}@example.com`));
        expect(mail.subject).toBe(subjects[key]);
        const row = await welcomeRecord(id);
        expect([row.status, row.experimentId, row.variant]).toEqual(['sent', e.id, key]);
      }
    }
    for (const id of want.holdout!) {
      const row = await welcomeRecord(id);
      expect([row.status, row.errorMessage, row.variant]).toEqual(['skipped', 'holdout', 'holdout']);
      expect(stack.mail.list().filter((m) => m.to.includes(`${id}@example.com`))).toEqual([]);
    }
    const assigned = await stack.database.db.select().from(experimentAssignments).where(eq(experimentAssignments.experimentId, e.id));
    expect(assigned).toHaveLength(6);

    const results = await stack.api('GET', `/api/experiments/${e.id}/results`);
    expect(results.status).toBe(200);
    expect(results.body.arms.map((a: { variant: string; assigned: number; sent: number }) => [a.variant, a.assigned, a.sent])).toEqual([
      ['A', 2, 2],
      ['B', 2, 2],
      ['holdout', 2, 0],
    ]);

    // B promoted: a new customer gets B's subject whatever the hash says, outside the results.
    const promoted = await stack.api('POST', `/api/experiments/${e.name}/promote`, { variant: 'B' });
    expect(promoted.body).toMatchObject({ status: 'completed', winner: 'B', winner_reason: 'promoted' });
    const late = uid('late');
    await signUp(late);
    const mail = await stack.mail.waitFor((m) => m.to.includes(`${late}@example.com`));
    expect(mail.subject).toBe(subjects.B);
    const [row] = await stack.database.db.select().from(experimentAssignments).where(eq(experimentAssignments.customerId, late));
    expect([row!.variant, row!.phase]).toEqual(['B', 'rollout']);

    // Only a variant of the experiment can be promoted.
    const bad = await stack.api('POST', `/api/experiments/${e.id}/promote`, { variant: 'Z' });
    expect([bad.status, bad.body.error.field]).toEqual([422, 'variant']);
  });
});

describe('a channel experiment on a flow step', () => {
  it('sends arm B of a flow email step as an SMS, with its own content; the record says sms', async () => {
    const { trigger, flowId } = await activeFlow('Hello by email', 'Hello {{ customer.name }}');
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('channel_test'),
      flow_id: flowId,
      // A flow's steps are keyed by position and action.
      step_key: '0-send_email',
      variants: [{ key: 'A' }, { key: 'B', channel: 'sms', content: 'Hello {{ customer.name }}, by SMS 📱' }],
      goal: 'conversion_rate',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const e = created.body;
    const arms: Arms = { variants: e.variants, holdout: 0 };
    const want = idsByArm(e.id, uid('ch'), arms, { A: 1, B: 1 });
    for (const id of [...want.A!, ...want.B!]) {
      await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com`, phone: '+15550001111', name: 'Ada' });
      expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: id })).status).toBe(202);
    }
    const [a, b] = [want.A![0]!, want.B![0]!];
    expect((await stack.mail.waitFor((m) => m.to.includes(`${a}@example.com`))).subject).toBe('Hello by email');
    const sms = await waitFor(
      () => provider.requests.find((r) => r.path === '/sms' && JSON.stringify(r.body).includes('by SMS')),
      'the SMS',
    );
    expect(JSON.stringify(sms.body)).toContain('Hello Ada, by SMS 📱');
    // The provider's answer is recorded just after the request reached it.
    const rows = await waitFor(async () => {
      const all = await stack.database.db.select().from(messages).where(eq(messages.experimentId, e.id));
      return all.length === 2 && all.every((r) => r.status !== 'pending') ? all : null;
    }, 'both records written');
    expect(rows.map((r) => [r.customerId, r.channel, r.variant, r.status]).sort()).toEqual(
      [
        [a, 'email', 'A', 'sent'],
        [b, 'sms', 'B', 'sent'],
      ].sort(),
    );
    expect(stack.mail.list().filter((m) => m.to.includes(`${b}@example.com`))).toEqual([]);
    // A channel arm needs its own content, and a webhook arm is refused (no URL): each naming the field.
    const campaign = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('c'),
      type: 'email',
      target_tags: [uid('t')],
      content: 'Hi',
    });
    for (const [variant, field] of [
      [{ key: 'B', channel: 'sms' }, 'variants[1].content'],
      [{ key: 'B', channel: 'webhook', content: 'x' }, 'variants[1].channel'],
    ] as const) {
      const refused = await stack.api('POST', '/api/experiments', {
        name: uid('no'),
        campaign_id: campaign.body.id,
        variants: [{ key: 'A' }, variant],
        goal: 'click_rate',
      });
      expect([refused.status, refused.body.error.field]).toEqual([422, field]);
    }
  });
});

describe('an offset experiment on a flow step', () => {
  it('holds arm B 90 minutes after the step was due, with a durable timer; arm A goes at once', async () => {
    const { trigger, flowId } = await activeFlow('Later?', 'Hi');
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('offset_test'),
      flow_id: flowId,
      step_key: '0-send_email',
      variants: [{ key: 'A' }, { key: 'B', send_at: { offset_minutes: 90 } }],
      goal: 'open_rate',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const e = created.body;
    const { A, B } = idsByArm(e.id, uid('of'), { variants: e.variants, holdout: 0 }, { A: 1, B: 1 });
    const [a, b] = [A![0]!, B![0]!];
    for (const id of [a, b]) {
      await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com` });
      expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: id })).status).toBe(202);
    }
    await stack.mail.waitFor((m) => m.to.includes(`${a}@example.com`));
    const handle = stack.client.workflow.getHandle(flowWorkflowId(flowId, b));
    const { startTime } = await handle.describe();
    const waiting = await waitFor(async () => {
      const status = await handle.query(statusQuery);
      return status.nextWakeUp ? status : null;
    }, "B's run to wait for its offset");
    const wait = Date.parse(waiting.nextWakeUp!) - startTime.getTime();
    expect(wait).toBeGreaterThanOrEqual(90 * 60_000 - 1000);
    expect(wait).toBeLessThan(91 * 60_000);
    await stack.env.client.workflow.getHandle(handle.workflowId).result();
    expect(
      stack.mail
        .list()
        .filter((m) => m.to.includes(`${b}@example.com`))
        .map((m) => m.subject),
    ).toEqual(['Later?']);
  });
});

describe('a channel experiment on a campaign', () => {
  it("sends arm B of an email campaign as SMS on that channel's checks, one message per customer", async () => {
    const tag = uid('cc');
    const campaign = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('channel campaign'),
      type: 'email',
      target_tags: [tag],
      content: { subject: 'By email', text: 'Hello' },
    });
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('campaign_channel_test'),
      campaign_id: campaign.body.id,
      variants: [{ key: 'A' }, { key: 'B', channel: 'sms', content: '短信 {{ customer.id }}' }],
      goal: 'conversion_rate',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const e = created.body;
    const byArm = idsByArm(e.id, tag, { variants: e.variants, holdout: 0 }, { A: 3, B: 3 });
    const ids = [...byArm.A!, ...byArm.B!];
    await stack.database.db
      .insert(customers)
      .values(ids.map((id, i) => ({ id, email: `${id}@example.com`, phone: `+1555777${String(i).padStart(4, '0')}`, tags: [tag] })));
    const trig = await stack.api('POST', `/api/marketing/campaigns/${campaign.body.id}/trigger`, { execution_type: 'actual' });
    const done = (await stack.env.client.workflow
      .getHandle(campaignWorkflowId(campaign.body.id, trig.body.execution_id))
      .result()) as CampaignProgress;
    expect(done).toMatchObject({ state: 'completed', processed: 6, sent: 6 });
    const rows = await stack.database.db.select().from(messages).where(eq(messages.campaignId, campaign.body.id));
    for (const r of rows) expect([r.channel, r.status]).toEqual([r.variant === 'B' ? 'sms' : 'email', 'sent']);
    for (const id of byArm.A!) expect(stack.mail.list().filter((m) => m.to.includes(`${id}@example.com`))).toHaveLength(1);
    for (const id of byArm.B!) {
      expect(stack.mail.list().filter((m) => m.to.includes(`${id}@example.com`))).toEqual([]);
      expect(provider.requests.filter((r) => r.path === '/sms' && JSON.stringify(r.body).includes(`短信 ${id}`))).toHaveLength(1);
    }
  });
});

describe('a send-time experiment on a flow step', () => {
  it("holds arm B until 20:00 on the customer's clock with a durable timer, then sends it; arm A goes at once", async () => {
    const { trigger, flowId } = await activeFlow('Evening?', 'Hi');
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('evening_test'),
      flow_id: flowId,
      step_key: '0-send_email',
      variants: [{ key: 'A' }, { key: 'B', send_at: { local_time: '20:00' } }],
      goal: 'open_rate',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const e = created.body;
    const { A, B } = idsByArm(e.id, uid('ev'), { variants: e.variants, holdout: 0 }, { A: 1, B: 1 });
    const [a, b] = [A![0]!, B![0]!];
    for (const id of [a, b]) {
      await stack.api('PUT', `/api/customers/${id}`, { email: `${id}@example.com`, timezone: 'Asia/Shanghai' });
      expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: id })).status).toBe(202);
    }
    await stack.mail.waitFor((m) => m.to.includes(`${a}@example.com`));
    const handle = stack.client.workflow.getHandle(flowWorkflowId(flowId, b));
    const waiting = await waitFor(async () => {
      const status = await handle.query(statusQuery);
      return status.nextWakeUp ? status : null;
    }, "B's run to wait for its send time");
    const wake = localParts('Asia/Shanghai', Date.parse(waiting.nextWakeUp!));
    expect([wake.hour, wake.minute]).toEqual([20, 0]);
    expect(stack.mail.list().filter((m) => m.to.includes(`${b}@example.com`))).toEqual([]);

    await stack.env.client.workflow.getHandle(handle.workflowId).result();
    const mail = stack.mail.list().filter((m) => m.to.includes(`${b}@example.com`));
    expect(mail.map((m) => m.subject)).toEqual(['Evening?']);
    const [row] = await stack.database.db.select().from(messages).where(eq(messages.customerId, b));
    expect([row!.variant, row!.status]).toEqual(['B', 'sent']);
  });
});

describe('a best-hour experiment on a flow step, judged against a fixed hour', () => {
  it('holds the best-hour arm until the hour the customer opens most on their clock', async () => {
    const { trigger, flowId } = await activeFlow('Best hour', 'Hi');
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('best_hour_test'),
      flow_id: flowId,
      step_key: '0-send_email',
      variants: [
        { key: 'fixed', send_at: { local_time: '09:00' } },
        { key: 'best', send_at: { best_hour: true } },
      ],
      goal: 'open_rate',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.variants[1].send_at).toEqual({ best_hour: true });
    const e = created.body;
    const [b] = idsByArm(e.id, uid('bh'), { variants: e.variants, holdout: 0 }, { fixed: 0, best: 1 }).best!;
    await stack.api('PUT', `/api/customers/${b}`, { email: `${b}@example.com`, timezone: 'America/New_York' });
    // Three earlier opens at 21:xx New York time (01:xx or 02:xx UTC), one at 08:xx: the best hour is 21.
    const opened = ['2026-03-02T02:10:00Z', '2026-03-09T01:40:00Z', '2026-04-01T01:05:00Z', '2026-04-02T12:30:00Z'];
    await stack.database.db.insert(messages).values(
      opened.map((at, i) => ({
        idempotencyKey: uid(`old-${i}`),
        customerId: b!,
        stepKey: 'old',
        channel: 'email' as const,
        status: 'opened' as const,
        sentAt: new Date(at),
        openedAt: new Date(at),
      })),
    );
    expect((await stack.api('POST', '/api/events', { id: uid('evt'), type: trigger, customerId: b })).status).toBe(202);
    const handle = stack.client.workflow.getHandle(flowWorkflowId(flowId, b!));
    const waiting = await waitFor(async () => {
      const status = await handle.query(statusQuery);
      return status.nextWakeUp ? status : null;
    }, 'the best-hour arm to wait for its hour');
    const wake = localParts('America/New_York', Date.parse(waiting.nextWakeUp!));
    expect([wake.hour, wake.minute]).toEqual([21, 0]);
    await stack.env.client.workflow.getHandle(handle.workflowId).result();
    expect(
      stack.mail
        .list()
        .filter((m) => m.to.includes(`${b}@example.com`))
        .map((m) => m.subject),
    ).toEqual(['Best hour']);
  });
});

describe('a send-time experiment on a campaign', () => {
  it('holds variant B for its offset (pending, reason send_time) and sends it then; A goes at once', async () => {
    const tag = uid('st');
    const campaign = await stack.api('POST', '/api/marketing/campaigns', {
      name: uid('send time'),
      type: 'email',
      target_tags: [tag],
      content: { subject: 'When?', text: 'Hello' },
    });
    const created = await stack.api('POST', '/api/experiments', {
      name: uid('send_time_test'),
      campaign_id: campaign.body.id,
      variants: [
        { key: 'A', subject: 'Now' },
        { key: 'B', subject: 'Two hours later', send_at: { offset_minutes: 120 } },
      ],
      goal: 'click_rate',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const e = created.body;
    const arms: Arms = { variants: e.variants, holdout: 0 };
    // Three customers in each arm (six drawn at random would all be in one arm one run in 32).
    const byArm = idsByArm(e.id, tag, arms, { A: 3, B: 3 });
    const ids = [...byArm.A!, ...byArm.B!];
    const inB = byArm.B!;
    await stack.database.db.insert(customers).values(ids.map((id) => ({ id, email: `${id}@example.com`, tags: [tag] })));
    const trig = await stack.api('POST', `/api/marketing/campaigns/${campaign.body.id}/trigger`, { execution_type: 'actual' });
    const handle = stack.client.workflow.getHandle(campaignWorkflowId(campaign.body.id, trig.body.execution_id));
    const started = await stack.env.currentTimeMs();

    // A is out; B waits for its time in the deferred pass.
    const waiting = await waitFor(async () => {
      const p = await handle.query<CampaignProgress>('progress');
      return p.deferredUntil && p.sent === ids.length - inB.length ? p : null;
    }, 'the A arm sent and B waiting');
    expect(waiting.deferred).toBe(inB.length);
    expect(waiting.deferredUntil! - started).toBeGreaterThanOrEqual(120 * 60_000 - 60_000);
    const held = await stack.database.db.select().from(messages).where(eq(messages.campaignId, campaign.body.id));
    for (const r of held.filter((m) => m.variant === 'B')) expect([r.status, r.errorMessage]).toEqual(['pending', 'send_time']);

    const done = (await stack.env.client.workflow.getHandle(handle.workflowId).result()) as CampaignProgress;
    expect(done).toMatchObject({ state: 'completed', processed: ids.length, sent: ids.length });
    for (const id of ids) {
      const mail = stack.mail.list().filter((m) => m.to.includes(`${id}@example.com`));
      expect(mail.map((m) => m.subject)).toEqual([inB.includes(id) ? 'Two hours later' : 'Now']);
    }
  });
});
