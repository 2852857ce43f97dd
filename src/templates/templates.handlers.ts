import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../api/router.js';
import { templateNotFound } from './service.js';
import type { createTemplate, getTemplate, listTemplates, previewTemplate } from './templates.routes.js';

export const createTemplateHandler: RouteHandler<typeof createTemplate, AppEnv> = async (c) =>
  c.json(await c.var.deps.templates.create(c.req.valid('json')), 201);

export const getTemplateHandler: RouteHandler<typeof getTemplate, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const template = await c.var.deps.templates.get(id);
  if (!template) throw templateNotFound(id);
  return c.json(template, 200);
};

export const previewTemplateHandler: RouteHandler<typeof previewTemplate, AppEnv> = async (c) =>
  c.json(await c.var.deps.templates.preview(c.req.valid('param').id, c.req.valid('json')), 200);

export const listTemplatesHandler: RouteHandler<typeof listTemplates, AppEnv> = async (c) =>
  c.json({ templates: await c.var.deps.templates.list() }, 200);
