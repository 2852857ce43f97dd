// The flows API: save, version, list, activate; every flow that could not run is refused at save with a
// 422 naming the field, and nothing is written. Also the routing cache that keeps events cheap.
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flows, flowVersions } from '../src/db/schema.js';
import { createFlowRoutes } from '../src/flows/routing.js';
import { createOutbound } from '../src/channels/outbound.js';
import { createFlowService } from '../src/flows/service.js';
import { type Stack, startStack, TEST_OUTBOUND, uid } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeSkipping: true, isolatedDatabase: true, worker: false });
});
afterAll(async () => {
  await stack?.close();
});

const email = { type: 'send_email', template: { subject: 'Hi {{ customer.first_name }}', html: '<p>Hi</p>', text: 'Hi' } };
const valid = () => ({
  name: uid('Welcome'),
  trigger_event: 'user_signup',
  exit_on: ['account_closed'],
  actions: [
    email,
    { type: 'send_sms', delay_hours: 24, template: { text: 'Code {{ event.properties.code | default: "WELCOME" }}' } },
    { type: 'send_push', delay: '2 hours', template: { title: 'Hello', body: 'Open the app' } },
    { type: 'send_webhook', delay_days: 7, url: 'https://example.com/hooks/feedback', template: '{"id": "{{ customer.id }}"}' },
    { type: 'wait_for_event', event: 'feedback_given', timeout: '3 days', on_timeout: 'exit' },
    { type: 'branch', attribute: 'plan', op: 'eq', value: 'pro', if_false: { skip: 1 } },
    { type: 'add_tag', tag: 'pro_feedback' },
  ],
});

async function rowCounts() {
  const [f] = await stack.database.db.select({ n: count() }).from(flows);
  const [v] = await stack.database.db.select({ n: count() }).from(flowVersions);
  return [f!.n, v!.n];
}

