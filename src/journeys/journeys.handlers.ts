import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import { journeySettingsSchemas } from './settings.js';
import { DomainError, validationError } from '../domain/errors.js';
import type { cancelRun, getJourney, getRun, listJourneys, listRuns, putJourney, runningPerStep, sweepChurn } from './journeys.routes.js';

const unknownJourney = (key: string) => new DomainError('journey_not_found', `no journey "${key}"`, undefined, 404);
const unknownRun = (id: string) => new DomainError('run_not_found', `no journey run "${id}"`, undefined, 404);

export const listJourneysHandler: RouteHandler<typeof listJourneys, AppEnv> = async (c) =>
  c.json({ journeys: await c.var.deps.journeyConfigs.list() }, 200);

export const getJourneyHandler: RouteHandler<typeof getJourney, AppEnv> = async (c) => {
  const { key } = c.req.valid('param');
  const journey = await c.var.deps.journeyConfigs.latest(key);
  if (!journey) throw unknownJourney(key);
  return c.json({ journey }, 200);
};

export const putJourneyHandler: RouteHandler<typeof putJourney, AppEnv> = async (c) => {
  const { key } = c.req.valid('param');
  const patch = c.req.valid('json');
  if (patch.settings !== undefined) {
    const schema = journeySettingsSchemas[key];
    if (!schema) throw new DomainError('validation_error', `settings: journey "${key}" has no settings`, 'settings', 422);
    const parsed = schema.safeParse(patch.settings);
    if (!parsed.success) throw validationError(parsed.error, ['settings']);
    patch.settings = parsed.data as Record<string, unknown>;
  }
  const journey = await c.var.deps.journeyConfigs.update(key, patch);
  if (!journey) throw unknownJourney(key);
  // Routing reads some journeys' configuration (activation's switch and key action): at once in this process.
  c.var.deps.journeys.configChanged(key);
  return c.json({ journey }, 200);
};

export const listRunsHandler: RouteHandler<typeof listRuns, AppEnv> = async (c) => {
  const { key } = c.req.valid('param');
  const { page, page_size } = c.req.valid('query');
  // A marketer flow's runs are journey `flow:<flow id>`.
  const known = key.startsWith('flow:')
    ? await c.var.deps.flows.get(key.slice('flow:'.length))
    : await c.var.deps.journeyConfigs.latest(key);
  if (!known) throw unknownJourney(key);
  const { total, runs } = await c.var.deps.journeys.runs(key, { limit: page_size, offset: (page - 1) * page_size });
  return c.json({ runs, pagination: { total, page, page_size } }, 200);
};

export const getRunHandler: RouteHandler<typeof getRun, AppEnv> = async (c) => {
  const { workflowId } = c.req.valid('param');
  const run = await c.var.deps.journeys.run(workflowId);
  if (!run) throw unknownRun(workflowId);
  return c.json({ run }, 200);
};

export const cancelRunHandler: RouteHandler<typeof cancelRun, AppEnv> = async (c) => {
  const { workflowId } = c.req.valid('param');
  if (await c.var.deps.journeys.cancel(workflowId)) return c.json({ cancelled: true as const }, 202);
  const run = await c.var.deps.journeys.run(workflowId);
  if (!run) throw unknownRun(workflowId);
  throw new DomainError('run_not_running', `journey run "${workflowId}" is ${run.status.toLowerCase()}, not running`, undefined, 409);
};

export const sweepChurnHandler: RouteHandler<typeof sweepChurn, AppEnv> = async (c) => c.json(await c.var.deps.journeys.sweepChurn(), 200);

export const runningPerStepHandler: RouteHandler<typeof runningPerStep, AppEnv> = async (c) => {
  const { key } = c.req.valid('param');
  let steps: string[];
  if (key.startsWith('flow:')) {
    const flow = await c.var.deps.flows.get(key.slice('flow:'.length));
    if (!flow) throw unknownJourney(key);
    // A flow's step keys, as its workflow names them.
    steps = flow.actions.map((action, i) => `${i}-${String(action.type)}`);
  } else {
    const config = await c.var.deps.journeyConfigs.latest(key);
    if (!config) throw unknownJourney(key);
    steps = config.steps.map((step) => step.key);
  }
  return c.json({ journey: key, ...(await c.var.deps.journeys.runningPerStep(key, steps)) }, 200);
};
