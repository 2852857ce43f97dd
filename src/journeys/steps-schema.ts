// The API's schema of a journey's steps (PUT /api/journeys/:key), with the check that every template in
// them parses as Liquid. Only the API imports it: workflow code reads the steps' types from
// src/domain/journey-config.ts, which this schema accepts exactly (checked below at compile time).
import { msToNumber } from '@temporalio/common/lib/time.js';
import { z } from 'zod';
import type { CrmTaskStep, EmailStep } from '../domain/journey-config.js';
import { validateTemplate } from '../templates/render.js';

export const durationSchema = z.union([z.number().int().min(0), z.string().min(1)]).superRefine((v, ctx) => {
  try {
    if (msToNumber(v) < 0) ctx.addIssue({ code: 'custom', message: 'must not be negative' });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration (e.g. "24 hours", "7 days")` });
  }
});

const emailTemplateSchema = z.object({
  subject: z.string().min(1),
  html: z.string().min(1),
  text: z.string().min(1),
});

const stepBase = {
  key: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lowercase letters, digits, _ or -'),
  offset: durationSchema,
};

export const emailStepSchema = z.object({
  ...stepBase,
  channel: z.literal('email'),
  template: emailTemplateSchema,
  coupon: z.object({ percentOff: z.number().int().min(1).max(100), validDays: z.number().int().min(1) }).optional(),
  transactional: z.boolean().optional(),
  sendAt: z
    .union([
      z.strictObject({ localTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, 00:00 to 23:59') }),
      z.strictObject({ bestHour: z.literal(true) }),
    ])
    .optional(),
});

export const crmTaskStepSchema = z.object({
  ...stepBase,
  channel: z.literal('crm_task'),
  task: z.object({ title: z.string().min(1), webhookUrl: z.url().optional() }),
});

export const journeyStepSchema = z.discriminatedUnion('channel', [emailStepSchema, crmTaskStepSchema]);

/** The same type (not merely assignable both ways, which an added optional field would pass): the schema and the domain's types cannot drift apart. */
type Exactly<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
true satisfies Exactly<z.infer<typeof emailStepSchema>, EmailStep>;
true satisfies Exactly<z.infer<typeof crmTaskStepSchema>, CrmTaskStep>;

export const journeyStepsSchema = z
  .array(journeyStepSchema)
  .min(1)
  .superRefine((steps, ctx) => {
    const seen = new Set<string>();
    steps.forEach((step, i) => {
      if (seen.has(step.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicate step key "${step.key}"` });
      seen.add(step.key);
      const templates: Array<[string[], string]> =
        step.channel === 'email'
          ? (['subject', 'html', 'text'] as const).map((part) => [['template', part], step.template[part]])
          : [[['task', 'title'], step.task.title]];
      for (const [path, source] of templates) {
        const error = validateTemplate(source);
        if (error) ctx.addIssue({ code: 'custom', path: [i, ...path], message: error });
      }
    });
  });
