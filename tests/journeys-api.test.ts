// Journey configuration and runs through the API. This file changes configuration, so it has a database
// of its own: other files' journeys never see its versions.
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultJourneyConfigs, type EmailStep } from '../src/domain/journey-config.js';
import { cartRecoveryWorkflowId, welcomeWorkflowId } from '../src/temporal/workflow-ids.js';
import { type JourneyResult, statusQuery } from '../src/steps/steps.js';
import { type Stack, startStack, uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true });
});
afterAll(async () => {
  await stack?.close();
});

const enc = encodeURIComponent;
const welcomeSteps = defaultJourneyConfigs.welcome! as EmailStep[];

async function signUp() {
  const id = uid('jc');
  const email = `${id}@example.com`;
  await stack.api('PUT', `/api/customers/${id}`, { email, name: 'Joan' });
  await stack.api('POST', '/api/events', { id: uid('evt'), type: 'user_signup', customerId: id });
  const handle = stack.client.workflow.getHandle<() => Promise<JourneyResult>>(welcomeWorkflowId(id));
  const asleep = () =>
    waitFor(async () => {
      const s = await handle.query(statusQuery);
      return s.nextWakeUp ? s : null;
    }, 'the run asleep');
  return { id, email, handle, asleep, mail: () => stack.mail.list().filter((m) => m.to.includes(email)) };
}

describe('journey configuration API', () => {
  it('lists the journeys with their current versions', async () => {
    const res = await stack.api('GET', '/api/journeys');
    expect(res.status).toBe(200);
    expect(res.body.journeys.map((j: { key: string }) => j.key)).toEqual(expect.arrayContaining(['cart_recovery', 'welcome']));
    expect((await stack.api('GET', '/api/journeys/welcome')).body.journey).toMatchObject({
      key: 'welcome',
      enabled: true,
      steps: welcomeSteps,
    });
    expect((await stack.api('GET', '/api/journeys/nope')).status).toBe(404);
  });

  it('rejects a bad configuration naming the step, and writes no version', async () => {
    const before = (await stack.api('GET', '/api/journeys/welcome')).body.journey.version;
    const negative = await stack.api('PUT', '/api/journeys/welcome', {
      steps: [welcomeSteps[0], { ...welcomeSteps[1], offset: '-5 hours' }],
    });
    expect(negative).toMatchObject({ status: 422, body: { error: { code: 'validation_error', field: 'steps[1].offset' } } });
    const badTemplate = await stack.api('PUT', '/api/journeys/welcome', {
      steps: [{ ...welcomeSteps[0], template: { ...welcomeSteps[0]!.template, subject: 'Hi {{ customer.name | shout }}' } }],
    });
    expect(badTemplate.body.error).toMatchObject({ code: 'validation_error', field: 'steps[0].template.subject' });
    expect(badTemplate.body.error.message).toContain('shout');
    const unknownChannel = await stack.api('PUT', '/api/journeys/welcome', { steps: [{ ...welcomeSteps[0], channel: 'fax' }] });
    expect(unknownChannel.body.error.field).toBe('steps[0].channel');
    expect((await stack.api('PUT', '/api/journeys/nope', { enabled: false })).status).toBe(404);
    expect((await stack.api('GET', '/api/journeys/welcome')).body.journey.version).toBe(before);
  });

  it('applies a change to new runs only: runs in flight keep their version', async () => {
    const early = await signUp();
    await early.asleep();
    const changed = welcomeSteps.map((s) =>
      s.key === 'guide' ? { ...s, offset: '48 hours', template: { ...s.template, subject: 'Guide v2' } } : s,
    );
    const put = await stack.api('PUT', '/api/journeys/welcome', { steps: changed });
    expect(put.status).toBe(200);
    const version = put.body.journey.version;

    const late = await signUp();
    expect((await late.asleep()).version).toBe(version);
    expect((await early.handle.query(statusQuery)).version).toBe(version - 1);

    await stack.env.sleep('25 hours');
    await stack.mail.waitFor((m) => m.to.includes(early.email) && m.subject === 'Getting started with Touchpoint');
    await waitFor(async () => (await late.handle.query(statusQuery)).nextWakeUp, 'late run asleep');
    expect(late.mail().map((m) => m.subject)).toEqual(['Welcome to Touchpoint, Joan!']);
    await stack.env.sleep('1 day');
    await stack.mail.waitFor((m) => m.to.includes(late.email) && m.subject === 'Guide v2');
    await stack.env.sleep('6 days');
    expect((await early.handle.result()).outcome).toBe('completed');
    expect((await late.handle.result()).outcome).toBe('completed');
  });

  it('starts a run with its configuration version in its input: no activity loads it', async () => {
    const { version } = (await stack.api('GET', '/api/journeys/welcome')).body.journey;
    const run = await signUp();
    expect((await run.asleep()).version).toBe(version);
    const events = (await run.handle.fetchHistory()).events ?? [];
    const input = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    expect(defaultPayloadConverter.fromPayload(input[0]!)).toMatchObject({ customerId: run.id, config: { key: 'welcome', version } });
    const activities = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activities).toEqual(['sendEmailTouch']);
  });

  it('switches a journey off for new runs', async () => {
    expect((await stack.api('PUT', '/api/journeys/cart_recovery', { enabled: false })).body.journey.enabled).toBe(false);
    try {
      const id = uid('off');
      await stack.api('POST', '/api/events', {
        id: uid('evt'),
        type: 'cart_abandoned',
        customerId: id,
        properties: { cart_id: 'k', items: [{ sku: 'a', name: 'A', price: 1 }] },
      });
      const result = await stack.client.workflow.getHandle(cartRecoveryWorkflowId(id, 'k')).result();
      expect(result).toEqual({ outcome: 'disabled', steps: [] });
    } finally {
      await stack.api('PUT', '/api/journeys/cart_recovery', { enabled: true });
    }
  });
});

