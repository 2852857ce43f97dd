import { createRouter } from '../api/router.js';
import { addSuppressionHandler, listSuppressionsHandler, removeSuppressionHandler } from './suppressions.handlers.js';
import { addSuppression, listSuppressions, removeSuppression } from './suppressions.routes.js';

export const suppressionsRouter = createRouter()
  .openapi(listSuppressions, listSuppressionsHandler)
  .openapi(addSuppression, addSuppressionHandler)
  .openapi(removeSuppression, removeSuppressionHandler);
