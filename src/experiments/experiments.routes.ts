import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, json, jsonBody, jsonRequest } from '../api/route-helpers.js';
import { GOALS, GUARD_METRICS, MAX_VARIANTS, MIN_VARIANTS, MODES } from './definition.js';

const CHANNELS = ['email', 'sms', 'push', 'wechat', 'webhook'] as const;

const variantInput = z.strictObject({
  key: z.string().min(1).max(32).openapi({ example: 'B' }),
  name: z.string().max(200).optional(),
  weight: z.number().positive().max(1000).optional().openapi({ description: 'Relative share of the non-holdout customers; default 1' }),
  subject: z.string().min(1).max(998).optional().openapi({ description: "An email's subject (a push's title), Liquid" }),
  content: z
    .union([z.string().max(512 * 1024), z.record(z.string(), z.string().max(512 * 1024))])
    .optional()
    .openapi({ description: "The message, as a campaign's `content`" }),
  template_id: z.string().min(1).max(200).optional(),
  send_at: z
    .union([
      z.strictObject({ local_time: z.string().openapi({ example: '20:00', description: "The customer's local time of day" }) }),
      z.strictObject({ offset_minutes: z.number().int().openapi({ description: 'Minutes after the message would have gone' }) }),
      z.strictObject({
        best_hour: z
          .literal(true)
          .openapi({ description: "The customer's best hour: when they most often open or click, else the workspace's" }),
      }),
    ])
    .optional(),
  channel: z.enum(CHANNELS).optional().openapi({ description: 'Journey and flow steps: send this arm on another channel' }),
});

const experimentInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200).openapi({ example: 'subject_line_test' }),
    campaign_id: z.string().min(1).max(64).optional(),
    journey_key: z.string().min(1).max(100).optional(),
    flow_id: z.string().min(1).max(200).optional(),
    step_key: z.string().min(1).max(100).optional(),
    variants: z.array(variantInput).min(MIN_VARIANTS).max(MAX_VARIANTS),
    holdout: z.number().min(0).max(0.5).optional().openapi({ description: 'Share of customers who get nothing; default 0' }),
    goal: z.enum(GOALS),
    guard_metrics: z.array(z.enum(GUARD_METRICS)).max(3).optional(),
    mode: z
      .enum(MODES)
      .optional()
      .openapi({ description: 'fixed (a planned sample size) or sequential (always-valid p-values: look any time)' }),
    alpha: z.number().optional(),
    power: z.number().optional(),
    minimum_detectable_effect: z.number().nullable().optional(),
    test_fraction: z
      .number()
      .nullable()
      .optional()
      .openapi({ description: 'Auto-winner: the share of the audience in the test, e.g. 0.2' }),
    winner_wait_seconds: z
      .number()
      .int()
      .nullable()
      .optional()
      .openapi({ description: 'Auto-winner: the wait before the winner is chosen; default 14400 (4 h)' }),
  })
  .openapi('ExperimentInput', {
    example: {
      name: 'subject_line_test',
      campaign_id: '6f1c…',
      variants: [
        { key: 'A', subject: 'Your June gift is waiting' },
        { key: 'B', subject: '{{ customer.first_name }}, a gift for you 🎁' },
      ],
      goal: 'open_rate',
      test_fraction: 0.2,
      winner_wait_seconds: 14400,
    },
  });

const interval = z.object({ low: z.number(), high: z.number() });
const variantView = z.object({
  key: z.string(),
  name: z.string().nullable(),
  weight: z.number(),
  subject: z.string().nullable(),
  content: z.unknown(),
  template_id: z.string().nullable(),
  send_at: z.unknown(),
  channel: z.string().nullable(),
});

export const experimentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['draft', 'running', 'stopped', 'completed']),
    target: z.object({ type: z.enum(['campaign', 'journey_step', 'flow_step']) }).passthrough(),
    variants: z.array(variantView),
    control: z.string(),
    holdout: z.number(),
    goal: z.enum(GOALS),
    guard_metrics: z.array(z.string()),
    mode: z.enum(MODES),
    alpha: z.number(),
    power: z.number(),
    minimum_detectable_effect: z.number().nullable(),
    test_fraction: z.number().nullable(),
    winner_wait_seconds: z.number().nullable(),
    winner: z.string().nullable(),
    winner_reason: z.string().nullable().openapi({ description: 'significant, not_significant_control, srm_control or promoted' }),
    decided_at: z.string().nullable(),
    started_at: z.string().nullable(),
    stopped_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Experiment');

const armAnalysis = z.object({
  key: z.string(),
  n: z.number(),
  rate: z.number().nullable(),
  ci: interval.nullable(),
  lift: z.unknown(),
  pValue: z.number().nullable(),
  adjustedPValue: z.number().nullable(),
  significant: z.boolean(),
});

