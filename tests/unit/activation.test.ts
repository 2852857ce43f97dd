// The activation journey's defaults and settings, without servers (the journey itself: tests/activation.test.ts).
import { describe, expect, it } from 'vitest';
import { activationEventOf, DEFAULT_ACTIVATION_EVENT } from '../../src/domain/activation.js';
import { defaultJourneyConfigs, defaultJourneySettings, journeysOffByDefault } from '../../src/domain/journey-config.js';
import { activationSettingsSchema, journeySettingsSchemas } from '../../src/journeys/settings.js';
import { journeyStepsSchema } from '../../src/journeys/steps-schema.js';
import { DEFAULT_WORKSPACE, inWorkspace } from '../../src/db/workspace.js';
import { activationWorkflowId, workspaceOfWorkflowId } from '../../src/temporal/workflow-ids.js';
import { workspaceIdProblem } from '../../src/workspaces/workspace-id.js';

describe('default activation configuration', () => {
  it('is valid: a nudge at 3 d, a coupon at 10 d, switched off, waiting for the first order', () => {
    const result = journeyStepsSchema.safeParse(defaultJourneyConfigs.activation);
    expect(result.error?.issues).toBeUndefined();
    expect(result.data?.map((s) => [s.key, s.offset, s.channel])).toEqual([
      ['nudge', '3 days', 'email'],
      ['coupon', '10 days', 'email'],
    ]);
    expect(result.data?.[1]).toMatchObject({ coupon: { percentOff: 10, validDays: 14 } });
    expect(journeysOffByDefault.has('activation')).toBe(true);
    expect(journeysOffByDefault.has('welcome')).toBe(false);
    expect(activationSettingsSchema.parse(defaultJourneySettings.activation)).toEqual({ activationEvent: 'order_completed' });
  });
});

describe('activation settings', () => {
  it('take any event type as the key action', () => {
    expect(journeySettingsSchemas.activation).toBe(activationSettingsSchema);
    for (const activationEvent of ['first_lesson_completed', 'order_completed', 'app.first_run', 'trial:converted'])
      expect(activationSettingsSchema.safeParse({ activationEvent }).success).toBe(true);
  });

  it.each([
    [{ activationEvent: 'user_signup' }, 'cannot be the key action'],
    [{ activationEvent: 'unsubscribed' }, 'cannot be the key action'],
    [{ activationEvent: 'First Order' }, 'must be an event type'],
    [{ activationEvent: '' }, 'must be an event type'],
    [{}, ''],
    [{ activationEvent: 'order_completed', within: '3 days' }, ''],
  ])('refuse %j', (settings, message) => {
    const result = activationSettingsSchema.safeParse(settings);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toContain(message);
  });

  it('are read with the default when a stored version names no key action', () => {
    expect(activationEventOf({ activationEvent: 'first_lesson_completed' })).toBe('first_lesson_completed');
    for (const settings of [null, undefined, {}, { activationEvent: 7 }, { activationEvent: '' }])
      expect(activationEventOf(settings as Record<string, unknown> | null | undefined)).toBe(DEFAULT_ACTIVATION_EVENT);
  });
});

describe('activation workflow ids', () => {
  it("name the workspace whose rows the run's activities read, and reserve the name", async () => {
    const own = await inWorkspace(DEFAULT_WORKSPACE, () => activationWorkflowId('ada'));
    expect(own).toBe('activation/ada');
    expect(workspaceOfWorkflowId(own)).toBe(DEFAULT_WORKSPACE);
    const shop = await inWorkspace('shop-a', () => activationWorkflowId('ada'));
    expect(shop).toBe('shop-a/activation/ada');
    expect(workspaceOfWorkflowId(shop)).toBe('shop-a');
    expect(workspaceIdProblem('activation')).toContain('is reserved');
  });
});
