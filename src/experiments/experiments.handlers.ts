import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import { DomainError } from '../domain/errors.js';
import type * as r from './experiments.routes.js';
import { sampleSize } from './stats.js';

const METHOD = "two-sided test of two proportions, Cohen's h, normal approximation (statsmodels NormalIndPower)";

export const createExperimentHandler: RouteHandler<typeof r.createExperiment, AppEnv> = async (c) =>
  c.json(await c.var.deps.experiments.create(c.req.valid('json')), 201);

export const listExperimentsHandler: RouteHandler<typeof r.listExperiments, AppEnv> = async (c) =>
  c.json(await c.var.deps.experiments.list(c.req.valid('query')), 200);

export const getExperimentHandler: RouteHandler<typeof r.getExperiment, AppEnv> = async (c) =>
  c.json(await c.var.deps.experiments.get(c.req.valid('param').id), 200);

export const experimentResultsHandler: RouteHandler<typeof r.experimentResults, AppEnv> = async (c) =>
  c.json(await c.var.deps.experiments.results(c.req.valid('param').id), 200);

export const stopExperimentHandler: RouteHandler<typeof r.stopExperiment, AppEnv> = async (c) =>
  c.json(await c.var.deps.experiments.stop(c.req.valid('param').id), 200);

export const promoteExperimentHandler: RouteHandler<typeof r.promoteExperiment, AppEnv> = async (c) =>
  c.json(await c.var.deps.experiments.promote(c.req.valid('param').id, c.req.valid('json').variant), 200);

export const sampleSizeHandler: RouteHandler<typeof r.sampleSize, AppEnv> = (c) => {
  const q = c.req.valid('query');
  if (q.baseline + q.mde >= 1) throw new DomainError('invalid_query', 'mde: baseline + mde must stay below 1', 'mde', 400);
  const { nPerArm } = sampleSize({ metric: 'proportion', baseline: q.baseline, mde: q.mde, alpha: q.alpha, power: q.power });
  if (!Number.isFinite(nPerArm)) throw new DomainError('invalid_query', 'mde: too small a difference to plan a sample for', 'mde', 400);
  return c.json({ per_arm: nPerArm, ...q, method: METHOD }, 200);
};