export const resultsSchema = z
  .object({
    experiment_id: z.string(),
    name: z.string(),
    status: z.string(),
    goal: z.enum(GOALS),
    base: z.enum(['sent', 'assigned']).openapi({
      description: "What n counts: customers sent the arm's message (open, click rates) or assigned to it (conversion, revenue)",
    }),
    conversion_window_days: z.number(),
    arms: z.array(z.record(z.string(), z.unknown())),
    analysis: z.object({ arms: z.array(armAnalysis) }).passthrough(),
    vs_holdout: z.unknown(),
    guards: z.record(z.string(), z.unknown()),
    sample_size: z.object({
      per_arm: z.number().nullable(),
      minimum_detectable_effect: z.number().nullable(),
      baseline: z.number().nullable(),
      reached: z.boolean().nullable(),
    }),
    winner: z.string().nullable(),
    winner_reason: z.string().nullable(),
  })
  .openapi('ExperimentResults');

const ref = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The experiment id, or its name', example: 'subject_line_test' }),
});

export const createExperiment = createRoute({
  method: 'post',
  path: '/api/experiments',
  tags: ['experiments'],
  summary: "Create an A/B(/n) test of a campaign's message, or of a journey's or flow's send step; it runs at once",
  middleware: [jsonBody(2 * 1024 * 1024)] as const,
  request: { body: jsonRequest(experimentInput) },
  responses: { 201: json(experimentSchema, 'The experiment'), ...errorResponses(400, 404, 409, 413, 415, 422) },
});

export const listExperiments = createRoute({
  method: 'get',
  path: '/api/experiments',
  tags: ['experiments'],
  summary: 'Experiments, newest first',
  request: {
    query: z.object({
      status: z.enum(['draft', 'running', 'stopped', 'completed']).optional(),
      campaign_id: z.string().min(1).max(64).optional(),
    }),
  },
  responses: { 200: json(z.object({ experiments: z.array(experimentSchema) }), 'Experiments'), ...errorResponses(400) },
});

export const getExperiment = createRoute({
  method: 'get',
  path: '/api/experiments/{id}',
  tags: ['experiments'],
  summary: 'One experiment',
  request: { params: ref },
  responses: { 200: json(experimentSchema, 'The experiment'), ...errorResponses(404) },
});

export const experimentResults = createRoute({
  method: 'get',
  path: '/api/experiments/{id}/results',
  tags: ['experiments'],
  summary: 'Per arm: n, events, rate with its confidence interval, lift vs the control with its interval, p-values, SRM check, winner',
  request: { params: ref },
  responses: { 200: json(resultsSchema, 'The results'), ...errorResponses(404) },
});

export const stopExperiment = createRoute({
  method: 'post',
  path: '/api/experiments/{id}/stop',
  tags: ['experiments'],
  summary: 'Stop a running experiment: later sends are the original message',
  request: { params: ref },
  responses: { 200: json(experimentSchema, 'The experiment, stopped'), ...errorResponses(404, 409) },
});

export const promoteExperiment = createRoute({
  method: 'post',
  path: '/api/experiments/{id}/promote',
  tags: ['experiments'],
  summary: 'Make a variant the winner: every later send of the experiment is that variant',
  middleware: [jsonBody(4096)] as const,
  request: { params: ref, body: jsonRequest(z.strictObject({ variant: z.string().min(1).max(32) })) },
  responses: { 200: json(experimentSchema, 'The experiment, completed'), ...errorResponses(400, 404, 413, 415, 422) },
});

export const sampleSize = createRoute({
  method: 'get',
  path: '/api/experiments/sample-size',
  tags: ['experiments'],
  summary: 'Customers per arm a fixed-horizon test needs to detect an absolute difference in a rate',
  request: {
    query: z.object({
      baseline: z.coerce.number().gt(0).lt(1).openapi({ description: "The control's expected rate, e.g. 0.2", example: 0.2 }),
      mde: z.coerce.number().gt(0).lt(1).openapi({ description: 'The minimum detectable effect, absolute, e.g. 0.02', example: 0.02 }),
      alpha: z.coerce.number().min(0.0001).max(0.2).default(0.05),
      power: z.coerce.number().min(0.5).lt(1).default(0.8),
    }),
  },
  responses: {
    200: json(
      z.object({
        per_arm: z.number().int(),
        baseline: z.number(),
        mde: z.number(),
        alpha: z.number(),
        power: z.number(),
        method: z.string(),
      }),
      'The sample size',
    ),
    ...errorResponses(400, 422),
  },
});
