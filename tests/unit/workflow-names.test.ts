// Journey routing and the schedules name the workflows they start by type name (so they import other
// features' workflow modules as types only): each name must be a workflow the worker registers.
import { describe, expect, it } from 'vitest';
import type { FlowRouting } from '../../src/flows/routing.js';
import { birthdayChange, churnWinBackStart, planEvent, plannedStarts, type StartOp, tierEvaluation } from '../../src/journeys/routing.js';
import * as workflows from '../../src/worker/workflows.js';

const flows: FlowRouting = { triggers: new Map([['user_signup', [{ flowId: 'f1', version: 1 }]]]), watched: new Set() };
const event = (type: string, properties: Record<string, unknown> = {}) => ({ id: `evt-${type}`, type, customerId: 'ada', properties });
const registered = (name: string) => typeof (workflows as Record<string, unknown>)[name] === 'function';

describe('the workflow type names journeys start', () => {
  const starts: StartOp[] = [
    ...plannedStarts(planEvent(event('user_signup'), flows, 'q', { enabled: true, watched: new Set() })),
    ...plannedStarts(
      planEvent(event('cart_abandoned', { cart_id: 'k1', items: [{ sku: 's', name: 'n', price: 2, quantity: 1 }] }), flows, 'q'),
    ),
    tierEvaluation('ada', { id: 'e', type: 'order_completed', properties: {} }, 'q'),
    churnWinBackStart('ada', 0, 'q'),
  ];
  const birthday = birthdayChange({ id: 'ada', birthday: '1990-05-01', timezone: null, consent: { email: true } }, 'q');
  if (birthday?.kind === 'start') starts.push(birthday);

  it('covers every journey that starts a run', () => {
    expect(new Set(starts.map((s) => s.run.workflow))).toEqual(
      new Set(['welcome', 'activation', 'flowRun', 'cartRecovery', 'tierUpgrade', 'churnWinBack', 'birthday']),
    );
  });

  it.each(['welcome', 'activation', 'flowRun', 'cartRecovery', 'tierUpgrade', 'churnWinBack', 'birthday'])(
    '%s is a registered workflow',
    (name) => {
      expect(registered(name)).toBe(true);
    },
  );

  it.each(['churnSweep', 'recommendationsRefresh', 'segmentsRefresh', 'insightsRefresh'])(
    'the scheduled %s is a registered workflow',
    (name) => {
      expect(registered(name)).toBe(true);
    },
  );
});
