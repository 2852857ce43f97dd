// A marketer flow's definition as the API accepts it (a name, a trigger event,
// actions each with a delay), every rule a saved flow obeys, and its translation into what the workflow runs.
import { msToNumber } from '@temporalio/common/lib/time.js';
import { z } from 'zod';
import type { FlowStep } from './flow-types.js';
import { renderTemplate, validateTemplate } from '../templates/render.js';
import { tagSchema } from '../domain/tags.js';

export const MAX_FLOW_ACTIONS = 50;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** No delay or timeout longer than this: a flow is a finite sequence, not a calendar. */
const MAX_WAIT_MS = 366 * DAY;

const eventType = z
  .string()
  .regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'must be an event type: lowercase letters, digits, _ . : or -, starting with a letter');

/** "2 hours", "30m", "7 days", or a number of seconds. */
const durationSchema = z.union([z.number().min(0, 'must not be negative'), z.string().min(1)]).transform((v, ctx) => {
  if (typeof v === 'number') return v * 1000;
  let ms: number;
  try {
    ms = /^\s*-?[\d.]+\s*$/.test(v) ? NaN : msToNumber(v);
  } catch {
    ms = NaN;
  }
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (e.g. "2 hours", "30 minutes", "7 days", or a number of seconds)` });
    return z.NEVER;
  }
  if (ms < 0) {
    ctx.addIssue({ code: 'custom', message: 'must not be negative' });
    return z.NEVER;
  }
  return ms;
});

const delayFields = {
  /** A duration ("2 hours") or seconds. At most one of delay, delay_hours, delay_days. */
  delay: durationSchema.optional(),
  delay_hours: z.number().min(0, 'must not be negative').optional(),
  delay_days: z.number().min(0, 'must not be negative').optional(),
};

const text = (max: number) => z.string().min(1).max(max);

const branchOutcome = z.union([z.enum(['continue', 'exit']), z.strictObject({ skip: z.number().int().min(1) })]);

const actionSchemas = [
  z.strictObject({
    type: z.literal('send_email'),
    ...delayFields,
    template: z.strictObject({ subject: text(500), html: text(100_000), text: text(100_000) }),
  }),
  z.strictObject({ type: z.literal('send_sms'), ...delayFields, template: z.strictObject({ text: text(1600) }) }),
  z.strictObject({
    type: z.literal('send_push'),
    ...delayFields,
    /** data: Liquid that renders to a JSON object, sent beside title and body (a deep link, the cart id…). */
    template: z.strictObject({ title: text(200), body: text(2000), data: text(4000).optional() }),
  }),
  z.strictObject({
    type: z.literal('send_wechat'),
    ...delayFields,
    /** A WeChat template message: the template's id, its data keys' Liquid values, and the page it opens. */
    template: z.strictObject({
      template_id: z.string().regex(/^[\w-]{1,128}$/, 'a WeChat template id'),
      url: text(2000).optional(),
      data: z
        .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'a WeChat data key: letters, digits and _'), text(2000))
        .refine((data) => !('template_id' in data) && !('url' in data), 'template_id and url are not data keys')
        .refine((data) => Object.keys(data).length <= 30, 'at most 30 data keys'),
    }),
  }),
  z.strictObject({
    type: z.literal('send_webhook'),
    ...delayFields,
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    /** A Liquid template for the `body` field of the POST (optional). */
    template: text(100_000).optional(),
  }),
  z.strictObject({
    type: z.literal('add_tag'),
    ...delayFields,
    tag: tagSchema,
  }),
  z.strictObject({
    type: z.literal('wait_for_event'),
    ...delayFields,
    event: eventType,
    timeout: durationSchema,
    on_timeout: z.enum(['continue', 'exit']).default('continue'),
  }),
  z.strictObject({
    type: z.literal('branch'),
    ...delayFields,
    /** A customer field (email, phone, name, tags, timezone…) or a key of the customer's attributes. */
    attribute: z.string().regex(/^[A-Za-z_][\w]{0,63}$/, 'a customer field or attribute name'),
    op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'not_exists']),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    if_true: branchOutcome.default('continue'),
    if_false: branchOutcome.default('exit'),
  }),
] as const;

export const flowActionSchema = z.discriminatedUnion('type', actionSchemas);
export type FlowAction = z.infer<typeof flowActionSchema>;
export const FLOW_ACTION_TYPES = actionSchemas.map((s) => s.shape.type.value);

/** What templates see at save time, so a template that cannot render is refused then and not at 3 a.m. */
export const sampleTemplateVars = (triggerEvent: string) => ({
  brand: 'Touchpoint',
  customer: {
    id: 'sample-customer',
    email: 'sample@example.com',
    phone: '+15555550100',
    name: 'Sample Customer',
    first_name: 'Sample',
    birthday: '1990-01-01',
    timezone: 'UTC',
    tags: ['sample'],
  },
  event: { id: 'sample-event', type: triggerEvent, properties: {} },
  flow: { id: 'sample-flow', name: 'Sample', version: 1 },
});

/** The template parts of an action, by their path inside it. */
function templatesOf(action: FlowAction): Array<[Array<string>, string]> {
  switch (action.type) {
    case 'send_email':
      return (['subject', 'html', 'text'] as const).map((p) => [['template', p], action.template[p]]);
    case 'send_sms':
      return [[['template', 'text'], action.template.text]];
    case 'send_push':
      return [
        [['template', 'title'], action.template.title],
        [['template', 'body'], action.template.body],
        ...(action.template.data === undefined ? [] : [[['template', 'data'], action.template.data] as [string[], string]]),
      ];
    case 'send_wechat':
      return [
        ...(action.template.url ? [[['template', 'url'], action.template.url] as [string[], string]] : []),
        ...Object.entries(action.template.data).map(([key, source]): [string[], string] => [['template', 'data', key], source]),
      ];
    case 'send_webhook':
      return action.template ? [[['template'], action.template]] : [];
    default:
      return [];
  }
}

export const flowDefinitionSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    trigger_event: eventType,
    /** Event types that end a run at once, whatever step it is in. */
    exit_on: z.array(eventType).max(20).default([]),
    actions: z.array(flowActionSchema).min(1).max(MAX_FLOW_ACTIONS),
  })
  .superRefine((flow, ctx) => {
    flow.exit_on.forEach((type, i) => {
      if (type === flow.trigger_event) {
        ctx.addIssue({ code: 'custom', path: ['exit_on', i], message: 'a flow cannot exit on its own trigger event' });
      }
    });
    const sample = sampleTemplateVars(flow.trigger_event);
    flow.actions.forEach((action, i) => {
      const at = (...path: PropertyKey[]) => ['actions', i, ...path];
      const delays = (['delay', 'delay_hours', 'delay_days'] as const).filter((k) => action[k] !== undefined);
      if (delays.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: at(delays[1]!),
          message: `use one of delay, delay_hours, delay_days (got ${delays.join(', ')})`,
        });
      }
      if (delayMs(action) > MAX_WAIT_MS) ctx.addIssue({ code: 'custom', path: at(delays[0]!), message: 'must be at most 366 days' });
      if (action.type === 'wait_for_event' && action.timeout > MAX_WAIT_MS) {
        ctx.addIssue({ code: 'custom', path: at('timeout'), message: 'must be at most 366 days' });
      }
      if (action.type === 'branch') {
        if (action.value === undefined && !['exists', 'not_exists'].includes(action.op)) {
          ctx.addIssue({ code: 'custom', path: at('value'), message: `required with op "${action.op}"` });
        }
        for (const key of ['if_true', 'if_false'] as const) {
          const outcome = action[key];
          if (typeof outcome === 'object' && i + outcome.skip >= flow.actions.length) {
            ctx.addIssue({
              code: 'custom',
              path: at(key, 'skip'),
              message: `skips past the last action (${flow.actions.length - i - 1} follow this one)`,
            });
          }
        }
      }
      for (const [path, source] of templatesOf(action)) {
        const problem = validateTemplate(source) ?? trialRender(source, sample);
        if (problem) ctx.addIssue({ code: 'custom', path: at(...path), message: `template does not render: ${problem}` });
      }
    });
  });

export type FlowDefinitionInput = z.input<typeof flowDefinitionSchema>;
export type FlowDefinition = z.infer<typeof flowDefinitionSchema>;

function trialRender(source: string, vars: Record<string, unknown>): string | null {
  try {
    renderTemplate(source, vars, 'html', { strict: false });
    renderTemplate(source, vars, 'text', { strict: false });
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The action's delay in milliseconds (0 when it has none). */
export function delayMs(action: Pick<FlowAction, 'delay' | 'delay_hours' | 'delay_days'>): number {
  if (action.delay !== undefined) return action.delay;
  if (action.delay_hours !== undefined) return Math.round(action.delay_hours * HOUR);
  if (action.delay_days !== undefined) return Math.round(action.delay_days * DAY);
  return 0;
}

/**
 * The stored actions (as saved, after validation) → the steps the workflow runs. Stored actions keep the
 * marketer's own words (`delay_hours: 24`); the durations resolved here are what a run records in its history.
 */
export function toFlowSteps(actions: FlowAction[]): FlowStep[] {
  return actions.map((a): FlowStep => {
    const base = { delayMs: delayMs(a) };
    switch (a.type) {
      case 'send_email':
      case 'send_sms':
      case 'send_push':
        return { ...base, type: a.type, template: a.template } as FlowStep;
      case 'send_wechat':
        // The channel's flat parts: template_id, url, then one part per data key.
        return {
          ...base,
          type: a.type,
          template: { template_id: a.template.template_id, ...(a.template.url ? { url: a.template.url } : {}), ...a.template.data },
        };
      case 'send_webhook':
        return { ...base, type: a.type, url: a.url, ...(a.template ? { template: a.template } : {}) };
      case 'add_tag':
        return { ...base, type: a.type, tag: a.tag };
      case 'wait_for_event':
        return { ...base, type: a.type, event: a.event, timeoutMs: a.timeout, onTimeout: a.on_timeout };
      case 'branch':
        return {
          ...base,
          type: a.type,
          attribute: a.attribute,
          op: a.op,
          ...(a.value !== undefined ? { value: a.value } : {}),
          ifTrue: a.if_true,
          ifFalse: a.if_false,
        };
    }
  });
}
