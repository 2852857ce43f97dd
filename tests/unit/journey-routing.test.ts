// The journeys' one route table (src/journeys/routing.ts): which runs an event starts or signals, and what
// the store's findings change about it. Pure, so no servers.
import { describe, expect, it } from 'vitest';
import type { FlowRouting } from '../../src/flows/routing.js';
import {
  type ActivationRouting,
  type EventPlan,
  type IncomingEvent,
  plannedStarts,
  planEvent,
  settlePlan,
  welcomeStartOptions,
} from '../../src/journeys/routing.js';
import {
  activationWorkflowId,
  cartRecoveryWorkflowId,
  flowWorkflowId,
  tierUpgradeWorkflowId,
  welcomeWorkflowId,
} from '../../src/temporal/workflow-ids.js';

const noFlows: FlowRouting = { triggers: new Map(), watched: new Set() };
const event = (type: string, properties: Record<string, unknown> = {}): IncomingEvent => ({
  id: `evt-${type}`,
  type,
  customerId: 'ada',
  properties,
});
const summary = (plan: EventPlan) =>
  plan.ops.map((op) =>
    op.kind === 'signal_flow_runs'
      ? { kind: op.kind, except: op.except }
      : { kind: op.kind, journey: op.journey, workflowId: op.workflowId },
  );

describe('planEvent', () => {
  it('starts the welcome journey for a signup, with the options the benchmark uses', () => {
    const plan = planEvent(event('user_signup'), noFlows, 'q');
    expect(summary(plan)).toEqual([{ kind: 'start', journey: 'welcome', workflowId: welcomeWorkflowId('ada') }]);
    const [op] = plannedStarts(plan);
    expect(op!.run).toMatchObject({ signalWithStart: welcomeStartOptions(plan.event, 'q') });
  });

  it('starts cart recovery for an abandoned cart with items, and nothing for one without', () => {
    const cart = { cart_id: 'k1', items: [{ sku: 's', name: 'n', price: 2, quantity: 1 }] };
    expect(summary(planEvent(event('cart_abandoned', cart), noFlows, 'q'))).toEqual([
      { kind: 'start', journey: 'cart_recovery', workflowId: cartRecoveryWorkflowId('ada', 'k1') },
    ]);
    expect(planEvent(event('cart_abandoned', { cart_id: 'k1' }), noFlows, 'q').ops).toEqual([]);
  });

  it('signals the cart run of an order and starts or signals the tier run; only the tier run is recorded ahead', () => {
    const plan = planEvent(event('order_completed', { cart_id: 'k1' }), noFlows, 'q');
    expect(summary(plan)).toEqual([
      { kind: 'signal', journey: 'cart_recovery', workflowId: cartRecoveryWorkflowId('ada', 'k1') },
      { kind: 'start', journey: 'tier_upgrade', workflowId: tierUpgradeWorkflowId('ada') },
    ]);
    expect(plannedStarts(plan).map((op) => op.workflowId)).toEqual([tierUpgradeWorkflowId('ada')]);
  });

  it("starts the flows an event triggers and hands a watched event to the customer's other flow runs", () => {
    const flows: FlowRouting = { triggers: new Map([['clicked', [{ flowId: 'f1', version: 3 }]]]), watched: new Set(['clicked']) };
    const plan = planEvent({ ...event('clicked'), occurredAt: '2026-05-01T00:00:00.000Z' }, flows, 'q');
    expect(summary(plan)).toEqual([
      { kind: 'start', journey: 'flow:f1', workflowId: flowWorkflowId('f1', 'ada') },
      { kind: 'signal_flow_runs', except: [flowWorkflowId('f1', 'ada')] },
    ]);
    // Flow runs read when the event happened.
    expect(plannedStarts(plan)[0]!.run).toMatchObject({
      signalWithStart: { args: [{ flowId: 'f1', version: 3, trigger: { occurredAt: '2026-05-01T00:00:00.000Z' } }] },
    });
    expect(planEvent(event('page_view'), flows, 'q').ops).toEqual([]);
  });
});

describe('planEvent: activation', () => {
  const on: ActivationRouting = { enabled: true, watched: new Set(['order_completed', 'first_lesson_completed']) };

  it('starts the activation run beside welcome when the journey is on, one per customer ever', () => {
    const plan = planEvent(event('user_signup'), noFlows, 'q', on);
    expect(summary(plan)).toEqual([
      { kind: 'start', journey: 'welcome', workflowId: welcomeWorkflowId('ada') },
      { kind: 'start', journey: 'activation', workflowId: activationWorkflowId('ada') },
    ]);
    expect(plannedStarts(plan)[1]!.run).toMatchObject({
      workflow: 'activation',
      signalWithStart: { args: [{ customerId: 'ada' }], workflowIdReusePolicy: 'REJECT_DUPLICATE', signalArgs: [{ type: 'user_signup' }] },
    });
  });

  it('starts nothing when it is off, and signals nothing when no version was ever on', () => {
    expect(summary(planEvent(event('user_signup'), noFlows, 'q'))).toEqual([
      { kind: 'start', journey: 'welcome', workflowId: welcomeWorkflowId('ada') },
    ]);
    const off: ActivationRouting = { enabled: false, watched: new Set() };
    expect(summary(planEvent(event('first_lesson_completed'), noFlows, 'q', off))).toEqual([]);
  });

  it("hands a key action of any version on to the customer's run, and nothing else", () => {
    // Switched off now, but runs started by an earlier version wait for their key action.
    const offNow: ActivationRouting = { ...on, enabled: false };
    expect(summary(planEvent(event('first_lesson_completed'), noFlows, 'q', offNow))).toEqual([
      { kind: 'signal', journey: 'activation', workflowId: activationWorkflowId('ada') },
    ]);
    const order = planEvent(event('order_completed'), noFlows, 'q', on);
    expect(summary(order)).toEqual([
      { kind: 'start', journey: 'tier_upgrade', workflowId: tierUpgradeWorkflowId('ada') },
      { kind: 'signal', journey: 'activation', workflowId: activationWorkflowId('ada') },
    ]);
    expect(order.ops[1]).toMatchObject({ arg: { id: 'evt-order_completed', type: 'order_completed' } });
    // Only the start is recorded ahead: a signal writes no journey_runs row.
    expect(plannedStarts(order).map((op) => op.journey)).toEqual(['tier_upgrade']);
    expect(planEvent(event('page_view'), noFlows, 'q', on).ops).toEqual([]);
  });
});

describe('settlePlan', () => {
  const plan = planEvent(event('user_signup'), noFlows, 'q');

  it('starts nothing for an erased customer', () => {
    expect(settlePlan(plan, { erased: true })).toEqual([]);
  });

  it('ends the run that waited out the silence of a customer who came back', () => {
    const ops = settlePlan(plan, { erased: false, returnedFrom: 'churn-win-back/ada/2026-01-01T00:00:00.000Z' });
    expect(ops.slice(0, -1)).toEqual(plan.ops);
    expect(ops.at(-1)).toMatchObject({
      kind: 'signal',
      journey: 'churn_win_back',
      workflowId: 'churn-win-back/ada/2026-01-01T00:00:00.000Z',
      arg: { reason: 'reactivated' },
    });
    expect(settlePlan(plan, { erased: false, returnedFrom: null })).toEqual(plan.ops);
  });
});