describe('journey runs API', () => {
  it('shows a run with its current step and next wake-up, read from the workflow', async () => {
    const { id, asleep } = await signUp();
    const state = await asleep();
    const res = await stack.api('GET', `/api/journeys/runs/${enc(welcomeWorkflowId(id))}`);
    expect(res.status).toBe(200);
    expect(res.body.run).toMatchObject({
      workflowId: welcomeWorkflowId(id),
      journey: 'welcome',
      customerId: id,
      status: 'RUNNING',
      closedAt: null,
      state: { currentStep: 'guide', nextWakeUp: state.nextWakeUp, completed: [{ step: 'welcome', status: 'sent' }] },
    });
    expect((await stack.api('GET', `/api/journeys/runs/${enc('welcome/nobody')}`)).status).toBe(404);
  });

  it('lists runs of a journey, newest first, paged', async () => {
    const a = await signUp();
    const b = await signUp();
    await a.asleep();
    await b.asleep();
    const page1 = await stack.api('GET', '/api/journeys/welcome/runs?page=1&page_size=1');
    expect(page1.status).toBe(200);
    expect(page1.body.runs).toHaveLength(1);
    expect(page1.body.runs[0].customerId).toBe(b.id);
    expect(page1.body.pagination).toMatchObject({ page: 1, page_size: 1 });
    expect(page1.body.pagination.total).toBeGreaterThanOrEqual(2);
    const page2 = await stack.api('GET', '/api/journeys/welcome/runs?page=2&page_size=1');
    expect(page2.body.runs[0].customerId).toBe(a.id);
    expect((await stack.api('GET', '/api/journeys/welcome/runs?page_size=1000')).status).toBe(400);
    expect((await stack.api('GET', '/api/journeys/welcome/runs?page=0')).status).toBe(400);
    expect((await stack.api('GET', '/api/journeys/nope/runs')).status).toBe(404);
  });

  it('cancels a running run before its next step, and says 409 once it is over', async () => {
    const { id, handle, asleep, mail } = await signUp();
    await asleep();
    const path = `/api/journeys/runs/${enc(welcomeWorkflowId(id))}/cancel`;
    expect(await stack.api('POST', path)).toMatchObject({ status: 202, body: { cancelled: true } });
    expect(await handle.result()).toMatchObject({ outcome: 'exited', reason: 'cancelled' });
    await stack.env.sleep('8 days');
    expect(mail()).toHaveLength(1);
    const again = await stack.api('POST', path);
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'run_not_running' } } });
    expect((await stack.api('POST', `/api/journeys/runs/${enc('welcome/nobody')}/cancel`)).status).toBe(404);
  });

  it('ends every journey of an erased customer, whatever the journey', async () => {
    const { id, handle, asleep } = await signUp();
    await asleep();
    await stack.api('POST', '/api/events', {
      id: uid('evt'),
      type: 'cart_abandoned',
      customerId: id,
      properties: { cart_id: 'x', items: [{ sku: 'a', name: 'A', price: 1 }] },
    });
    const cart = stack.client.workflow.getHandle(cartRecoveryWorkflowId(id, 'x'));
    await waitFor(async () => (await cart.query(statusQuery)).nextWakeUp, 'cart run asleep');
    const del = await stack.api('DELETE', `/api/customers/${id}`);
    expect(del.body.journeysEnded).toBeGreaterThanOrEqual(2);
    expect(await handle.result()).toMatchObject({ outcome: 'exited', reason: 'erased' });
    expect(await cart.result()).toMatchObject({ outcome: 'exited', reason: 'erased' });
  });
});
