import { createRoute, z } from '@hono/zod-openapi';
import { journeyStepsSchema } from './steps-schema.js';
import { errorResponses, json, jsonBody, jsonRequest, pageQuery, paginationSchema } from '../api/route-helpers.js';

const configSchema = z
  .object({
    key: z.string(),
    version: z.number(),
    enabled: z.boolean(),
    steps: z.array(z.record(z.string(), z.unknown())),
    settings: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "the journey's own settings (tier_upgrade: its rules; activation: its key action, activationEvent)" }),
    createdAt: z.string(),
  })
  .openapi('JourneyConfig');

const runSchema = z
  .object({
    workflowId: z.string(),
    journey: z.string(),
    customerId: z.string(),
    runId: z.string(),
    status: z.string().openapi({ example: 'RUNNING' }),
    startedAt: z.string(),
    closedAt: z.string().nullable(),
    state: z.unknown().optional().openapi({ description: 'current step, next wake-up, steps done (running runs)' }),
  })
  .openapi('JourneyRun');

const keyParam = z.object({
  key: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'key', in: 'path' }, example: 'welcome' }),
});
const runParam = z.object({
  workflowId: z
    .string()
    .min(1)
    .max(400)
    .openapi({ param: { name: 'workflowId', in: 'path' }, example: 'welcome%2Fada', description: 'URL-encoded' }),
});

export const listJourneys = createRoute({
  method: 'get',
  path: '/api/journeys',
  tags: ['journeys'],
  summary: 'Every journey with its current configuration',
  responses: { 200: json(z.object({ journeys: z.array(configSchema) }), 'Journeys') },
});

export const getJourney = createRoute({
  method: 'get',
  path: '/api/journeys/{key}',
  tags: ['journeys'],
  summary: "A journey's current configuration",
  request: { params: keyParam },
  responses: {
    200: json(z.object({ journey: configSchema }), 'Configuration'),
    ...errorResponses(404),
  },
});

export const putJourney = createRoute({
  method: 'put',
  path: '/api/journeys/{key}',
  tags: ['journeys'],
  summary: 'Change delays, templates, channels or the on/off switch — for new runs only',
  description: 'Writes a new configuration version. Runs already in flight keep the version they started with.',
  middleware: [jsonBody(512 * 1024)] as const,
  request: {
    params: keyParam,
    body: jsonRequest(
      z
        .strictObject({
          enabled: z.boolean().optional(),
          steps: journeyStepsSchema.optional(),
          settings: z.record(z.string(), z.unknown()).optional().openapi({
            description:
              'Replaces the settings; only journeys that have settings take them (tier_upgrade: its rules; activation: `{ activationEvent }`, the event type that ends the run, default order_completed)',
          }),
        })
        .openapi('JourneyConfigPatch'),
    ),
  },
  responses: {
    200: json(z.object({ journey: configSchema }), 'The new version'),
    ...errorResponses(400, 404, 413, 415, 422),
  },
});

export const listRuns = createRoute({
  method: 'get',
  path: '/api/journeys/{key}/runs',
  tags: ['journeys'],
  summary: "A journey's runs, newest first, with their live state",
  request: {
    params: keyParam,
    query: z.object(pageQuery(100, 20)),
  },
  responses: {
    200: json(z.object({ runs: z.array(runSchema), pagination: paginationSchema }), 'Runs'),
    ...errorResponses(404, 422),
  },
});

export const runningPerStep = createRoute({
  method: 'get',
  path: '/api/journeys/{key}/steps',
  tags: ['journeys'],
  summary: "A journey's (or flow's, `flow:<id>`) running runs, in all and by the step they are at",
  description:
    "Counted by Temporal's visibility from each run's JourneyStep search attribute: approximate, and a moment behind the runs. " +
    "The steps are the current configuration's (a flow's: `<index>-<action type>`).",
  request: { params: keyParam },
  responses: {
    200: json(
      z.object({
        journey: z.string(),
        running: z.number().int(),
        steps: z.array(z.object({ step: z.string(), running: z.number().int() })),
      }),
      'Running runs per step',
    ),
    ...errorResponses(404, 503),
  },
});

export const getRun = createRoute({
  method: 'get',
  path: '/api/journeys/runs/{workflowId}',
  tags: ['journeys'],
  summary: 'One run: status, current step, next wake-up, steps done (read from the workflow)',
  request: { params: runParam },
  responses: {
    200: json(z.object({ run: runSchema }), 'Run'),
    ...errorResponses(404),
  },
});

export const cancelRun = createRoute({
  method: 'post',
  path: '/api/journeys/runs/{workflowId}/cancel',
  tags: ['journeys'],
  summary: 'End a running run (it stops before its next step and records "cancelled")',
  request: { params: runParam },
  responses: {
    202: json(z.object({ cancelled: z.literal(true) }), 'Cancelling'),
    ...errorResponses(404, 409),
  },
});

export const sweepChurn = createRoute({
  method: 'post',
  path: '/api/journeys/churn_win_back/sweep',
  tags: ['journeys'],
  summary: 'Run the churn win-back sweep now (a Temporal Schedule runs it every hour)',
  description:
    "Starts a churn win-back run for every customer quiet for longer than the first step's offset and not yet in one for this silence. Answers when the sweep is done.",
  responses: {
    200: json(z.object({ workflowId: z.string(), started: z.number().int() }).openapi('ChurnSweep'), 'Sweep done'),
  },
});
