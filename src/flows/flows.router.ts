import { createRouter } from '../api/router.js';
import {
  activateFlowHandler,
  createFlowHandler,
  deactivateFlowHandler,
  getFlowHandler,
  listFlowsHandler,
  putFlowHandler,
} from './flows.handlers.js';
import { activateFlow, createFlow, deactivateFlow, getFlow, listFlows, putFlow } from './flows.routes.js';

export const flowsRouter = createRouter()
  .openapi(createFlow, createFlowHandler)
  .openapi(listFlows, listFlowsHandler)
  .openapi(getFlow, getFlowHandler)
  .openapi(putFlow, putFlowHandler)
  .openapi(activateFlow, activateFlowHandler)
  .openapi(deactivateFlow, deactivateFlowHandler);
