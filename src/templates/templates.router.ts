import { createRouter } from '../api/router.js';
import { createTemplateHandler, getTemplateHandler, listTemplatesHandler, previewTemplateHandler } from './templates.handlers.js';
import { createTemplate, getTemplate, listTemplates, previewTemplate } from './templates.routes.js';

export const templatesRouter = createRouter()
  .openapi(createTemplate, createTemplateHandler)
  .openapi(getTemplate, getTemplateHandler)
  .openapi(listTemplates, listTemplatesHandler)
  .openapi(previewTemplate, previewTemplateHandler);
