import type { RouteHandler } from '@hono/zod-openapi';
import { TemplateError } from './service.js';
import { type AppEnv, createRouter } from '../api/app.js';
import { ApiError } from '../api/errors.js';
import { createTemplate, getTemplate, listTemplates, previewTemplate } from './templates.routes.js';

const create: RouteHandler<typeof createTemplate, AppEnv> = async (c) => {
  try {
    return c.json(await c.var.deps.templates.create(c.req.valid('json')), 201);
  } catch (err) {
    if (err instanceof TemplateError) throw new ApiError(422, 'invalid_template', err.message, err.field);
    throw err;
  }
};

const get: RouteHandler<typeof getTemplate, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const template = await c.var.deps.templates.get(id);
  if (!template) throw new ApiError(404, 'template_not_found', `no template "${id}"`);
  return c.json(template, 200);
};

const preview: RouteHandler<typeof previewTemplate, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const input = c.req.valid('json');
  let result;
  try {
    result = await c.var.deps.templates.preview(id, input);
  } catch (err) {
    if (err instanceof TemplateError) throw new ApiError(422, 'invalid_template', err.message, err.field);
    throw err;
  }
  if (result === 'template_not_found') throw new ApiError(404, 'template_not_found', `no template "${id}"`);
  if (result === 'customer_not_found') throw new ApiError(404, 'customer_not_found', `no customer "${input.customer_id}"`, 'customer_id');
  return c.json(result, 200);
};

const list: RouteHandler<typeof listTemplates, AppEnv> = async (c) => c.json({ templates: await c.var.deps.templates.list() }, 200);

export const templatesRouter = createRouter().openapi(createTemplate, create).openapi(getTemplate, get).openapi(listTemplates, list).openapi(previewTemplate, preview);
