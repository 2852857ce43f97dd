import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { FlowSave } from './service.js';
import type { AppEnv } from '../api/router.js';
import { DomainError } from '../domain/errors.js';
import type { activateFlow, createFlow, deactivateFlow, getFlow, listFlows, putFlow } from './flows.routes.js';

const unknownFlow = (id: string, version?: number) =>
  new DomainError('flow_not_found', version ? `flow "${id}" has no version ${version}` : `no flow "${id}"`, undefined, 404);

/**
 * The validated definition, with the actions as the client wrote them (validation resolved delays to
 * milliseconds; the saved flow keeps `delay_hours: 24`, and each run resolves it when it loads its version).
 */
async function toSave(c: Context<AppEnv>, valid: { name: string; trigger_event: string; exit_on: string[] }): Promise<FlowSave> {
  const raw = await c.req.json<{ actions: Array<Record<string, unknown>> }>();
  return { name: valid.name, trigger_event: valid.trigger_event, exit_on: valid.exit_on, actions: raw.actions };
}

export const createFlowHandler: RouteHandler<typeof createFlow, AppEnv> = async (c) => {
  const flow = await c.var.deps.flows.create(await toSave(c, c.req.valid('json')));
  return c.json({ flow }, 201);
};

export const listFlowsHandler: RouteHandler<typeof listFlows, AppEnv> = async (c) => c.json({ flows: await c.var.deps.flows.list() }, 200);

export const getFlowHandler: RouteHandler<typeof getFlow, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { version } = c.req.valid('query');
  const flow = await c.var.deps.flows.get(id, version);
  if (!flow) throw unknownFlow(id, version);
  return c.json({ flow }, 200);
};

export const putFlowHandler: RouteHandler<typeof putFlow, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const flow = await c.var.deps.flows.update(id, await toSave(c, c.req.valid('json')));
  if (!flow) throw unknownFlow(id);
  return c.json({ flow }, 200);
};

export const activateFlowHandler: RouteHandler<typeof activateFlow, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const flow = await c.var.deps.flows.setActive(id, true);
  if (!flow) throw unknownFlow(id);
  return c.json({ flow }, 200);
};

export const deactivateFlowHandler: RouteHandler<typeof deactivateFlow, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const flow = await c.var.deps.flows.setActive(id, false);
  if (!flow) throw unknownFlow(id);
  return c.json({ flow }, 200);
};