describe('flows API', () => {
  it('creates, lists, reads, versions, activates and deactivates a flow', async () => {
    const body = valid();
    const created = await stack.api('POST', '/api/flows', body);
    expect(created.status).toBe(201);
    const { flow } = created.body;
    expect(flow).toMatchObject({
      name: body.name,
      trigger_event: 'user_signup',
      exit_on: ['account_closed'],
      version: 1,
      latest_version: 1,
      active: false,
    });
    expect(flow.id).toMatch(/^fl_[0-9a-f]{12}$/);
    // Saved as written: the marketer's delays, not milliseconds.
    expect(flow.actions[1]).toEqual(body.actions[1]);

    const listed = await stack.api('GET', '/api/flows');
    expect(listed.body.flows.find((f: { id: string }) => f.id === flow.id)).toMatchObject({
      version: 1,
      active: false,
      trigger_event: 'user_signup',
    });

    const edited = await stack.api('PUT', `/api/flows/${flow.id}`, { ...body, trigger_event: 'trial_started', actions: [email] });
    expect(edited.status).toBe(200);
    expect(edited.body.flow).toMatchObject({ version: 2, latest_version: 2, trigger_event: 'trial_started', actions: [email] });
    expect((await stack.api('GET', `/api/flows/${flow.id}`)).body.flow.version).toBe(2);
    const v1 = await stack.api('GET', `/api/flows/${flow.id}?version=1`);
    expect(v1.body.flow).toMatchObject({ version: 1, latest_version: 2, trigger_event: 'user_signup' });
    expect(v1.body.flow.actions).toHaveLength(7);

    expect((await stack.api('POST', `/api/flows/${flow.id}/activate`)).body.flow).toMatchObject({ active: true, version: 2 });
    expect((await stack.api('POST', `/api/flows/${flow.id}/deactivate`)).body.flow.active).toBe(false);
  });

  it('answers 404 for an unknown flow or version, 409 for a name in use', async () => {
    const a = (await stack.api('POST', '/api/flows', valid())).body.flow;
    for (const [method, path, body] of [
      ['GET', '/api/flows/fl_nope'],
      ['GET', `/api/flows/${a.id}?version=9`],
      ['PUT', '/api/flows/fl_nope', valid()],
      ['POST', '/api/flows/fl_nope/activate'],
      ['POST', '/api/flows/fl_nope/deactivate'],
    ] as const) {
      const res = await stack.api(method, path, body);
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'flow_not_found']);
    }
    const taken = await stack.api('POST', '/api/flows', { ...valid(), name: a.name });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'flow_name_taken', field: 'name' } } });
    const b = (await stack.api('POST', '/api/flows', valid())).body.flow;
    const renamed = await stack.api('PUT', `/api/flows/${b.id}`, { ...valid(), name: a.name });
    expect(renamed).toMatchObject({ status: 409, body: { error: { code: 'flow_name_taken' } } });
    expect((await stack.api('GET', `/api/flows/${b.id}`)).body.flow.version).toBe(1);
  });

  const base = valid();
  const withAction = (i: number, action: Record<string, unknown>) => ({
    ...base,
    actions: base.actions.map((a, j) => (j === i ? action : a)),
  });
  it.each([
    ['an unknown action type', withAction(2, { type: 'send_fax', template: { text: 'x' } }), 'actions[2].type'],
    ['a negative delay_hours', withAction(1, { ...base.actions[1], delay_hours: -1 }), 'actions[1].delay_hours'],
    ['a negative delay', withAction(1, { type: 'send_sms', delay: '-5 minutes', template: { text: 'x' } }), 'actions[1].delay'],
    ['a negative delay in seconds', withAction(0, { ...email, delay: -30 }), 'actions[0].delay'],
    ['a delay that is no duration', withAction(0, { ...email, delay: 'soonish' }), 'actions[0].delay'],
    ['a negative delay_days', withAction(3, { ...base.actions[3], delay_days: -7 }), 'actions[3].delay_days'],
    ['two delays on one action', withAction(0, { ...email, delay_hours: 1, delay_days: 1 }), 'actions[0].delay_days'],
    [
      'an unknown filter in a subject',
      withAction(0, { ...email, template: { ...email.template, subject: '{{ customer.name | shout }}' } }),
      'actions[0].template.subject',
    ],
    [
      'a template that does not parse',
      withAction(2, { type: 'send_push', template: { title: 'x', body: '{% if %}' } }),
      'actions[2].template.body',
    ],
    [
      'a template that fails to render',
      withAction(0, { ...email, template: { ...email.template, html: '{% include "missing" %}' } }),
      'actions[0].template.html',
    ],
    ['an SMS without text', withAction(1, { type: 'send_sms', template: {} }), 'actions[1].template.text'],
    ['a webhook that is not http(s)', withAction(3, { type: 'send_webhook', url: 'ftp://example.com/x' }), 'actions[3].url'],
    ['an unknown key in an action', withAction(0, { ...email, delay_hour: 2 }), 'actions[0].delay_hour'],
    ['a wait without a timeout', withAction(4, { type: 'wait_for_event', event: 'x' }), 'actions[4].timeout'],
    ['a branch that skips past the end', withAction(5, { ...base.actions[5], if_false: { skip: 3 } }), 'actions[5].if_false.skip'],
    ['a branch comparison without a value', withAction(5, { type: 'branch', attribute: 'plan', op: 'eq' }), 'actions[5].value'],
    ['no actions', { ...base, actions: [] }, 'actions'],
    ['more than 50 actions', { ...base, actions: Array.from({ length: 51 }, () => email) }, 'actions'],
    ['an exit on the trigger itself', { ...base, exit_on: ['user_signup'] }, 'exit_on[0]'],
    ['a trigger that is no event type', { ...base, trigger_event: 'User Signup' }, 'trigger_event'],
    ['no name', { ...base, name: '' }, 'name'],
  ])('refuses %s with a 422 naming %s, and writes nothing', async (_what, body, field) => {
    const before = await rowCounts();
    const created = await stack.api('POST', '/api/flows', { ...body, name: body.name && uid('bad') });
    expect(created.status).toBe(422);
    expect(created.body.error).toMatchObject({ code: 'validation_error', field });
    expect(created.body.error.message.startsWith(`${field}:`)).toBe(true);
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a bad edit with a 422 and keeps the version', async () => {
    const { flow } = (await stack.api('POST', '/api/flows', valid())).body;
    const res = await stack.api('PUT', `/api/flows/${flow.id}`, withAction(1, { ...base.actions[1], delay_hours: -2 }));
    expect(res).toMatchObject({ status: 422, body: { error: { field: 'actions[1].delay_hours' } } });
    expect((await stack.api('GET', `/api/flows/${flow.id}`)).body.flow.version).toBe(1);
    const versions = await stack.database.db.select().from(flowVersions).where(eq(flowVersions.flowId, flow.id));
    expect(versions).toHaveLength(1);
  });

  it('describes the flow routes in the OpenAPI document', async () => {
    const doc = (await stack.api('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/flows', '/api/flows/{id}', '/api/flows/{id}/activate', '/api/flows/{id}/deactivate']),
    );
  });
});

describe('flow routing cache', () => {
  it('sees changes made in this process at once and changes made elsewhere within its age', async () => {
    const routes = createFlowRoutes(stack.database.db, 300);
    // Another API process: its own service and cache, the same database.
    const elsewhere = createFlowService(stack.database.db, { flowsChanged: () => {} }, createOutbound(TEST_OUTBOUND));
    const trigger = uid('cache').replace('-', '_');
    expect((await routes.get()).triggers.has(trigger)).toBe(false);

    const def = {
      name: uid('cached'),
      trigger_event: trigger,
      exit_on: ['gone_away'],
      actions: [{ type: 'wait_for_event', event: 'came_back', timeout: '1 day' }],
    };
    const flow = await elsewhere.create(def);
    await elsewhere.setActive(flow.id, true);
    const stale = await routes.get();
    expect(stale.triggers.has(trigger)).toBe(false);
    // Within the cache's age, then seen: triggers of active flows, and what any saved version waits for or exits on.
    const start = Date.now();
    let fresh = await routes.get();
    while (!fresh.triggers.has(trigger)) {
      expect(Date.now() - start).toBeLessThan(2_000);
      await new Promise((r) => setTimeout(r, 50));
      fresh = await routes.get();
    }
    expect(fresh.triggers.get(trigger)).toEqual([{ flowId: flow.id, version: 1 }]);
    expect([fresh.watched.has('gone_away'), fresh.watched.has('came_back')]).toEqual([true, true]);

    // A change in this process (invalidate) is seen by the next read.
    await elsewhere.setActive(flow.id, false);
    routes.invalidate();
    expect((await routes.get()).triggers.has(trigger)).toBe(false);
    // A deactivated flow's runs in flight still get their events.
    expect((await routes.get()).watched.has('came_back')).toBe(true);
  });
});
