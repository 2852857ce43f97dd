import { msToNumber } from '@temporalio/common/lib/time.js';
import { z } from 'zod';
import { validateTemplate } from './template.js';

/** A duration as Temporal reads it: "0s", "24 hours", "7 days", or milliseconds. */
export const durationSchema = z.union([z.number().int().min(0), z.string().min(1)]).superRefine((v, ctx) => {
  try {
    if (msToNumber(v as never) < 0) ctx.addIssue({ code: 'custom', message: 'must not be negative' });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration (e.g. "24 hours", "7 days")` });
  }
});

const emailTemplateSchema = z.object({
  subject: z.string().min(1),
  html: z.string().min(1),
  text: z.string().min(1),
});

export const journeyStepSchema = z.object({
  key: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lowercase letters, digits, _ or -'),
  /** Time from the start of the journey to this step. */
  offset: durationSchema,
  channel: z.literal('email'),
  template: emailTemplateSchema,
  /** When set, the step issues a unique coupon first; templates see it as {{ coupon.code }}. */
  coupon: z.object({ percentOff: z.number().int().min(1).max(100), validDays: z.number().int().min(1) }).optional(),
});

export type JourneyStep = z.infer<typeof journeyStepSchema>;

export const journeyStepsSchema = z
  .array(journeyStepSchema)
  .min(1)
  .superRefine((steps, ctx) => {
    const seen = new Set<string>();
    steps.forEach((step, i) => {
      if (seen.has(step.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicate step key "${step.key}"` });
      seen.add(step.key);
      for (const part of ['subject', 'html', 'text'] as const) {
        const error = validateTemplate(step.template[part]);
        if (error) ctx.addIssue({ code: 'custom', path: [i, 'template', part], message: error });
      }
    });
  });

export interface JourneyConfig {
  key: string;
  version: number;
  enabled: boolean;
  steps: JourneyStep[];
}

const footer = {
  html: '<p style="color:#888;font-size:12px">You receive this because you signed up to {{ brand }}.</p>',
  text: '\n--\nYou receive this because you signed up to {{ brand }}.',
};

/** Seed 000's welcome series: welcome at once, onboarding guide after 24 h, an exclusive coupon after 7 days. */
export const defaultJourneyConfigs: Record<string, JourneyStep[]> = {
  welcome: [
    {
      key: 'welcome',
      offset: '0s',
      channel: 'email',
      template: {
        subject: 'Welcome to {{ brand }}, {{ customer.name | default: "friend" }}!',
        html: '<h1>Welcome, {{ customer.name | default: "friend" }}!</h1><p>We are glad you are here.</p>' + footer.html,
        text: 'Welcome, {{ customer.name | default: "friend" }}! We are glad you are here.' + footer.text,
      },
    },
    {
      key: 'guide',
      offset: '24 hours',
      channel: 'email',
      template: {
        subject: 'Getting started with {{ brand }}',
        html: '<h1>Your first steps</h1><p>Hi {{ customer.name | default: "there" }}, here is how to get the most out of {{ brand }}.</p>' + footer.html,
        text: 'Hi {{ customer.name | default: "there" }}, here is how to get the most out of {{ brand }}.' + footer.text,
      },
    },
    {
      key: 'coupon',
      offset: '7 days',
      channel: 'email',
      coupon: { percentOff: 15, validDays: 30 },
      template: {
        subject: 'A gift for you: {{ coupon.percent_off }}% off',
        html: '<p>Hi {{ customer.name | default: "there" }}, use code <strong>{{ coupon.code }}</strong> for {{ coupon.percent_off }}% off until {{ coupon.expires_on }}.</p>' + footer.html,
        text: 'Hi {{ customer.name | default: "there" }}, use code {{ coupon.code }} for {{ coupon.percent_off }}% off until {{ coupon.expires_on }}.' + footer.text,
      },
    },
  ],
};
